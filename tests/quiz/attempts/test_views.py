"""A student takes a round through the web: the round on their page, start, answers
saved one by one as JSON, resume, submit with the prediction, the result; and a
student of another school cannot open or answer an attempt that is not theirs."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text as sa_text

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import new_question
from app.quiz.models import Attempt, AttemptQuestion
from app.quiz.banks.services import create_bank, import_questions


def test_a_student_takes_a_round_from_start_to_result(client, login, setup, db, right_choice, start):
    round_, mine, _ = setup
    login(mine.user)
    home = client.get("/me").get_data(as_text=True)
    assert "Tuần 1" in home and "Bắt đầu làm bài" in home
    attempt_id = start(client, round_)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count('class="tq card"') == 3 and 'id="timer"' in page
    for position in (1, 2):
        reply = client.post(f"/attempts/{attempt_id}/answer", json={
            "position": position, "response": {"choices": [right_choice(db, attempt_id, position)]}, "seq": position})
        assert reply.get_json() == {"stored": True, "seq": position}
    # a reload (or another device) shows the same questions with the saved answers, and start resumes
    assert start(client, round_) == attempt_id
    assert client.get(f"/attempts/{attempt_id}").get_data(as_text=True).count(" checked") == 2
    done = client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "12", "confirmed": "1"},
                       follow_redirects=True)
    result = done.get_data(as_text=True)
    assert "<b>2</b>/3" in result and "Giải thích" in result
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.prediction, attempt.finished_by) == (2.0, 12, "student")
    # after submit, answers are refused with 409 and the score stays
    late = client.post(f"/attempts/{attempt_id}/answer", json={"position": 3, "response": {"choices": [0]}, "seq": 9})
    assert late.status_code == 409 and late.get_json()["closed"] is True


def test_submit_without_a_prediction_asks_for_it(client, login, setup, db, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    response = client.post(f"/attempts/{attempt_id}/submit", data={}, follow_redirects=True)
    assert "nhập dự đoán" in response.get_data(as_text=True)
    assert db.session.get(Attempt, attempt_id).submitted_at is None


def test_without_javascript_the_submit_form_carries_the_answers(client, login, setup, db, right_choice, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    form = {f"q{p}": str(right_choice(db, attempt_id, p)) for p in (1, 2, 3)}
    client.post(f"/attempts/{attempt_id}/submit", data={**form, "prediction": "0"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 3.0


def test_another_student_cannot_open_or_answer_an_attempt(client, login, setup, db, start):
    round_, mine, other = setup
    login(mine.user)
    attempt_id = start(client, round_)
    login(other.user)
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 404
    answer_reply = client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "response": {"choices": [0]},
                                                                       "seq": 1})
    assert answer_reply.status_code == 404
    assert client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "1"}).status_code == 404
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.submitted_at is None and attempt.answered_count == 0


def test_the_page_after_the_deadline_finishes_the_attempt(client, login, setup, db, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(seconds=1)  # as if 20 minutes had passed
    db.session.commit()
    page = client.get(f"/attempts/{attempt_id}", follow_redirects=True).get_data(as_text=True)
    assert "Hết giờ, tự nộp" in page
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).finished_by == "timeout"


def test_the_class_teacher_reads_a_students_answers(client, login, make_user, setup, db, start):
    from app.org.services import set_class_teachers
    round_, mine, other = setup
    teacher = make_user("teacher", mine.school)
    set_class_teachers(None, mine.school_class, [teacher])
    login(mine.user)
    attempt_id = start(client, round_)
    client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "0", "confirmed": "1"})
    login(teacher)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Đáp án và giải thích" in page
    # not the attempt of a student of a class they do not teach
    login(other.user)
    other_attempt = start(client, round_)
    login(teacher)
    assert client.get(f"/attempts/{other_attempt}/result").status_code == 404


@pytest.fixture
def key_first(tree, make_class, make_student, key_first_contest, db, TEST_PASSWORD):
    """A 40-question round on a bank that stores the right option first, three students."""
    contest = key_first_contest(40)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), time_limit_minutes=30, question_count=40,
                       attempts_allowed=5, ask_prediction=False)
    school_class = make_class(tree.school_a, "10A1")
    students = [make_student(school_class, f"Học Sinh {n}") for n in range(3)]
    ensure_student_accounts(None, students, tree.school_a)
    for student in students:
        set_password(student.user, TEST_PASSWORD)
    db.session.commit()
    return round_, students


def test_option_names_on_the_page_are_displayed_positions(client, login, key_first, db, start):
    round_, students = key_first
    login(students[0].user)
    attempt_id = start(client, round_)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for item in db.session.get(Attempt, attempt_id).questions:
        names = re.findall(rf'name="q{item.position}" value="(\d+)"', page)
        assert names == ["0", "1", "2", "3"]  # the same for every question: nothing to read from them
    # the key is wherever the shuffle put it, not always in the first place shown
    keys_shown = [item.option_order.index(0) for item in db.session.get(Attempt, attempt_id).questions]
    assert len(set(keys_shown)) > 1


def test_always_picking_the_first_name_scores_at_chance(client, login, key_first, db, start):
    round_, students = key_first
    scores = []
    for student in students:
        login(student.user)
        attempt_id = start(client, round_)
        for position in range(1, 41):
            reply = client.post(f"/attempts/{attempt_id}/answer",
                                json={"position": position, "response": {"choices": [0]}, "seq": position})
            assert reply.get_json() == {"stored": True, "seq": position}
        client.post(f"/attempts/{attempt_id}/submit", data={})
        db.session.expire_all()
        scores.append(db.session.get(Attempt, attempt_id).score)
    # 120 answers at one in four: 30 expected; before, every one of them was right
    assert sum(scores) < 50, scores


def test_the_page_and_the_form_map_back_to_the_stored_option(client, login, key_first, db, start):
    round_, students = key_first
    login(students[0].user)
    attempt_id = start(client, round_)
    item = db.session.get(Attempt, attempt_id).questions[0]
    shown_key = item.option_order.index(0)
    client.post(f"/attempts/{attempt_id}/answer",
                json={"position": 1, "response": {"choices": [shown_key]}, "seq": 1})
    db.session.expire_all()
    item = db.session.get(AttemptQuestion, item.id)
    assert item.response == {"choices": [0]}  # stored as the bank's option
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'name="q1" value="{shown_key}" checked' in page
    # without JavaScript: the second question through the submit form, by displayed position
    second = db.session.get(Attempt, attempt_id).questions[1]
    client.post(f"/attempts/{attempt_id}/submit", data={"q2": str(second.option_order.index(0)), "confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 2.0


def test_submit_with_blank_questions_asks_first(client, login, setup, db, right_choice, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    client.post(f"/attempts/{attempt_id}/answer",
                json={"position": 1, "response": {"choices": [right_choice(db, attempt_id, 1)]}, "seq": 1})
    reply = client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "3"})
    assert reply.status_code == 302 and "nop=1" in reply.headers["Location"]
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Em còn 2/3 câu chưa trả lời" in page and 'name="confirmed" value="1"' in page
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).submitted_at is None
    client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "3", "confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 1.0


def test_a_submit_racing_another_one_shows_the_result(client, login, setup, db, monkeypatch, start):
    """Two taps: the other request closes the attempt between this one's check and its save."""
    from app.quiz.attempts import services as quiz_attempts
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    real_save = quiz_attempts._save

    def other_tap_first(*args, **kwargs):
        db.session.execute(sa_text("UPDATE attempt SET submitted_at = :now, finished_by = 'student' WHERE id = :id"),
                           {"now": utcnow(), "id": attempt_id})
        return real_save(*args, **kwargs)

    monkeypatch.setattr(quiz_attempts, "_save", other_tap_first)
    reply = client.post(f"/attempts/{attempt_id}/submit",
                        data={"q1": "0", "q2": "1", "prediction": "1", "confirmed": "1"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/attempts/{attempt_id}/result")


@pytest.mark.parametrize("field,value", [("seq", 2**31), ("position", 2**31), ("seq", 2**63), ("position", -1),
                                         ("seq", True), ("position", "1")])
def test_out_of_range_numbers_are_a_bad_request(client, login, setup, db, field, value, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    body = {"position": 1, "response": {"choices": [0]}, "seq": 1, field: value}
    reply = client.post(f"/attempts/{attempt_id}/answer", json=body)
    assert reply.status_code == 400 and "error" in reply.get_json()
    assert client.post(f"/attempts/{attempt_id}/answer", json=[1, 2]).status_code == 400


def test_a_save_without_login_is_refused_as_json_not_a_login_page(client, login, setup, db, start):
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    client.post("/logout")
    reply = client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "response": {"choices": [0]}, "seq": 1})
    assert reply.status_code == 401 and reply.get_json()["login"] is True
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).answered_count == 0


def test_a_practice_round_shows_no_clock(client, login, setup, db, start):
    round_, mine, _ = setup
    round_.practice, round_.time_limit_minutes = True, None
    round_.closes_at = utcnow() + timedelta(days=90)
    db.session.commit()
    login(mine.user)
    attempt_id = start(client, round_)
    assert 'id="timer"' not in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)


def test_a_long_clock_reads_in_hours():
    from app.quiz.attempts.views import countdown
    assert (countdown(59), countdown(20 * 60), countdown(2 * 3600 + 5 * 60 + 7)) == ("0:59", "20:00", "2:05:07")


def test_practice_review_keeps_the_open_official_rounds_answers(client, login, setup, db, right_choice, start):
    """The official round 'Tuần 1' draws from the whole bank: a practice attempt shows its
    questions but not their answers, explanations or marks."""
    round_, mine, _ = setup
    training = add_round(None, round_.contest, name="Ôn tập", opens_at=utcnow() - timedelta(hours=1),
                         closes_at=utcnow() + timedelta(days=30), question_count=2, practice=True)
    db.session.commit()
    login(mine.user)
    attempt_id = start(client, training)
    for position in (1, 2):
        client.post(f"/attempts/{attempt_id}/answer", json={
            "position": position, "response": {"choices": [right_choice(db, attempt_id, position)]}, "seq": 1})
    page = client.post(f"/attempts/{attempt_id}/submit", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Giải thích" not in page and "em chọn" not in page and "choice-right" not in page
    assert "Chưa tính 2 câu" in page and "<b>0</b>/0" in page
    # the official round closes: everything shows
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert page.count("<b>Giải thích:</b>") == 2 and "<b>2</b>/2" in page


def test_the_review_of_a_matching_question_shows_the_students_choice(client, login, tree, make_class,
                                                                     make_student, db, start, TEST_PASSWORD):
    bank = create_bank(None, tree.so, code="MAT", name="Ghép")
    import_questions(None, bank, [new_question("matching", "Ghép cổng với việc", key="m1", topic="T", level="all",
                                               difficulty="easy", pairs=[["", "Mồi"], ["VNeID", "Định danh"],
                                                                         ["DVC", "Nộp hồ sơ"]])])
    contest = create_contest(None, tree.so, bank, code="MATC", name="Thi", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), question_count=1, review_policy="after_submit",
                       ask_prediction=False)
    pupil = make_student(make_class(tree.school_a, "10A1"))
    ensure_student_accounts(None, [pupil], tree.school_a)
    set_password(pupil.user, TEST_PASSWORD)
    db.session.commit()
    login(pupil.user)
    attempt_id = start(client, round_)
    # without JavaScript: the selects are named by the pair's own index (the decoy pair comes first)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'name="q1.1"' in page and 'name="q1.2"' in page
    result = client.post(f"/attempts/{attempt_id}/submit", data={"q1.1": "Định danh", "q1.2": "Mồi"},
                         follow_redirects=True).get_data(as_text=True)
    assert "em chọn: <span class=\"ok-text\">Định danh</span> (đúng)" in result
    assert "em chọn: <span class=\"bad-text\">Mồi</span> (sai)" in result


def test_practice_on_the_students_page_and_the_contest_page(client, login, make_user, setup, tree, db, start):
    round_, mine, _ = setup
    training = add_round(None, round_.contest, name="Luyện tập", opens_at=utcnow() - timedelta(hours=1),
                         closes_at=utcnow() + timedelta(days=30), question_count=2, practice=True, attempts_allowed=1)
    db.session.commit()
    login(mine.user)
    attempt_id = start(client, training)
    client.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "1"})
    home = client.get("/me").get_data(as_text=True)
    assert "Luyện tập <span" not in home and home.count("Luyện tập") == 1  # not "Luyện tập Luyện tập"
    # no score beside a practice attempt: it would count the questions whose marks are hidden
    assert "Lần 1 · " in home and "0/2" not in home
    login(make_user("department", tree.so))
    page = client.get(f"/contests/{round_.contest.id}").get_data(as_text=True)
    assert "làm lại không giới hạn (tối đa 10 lần mỗi giờ), không xếp hạng" in page
    assert page.count("1 lần, ") == 1  # the official round only


def test_saving_an_answer_is_the_save_and_one_commit(client, login, setup, db, right_choice, start):
    """The busiest request: the one transaction per request adds no statement to the save
    (no user loaded, one COMMIT)."""
    from sqlalchemy import event
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    choice = right_choice(db, attempt_id, 1)
    db.session.commit()
    statements, commits = [], []

    def on_statement(conn, cursor, statement, *args):
        statements.append(statement)

    def on_commit(conn):
        commits.append(conn)

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_commit)
    try:
        reply = client.post(f"/attempts/{attempt_id}/answer",
                            json={"position": 1, "response": {"choices": [choice]}, "seq": 1})
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
        event.remove(db.engine, "commit", on_commit)
    assert reply.get_json() == {"stored": True, "seq": 1}
    # the check (one select), then the save: one CTE on PostgreSQL, two updates on SQLite
    assert len(statements) == (2 if db.engine.dialect.name == "postgresql" else 3), statements
    assert len(commits) == 1
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).answered_count == 1


def test_the_page_s_own_submit_gets_json_and_the_flash_waits_for_the_next_page(client, login, setup, db, start):
    # (the page submits with fetch, to tell a network failure from the server's answer)
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    json_only = {"Accept": "application/json"}
    reply = client.post(f"/attempts/{attempt_id}/submit", data={"confirmed": "1"}, headers=json_only)
    assert reply.get_json() == {"next": f"/attempts/{attempt_id}#nop-bai", "submitted": False}
    assert "Em hãy nhập dự đoán" in client.get(reply.get_json()["next"]).get_data(as_text=True)
    reply = client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "3"}, headers=json_only)
    assert reply.get_json() == {"next": f"/attempts/{attempt_id}?nop=1#nop-bai", "submitted": False}
    reply = client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "3", "confirmed": "1"},
                        headers=json_only)
    assert reply.get_json() == {"next": f"/attempts/{attempt_id}/result", "submitted": True}
    assert db.session.get(Attempt, attempt_id).finished_by == "student"
