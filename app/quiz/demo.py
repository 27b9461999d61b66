"""The demo contest: the Sở's yearly cuộc thi tìm hiểu, with a round open now."""
from datetime import timedelta

from app.core.timeutil import local_today, school_year_of, utcnow
from app.quiz.contests import add_round, create_contest


def load_demo_contest(so, bank):
    now = utcnow().replace(second=0, microsecond=0)
    contest = create_contest(None, so, bank, code=f"DVC{school_year_of(local_today())}",
                             name="Cuộc thi tìm hiểu dịch vụ công trực tuyến", school_year=school_year_of(local_today()),
                             levels=("THCS", "THPT"),
                             description="Cuộc thi hằng năm theo Kế hoạch 70/KH-UBND của UBND thành phố Cần Thơ.")
    add_round(None, contest, name="Đợt 1", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
              time_limit_minutes=20, question_count=20,
              # The shipped bank's hard questions are for THPT: a round for both levels draws easy and medium.
              draw_rules=[{"difficulty": "easy", "count": 10}, {"difficulty": "medium", "count": 10}],
              attempts_allowed=2, grading_method="highest", passing_score=50.0, review_policy="after_submit")
    add_round(None, contest, name="Luyện tập", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=90),
              question_count=10, practice=True, attempts_allowed=1)
    return contest
