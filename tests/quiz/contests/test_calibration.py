"""Difficulty calibrated from a round with known answers: 40 students, five questions whose
facility and discrimination are set by who answers them right (student 0 is the strongest)."""
from datetime import datetime, timedelta

import pytest

from app.quiz.attempts import services as quiz
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.contests import calibration
from app.quiz.contests.services import add_round, create_contest
from app.quiz.models import Attempt, Question

T0 = datetime(2026, 11, 23, 1, 0)
STUDENTS = 40
# Who answers each question right (student number i = 0..39), and the label written first.
RIGHT = {
    "q0": (lambda i: True, "medium"),       # 100 %: easy
    "q1": (lambda i: i < 22, "easy"),       # 55 %: medium
    "q2": (lambda i: i < 8, "easy"),        # 20 %: hard
    "q3": (lambda i: i >= 36, "hard"),      # 10 %: hard, but right only for the weakest: negative
    "q4": (lambda i: i < 30, "easy"),       # 75 %: easy, as written
}


@pytest.fixture
def taken_round(tree, make_class, make_student, db):
    return take_round(tree, make_class, make_student, db, tree.so)


def take_round(tree, make_class, make_student, db, contest_unit):
    """The Sở's bank of the five questions, a contest of `contest_unit` on it, and its round
    taken by 40 students of one class."""
    bank = create_bank(None, tree.so, code="HC", name="Hiệu chỉnh")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {key}?", key=key, topic="T", level="all", difficulty=label,
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="Đúng.", source="QĐ 1588/QĐ-TTg")
        for key, (_, label) in RIGHT.items()])
    contest = create_contest(None, contest_unit, bank, code="HC26", name="Thi hiệu chỉnh", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=T0, closes_at=T0 + timedelta(days=1),
                       question_count=5, shuffle_questions=False, ask_prediction=False)
    school_class = make_class(tree.school_a, "10A1")
    for i in range(STUDENTS):
        attempt = quiz.start_attempt(make_student(school_class), round_, T0)
        for item in attempt.questions:
            right = RIGHT[item.version.question.key][0](i)
            choice = next(c for c in item.option_order if (item.version.answers[c]["fraction"] > 0) == right)
            quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, T0)
        quiz.submit_attempt(attempt, T0 + timedelta(minutes=5))
    db.session.commit()
    return round_


def _by_key(found):
    return {s.key: s for s in found.suggestions}


def test_suggestions_follow_the_facility_bands_and_flag_a_reversed_item(taken_round):
    found = calibration.suggest(taken_round)
    by_key = _by_key(found)
    assert {k: (round(s.facility), s.current, s.suggested) for k, s in by_key.items()} == {
        "q0": (100, "medium", "easy"), "q1": (55, "easy", "medium"), "q2": (20, "easy", "hard"),
        "q3": (10, "hard", "hard"), "q4": (75, "easy", "easy")}
    assert by_key["q3"].flags == ["phân biệt âm: xem lại đáp án"] and by_key["q3"].discrimination < 0
    assert all(by_key[key].flags == [] for key in ("q0", "q1", "q2", "q4"))
    assert sorted(s.key for s in found.changes) == ["q0", "q1", "q2"]
    assert found.summary() == "3 câu đổi mức độ, trên 5 câu có từ 30 lượt trả lời (5 câu đã rút, 40 bài)."


def test_too_few_answers_suggest_nothing(taken_round):
    found = calibration.suggest(taken_round, min_answers=41)
    assert found.changes == [] and all(s.suggested is None for s in found.suggestions)


def test_the_command_asks_then_writes_new_versions_that_the_draw_uses(app, taken_round, tree, db):
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["quiz", "calibrate", str(taken_round.id)], input="n\n")
    lines = declined.stdout.splitlines()
    assert lines[0] == "3 câu đổi mức độ, trên 5 câu có từ 30 lượt trả lời (5 câu đã rút, 40 bài)."
    assert "q2: độ dễ 20 % trên 40 lượt, Dễ → Khó" in lines
    assert "q3: độ dễ 10 % trên 40 lượt, Khó [phân biệt âm: xem lại đáp án]" in lines
    assert not any(line.startswith("q4") for line in lines)
    assert lines[-1] == "Không ghi gì."
    db.session.expire_all()
    assert {q.key: q.version for q in db.session.query(Question)} == {"q0": 1, "q1": 1, "q2": 1, "q3": 1, "q4": 1}

    accepted = runner.invoke(args=["quiz", "calibrate", str(taken_round.id)], input="y\n")
    assert accepted.stdout.splitlines()[-1] == "Đã ghi 3 phiên bản mới."
    db.session.expire_all()
    questions = {q.key: q for q in db.session.query(Question)}
    assert {k: (q.difficulty, q.version) for k, q in questions.items()} == {
        "q0": ("easy", 2), "q1": ("medium", 2), "q2": ("hard", 2), "q3": ("hard", 1), "q4": ("easy", 1)}
    q2 = questions["q2"]
    assert q2.current.difficulty == "hard" and q2.current.text == q2.versions[0].text
    assert q2.current.data == q2.versions[0].data
    assert "HC26 · Tuần 1: độ dễ 20 % trên 40 lượt, Dễ → Khó" in q2.current.note

    again = runner.invoke(args=["quiz", "calibrate", str(taken_round.id), "--yes"])
    assert again.stdout.splitlines()[0].startswith("0 câu đổi mức độ") and again.exit_code == 0

    # A round drawing the hard questions now draws the calibrated one beside the one written hard.
    hard = add_round(None, taken_round.contest, name="Tuần 2", opens_at=T0 + timedelta(days=2),
                     closes_at=T0 + timedelta(days=3), question_count=2, shuffle_questions=False,
                     draw_rules=[{"topic": None, "difficulty": "hard", "count": 2}])
    db.session.commit()
    student = db.session.query(Attempt).filter_by(round_id=taken_round.id).first().student
    attempt = quiz.start_attempt(student, hard, T0 + timedelta(days=2, minutes=1))
    assert sorted(item.version.question.key for item in attempt.questions) == ["q2", "q3"]


def test_the_statistics_page_suggests_and_a_manager_applies(client, login, make_user, taken_round, tree, db):
    login(make_user("teacher", tree.school_a))
    page = client.get(f"/rounds/{taken_round.id}/statistics")
    assert page.status_code == 200 and "Ghi mức độ đề xuất" not in page.get_data(as_text=True)
    assert client.post(f"/rounds/{taken_round.id}/calibrate").status_code == 403

    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{taken_round.id}/statistics").get_data(as_text=True)
    assert "Ghi mức độ đề xuất (3 câu)" in page and "Dễ → <b>Khó</b>" in page
    done = client.post(f"/rounds/{taken_round.id}/calibrate", data={}, follow_redirects=True)
    assert "Đã ghi mức độ mới cho 3 câu" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Question).filter_by(key="q2").one().difficulty == "hard"
    page = client.get(f"/rounds/{taken_round.id}/statistics").get_data(as_text=True)
    assert "Ghi mức độ đề xuất" not in page


def test_a_school_calibrating_from_its_round_does_not_change_the_so_s_bank(client, login, make_user, tree,
                                                                             make_class, make_student, db):
    round_ = take_round(tree, make_class, make_student, db, tree.school_a)
    login(make_user("school_admin", tree.school_a))
    done = client.post(f"/rounds/{round_.id}/calibrate", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Đã ghi mức độ mới cho 0 câu" in done
    assert "3 câu thuộc ngân hàng của đơn vị khác" in done
    db.session.expire_all()
    assert {q.key: q.version for q in db.session.query(Question)} == {"q0": 1, "q1": 1, "q2": 1, "q3": 1, "q4": 1}
