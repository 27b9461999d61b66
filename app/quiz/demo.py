"""The demo contest: the Sở's yearly cuộc thi tìm hiểu, with a round open for five
weeks and attempts by part of each school, so that rankings and the coverage
dashboards have something to show."""
import random
from datetime import timedelta

from sqlalchemy import select

from app.core.timeutil import local_today, school_year_of, utcnow
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest, publish_results
from app.quiz.qtypes import qtype_of

# Share of each demo school's students who have taken part so far, by school code:
# some above the 80 % THPT target, some well below.
DEMO_RATES = {"THPT-ND": 0.86, "THPT-LQD": 0.72, "THPT-TP": 0.55, "THPT-PBC": 0.91, "THCS-NT": 0.64,
              "THCS-LL": 0.38, "THCS-CVA": 0.80, "THCS-VTS": 0.25, "LC-DTD": 0.68}
# The student login the README names takes Đợt 1 well (so has a certificate to
# download) and keeps Đợt 2 to try.
README_STUDENT = "anhnt.thptnd"


def load_demo_contest(so, bank):
    now = utcnow().replace(second=0, microsecond=0)
    contest = create_contest(None, so, bank, code=f"DVC{school_year_of(local_today())}",
                             name="Cuộc thi tìm hiểu dịch vụ công trực tuyến", school_year=school_year_of(local_today()),
                             levels=("THCS", "THPT"),
                             description="Cuộc thi hằng năm theo Kế hoạch 70/KH-UBND của UBND thành phố Cần Thơ.")
    # Đợt 1 has closed (its results and certificates are the demo's), Đợt 2 is open now.
    add_round(None, contest, name="Đợt 1", opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=5),
              time_limit_minutes=20, question_count=20,
              # The shipped bank's hard questions are for THPT: a round for both levels draws easy and medium.
              draw_rules=[{"difficulty": "easy", "count": 10}, {"difficulty": "medium", "count": 10}],
              attempts_allowed=2, grading_method="highest", passing_score=50.0, review_policy="after_submit",
              prizes={"nhat": 1, "nhi": 2, "ba": 3, "kk": 5})
    add_round(None, contest, name="Đợt 2", opens_at=now - timedelta(days=4), closes_at=now + timedelta(days=30),
              time_limit_minutes=20, question_count=20,
              draw_rules=[{"difficulty": "easy", "count": 10}, {"difficulty": "medium", "count": 10}],
              attempts_allowed=2, grading_method="highest", passing_score=50.0, review_policy="after_submit")
    add_round(None, contest, name="Luyện tập", opens_at=now - timedelta(days=40), closes_at=now + timedelta(days=90),
              question_count=10, practice=True, attempts_allowed=1)
    return contest


def load_demo_attempts(contest, seed=1588):
    """Finished attempts of the first round (now closed) for DEMO_RATES of each school's
    students, spread over the weeks it was open; then its results are published.
    Returns how many."""
    rng = random.Random(seed)
    round_ = contest.rounds[0]
    span = (round_.closes_at - round_.opens_at).total_seconds() - 3600
    rows = db.session.execute(
        select(Student, Unit.code).join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Unit, Unit.id == SchoolClass.school_id)
        .where(SchoolClass.school_year == contest.school_year).order_by(Student.id)).all()
    made = 0
    for student, code in rows:
        readme_student = student.user is not None and student.user.username == README_STUDENT
        if rng.random() >= DEMO_RATES.get(code, 0) and not readme_student:
            continue
        # more students in the later weeks, as reminders go out
        when = round_.opens_at + timedelta(seconds=span * (1 - rng.random() ** 1.6))
        skill = 0.9 if readme_student else rng.uniform(0.35, 0.95)
        attempt = quiz.start_attempt(student, round_, when, rng=rng)
        for item in attempt.questions:
            item.response = qtype_of(item.version.qtype).sample_response(item.version, rng.random() < skill)
        quiz.submit_attempt(attempt, when + timedelta(seconds=rng.randint(240, 1150)), prediction=rng.randint(0, 40))
        made += 1
    publish_results(None, round_, utcnow())
    return made
