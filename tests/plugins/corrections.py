"""`wrong_key`: a Sở contest whose closed, published round asked a question with a wrong
key, certificates issued for the round and the whole contest.

The bank's question "Ứng dụng nào…?" stores "VssID" as its key; "VNeID" is right. Each
student answers the three questions of the round (no shuffling), in a set order:

- An (Trường THPT A, 10A1): picks VNeID, right on q1 and q2: 2/3 now, 3/3 corrected.
- Bình (Trường THPT A, 10A1): picks VssID, right on q1 and q2: 3/3 now (first prize), 2/3
  corrected (second prize).
- Cường (Trường THPT B, 11B1): picks VNeID, right on q1 only: 1/3 now (fails at 50 %),
  2/3 corrected (passes; slower than Bình, so no prize).

Prizes: the round one first and one second; the contest one first. The round's and the
contest's certificates (with passing ones) are issued."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.accounts.services import ensure_student_accounts, set_password
from app.certificates import services as certificates
from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.contests.services import add_round, create_contest, publish_contest_results, publish_results
from tests.plugins.people import TEST_PASSWORD

WRONG = "Ứng dụng nào là ứng dụng định danh điện tử quốc gia?"


def take(student, round_, picks, when, seconds):
    """Start, pick the option of each question by its text ({question key: text}), submit after `seconds`."""
    attempt = quiz.start_attempt(student, round_, when)
    for item in attempt.questions:
        wanted = picks[item.version.question.key]
        choice = next(i for i, a in enumerate(item.version.answers) if a["text"] == wanted)
        quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, when)
    quiz.submit_attempt(attempt, when + timedelta(seconds=seconds), prediction=1)
    return attempt


def bank_questions():
    return [
        new_question("multichoice", WRONG, key="q0", topic="VNeID", level="all", difficulty="easy",
                     answers=[answer("VssID", 1.0), answer("VNeID", 0.0), answer("Zalo", 0.0)],
                     general_feedback="VssID là ứng dụng định danh.", source="Nghị định 69/2024/NĐ-CP"),
        new_question("multichoice", "Cổng Dịch vụ công quốc gia có địa chỉ nào?", key="q1", topic="Cổng",
                     level="all", difficulty="easy",
                     answers=[answer("dichvucong.gov.vn", 1.0), answer("chinhphu.vn", 0.0)]),
        new_question("multichoice", "Mã OTP có được đưa cho người khác không?", key="q2", topic="An toàn",
                     level="all", difficulty="easy", answers=[answer("Không", 1.0), answer("Có", 0.0)]),
    ]


@pytest.fixture
def wrong_key(tree, make_class, make_student, make_user, db):
    bank = create_bank(None, tree.so, code="DVC-SO", name="Ngân hàng của Sở")
    questions = {q.key: q for q in import_questions(None, bank, bank_questions()).questions}
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu dịch vụ công trực tuyến",
                             school_year=2026, levels=("THPT",))
    contest.prizes = {"nhat": 1}
    start = utcnow() - timedelta(days=3)
    round_ = add_round(None, contest, name="Đợt 1", opens_at=start, closes_at=utcnow() + timedelta(days=1),
                       question_count=3, prizes={"nhat": 1, "nhi": 1}, passing_score=50,
                       shuffle_questions=False, shuffle_options=True, review_policy="after_close")
    c10a1 = make_class(tree.school_a, "10A1", year=2026)
    an, binh = make_student(c10a1, "Nguyễn Văn An"), make_student(c10a1, "Lê Thị Bình")
    cuong = make_student(make_class(tree.school_b, "11B1", year=2026), "Phạm Quốc Cường")
    ensure_student_accounts(None, [an, binh], tree.school_a)
    ensure_student_accounts(None, [cuong], tree.school_b)
    for student in (an, binh, cuong):
        set_password(student.user, TEST_PASSWORD)
        student.user.must_change_password = False
    right = {"q1": "dichvucong.gov.vn", "q2": "Không"}
    attempts = SimpleNamespace(
        an=take(an, round_, {"q0": "VNeID", **right}, start + timedelta(hours=1), 300),
        binh=take(binh, round_, {"q0": "VssID", **right}, start + timedelta(hours=2), 200),
        cuong=take(cuong, round_, {"q0": "VNeID", "q1": "dichvucong.gov.vn", "q2": "Có"},
                   start + timedelta(hours=3), 400))
    round_.closes_at = utcnow() - timedelta(minutes=5)
    publish_results(None, round_, utcnow())
    publish_contest_results(None, contest, utcnow())
    template = certificates.save_template(None, contest, certificates.default_template(contest),
                                          {"signer_name": "Nguyễn Văn Giám"})
    certificates.issue(None, template, round_)
    certificates.issue(None, template)
    officer = make_user("department", tree.so, username="so.ct")
    officer.full_name = "Trần Văn Sở"
    db.session.commit()
    return SimpleNamespace(bank=bank, question=questions["q0"], questions=questions, contest=contest, round=round_,
                           template=template, an=an, binh=binh, cuong=cuong, attempts=attempts, officer=officer,
                           c10a1=c10a1)
