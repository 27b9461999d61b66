"""Every page that shows a score writes it the Vietnamese way (6,58), never 6.58333."""
from datetime import timedelta

from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.sessions.services import join, open_session


def test_score_pages_use_a_decimal_comma_and_two_decimals(client, login, make_user, make_class, make_student, tree,
                                                          db, TEST_PASSWORD):
    from app.accounts.services import ensure_student_accounts, set_password
    bank = create_bank(None, tree.so, code="BK", name="B")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {i}?", key=f"k{i}", topic="T", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="x", source="y") for i in range(3)])
    contest = create_contest(None, tree.so, bank, code="CT", name="C", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), question_count=3, passing_score=50)
    school_class = make_class(tree.school_a, "10A1")
    student = make_student(school_class, "Nguyễn Văn An")
    ensure_student_accounts(None, [student], tree.school_a)
    set_password(student.user, TEST_PASSWORD)
    teacher = make_user("teacher", tree.school_a)
    school_class.teachers.append(teacher)
    session = open_session(teacher, school_class, round_, utcnow())
    attempt = join(session, student, utcnow())
    quiz.submit_attempt(attempt, utcnow(), prediction=0)
    attempt.score, attempt.max_score = 6.58333, 10.0  # partial marks, as multiple-answer questions give
    attempt.questions[0].mark = 0.333333
    db.session.commit()

    login(make_user("department", tree.so))
    ranking = client.get(f"/rounds/{round_.id}/ranking").get_data(as_text=True)
    assert "6,58/10" in ranking and "6.58" not in ranking
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "<b>6,58</b>/10" in result and "6.58" not in result
    assert "Đạt (65,8 %)" in result
    login(teacher)
    board = client.get(f"/sessions/{session.id}/board").get_data(as_text=True)
    assert "<b>6,58</b>" in board and "6.58" not in board
    login(student.user)
    home = client.get("/me").get_data(as_text=True)
    assert "6,58/10" in home and "6.58" not in home
