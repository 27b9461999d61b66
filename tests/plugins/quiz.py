"""Quiz builders: a round students take through the web (`setup`, `start`,
`right_choice`), a finished attempt (`finish_attempt`) and a contest on a bank that
stores every key first (`key_first_contest`)."""
from datetime import timedelta

import pytest

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import AttemptQuestion
from app.quiz.banks.services import create_bank, import_questions
from tests.plugins.people import TEST_PASSWORD


def finish_attempt(student, round_, right, when=None):
    """Start, answer every question right or wrong, and submit 30 seconds later."""
    when = when or utcnow()
    attempt = quiz.start_attempt(student, round_, when)
    for item in attempt.questions:
        choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == right)
        quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, when)
    quiz.submit_attempt(attempt, when + timedelta(seconds=30), prediction=0)
    return attempt


@pytest.fixture(name="finish_attempt")
def finish_attempt_fixture():
    return finish_attempt


@pytest.fixture
def key_first_contest(tree, db):
    """`make(count)`: a contest of the Sở on a bank of `count` four-option questions that
    stores the right option first in every one, as a careless file would."""
    def make(count, code="KEYC"):
        bank = create_bank(None, tree.so, code=f"{code}-NH", name="Đáp án đứng đầu")
        import_questions(None, bank, [
            new_question("multichoice", f"Câu {i}: cổng nào?", key=f"q{i}", topic="T", level="all",
                         difficulty="easy",
                         answers=[answer(f"Đúng {i}", 1.0)] + [answer(f"Sai {i}.{k}", 0.0) for k in range(3)])
            for i in range(count)])
        return create_contest(None, tree.so, bank, code=code, name="Thi đáp án", school_year=2026)
    return make


@pytest.fixture
def setup(tree, make_class, make_student, db):
    """An open round of the Sở (3 of 4 questions, 20 minutes, review after submit) and two
    students with accounts: `mine` in Trường THPT A, `other` in Trường THPT B."""
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu số {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
                     answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback=f"Giải thích {i}.",
                     source="Nguồn") for i in range(4)])
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu DVC 2026", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), time_limit_minutes=20, question_count=3,
                       review_policy="after_submit")
    mine = make_student(make_class(tree.school_a, "10A1"), "Nguyễn Văn An")
    other = make_student(make_class(tree.school_b, "10A1"), "Trần Thị Bình")
    ensure_student_accounts(None, [mine, other], tree.school_a)
    for student in (mine, other):
        set_password(student.user, TEST_PASSWORD)
    db.session.commit()
    return round_, mine, other


@pytest.fixture
def start():
    """Start a round from the student's page; the new attempt's id."""
    def post_start(client, round_):
        response = client.post(f"/rounds/{round_.id}/start")
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return int(response.headers["Location"].rsplit("/", 1)[1])
    return post_start


@pytest.fixture
def right_choice():
    """The right option of an attempt's question as the page names it: its displayed position."""
    def choice(db, attempt_id, position):
        item = db.session.query(AttemptQuestion).filter_by(attempt_id=attempt_id, position=position).one()
        return next(shown for shown, i in enumerate(item.option_order) if item.version.answers[i]["fraction"] > 0)
    return choice
