"""Class sessions on the web: joining with the code (a plain GET starts nothing), the
birth-date join as a login for that session's attempt only, shown on the board and
refusable by the teacher; the board shows the attempts of the session only, has an
h1, and a QR code that fits its box."""
import re
from datetime import date, timedelta

import pytest

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.coverage.models import Participation
from app.org.services import set_class_teachers
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import Attempt, ClassSession, SessionJoin
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.sessions.services import close_session, open_session

BINH_BIRTH = date(2010, 9, 5)


@pytest.fixture
def room(tree, make_class, make_student, make_user, db, TEST_PASSWORD):
    """Class 10A1 of school A with its teacher, An (her own password) and Bình (no
    password of her own: the account the roster import made); a session open for Tuần 1."""
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu số {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
                     answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="Giải thích.",
                     source="Nguồn") for i in range(3)])
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu DVC 2026", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), time_limit_minutes=20, question_count=2,
                       review_policy="after_submit", attempts_allowed=2)
    school_class = make_class(tree.school_a, "10A1")
    teacher = make_user("teacher", unit=tree.school_a, username="gv.10a1")
    set_class_teachers(None, school_class, [teacher])
    an = make_student(school_class, "Nguyễn Văn An")
    binh = make_student(school_class, "Trần Thị Bình", birth_date=BINH_BIRTH)
    ensure_student_accounts(None, [an, binh], tree.school_a)
    set_password(an.user, TEST_PASSWORD)
    an.user.must_change_password = False
    session = open_session(teacher, school_class, round_, utcnow())
    db.session.commit()
    return type("Room", (), dict(round=round_, school_class=school_class, teacher=teacher, an=an, binh=binh,
                                 session=session, code=session.code))


def attempts_of(db, student):
    db.session.expire_all()
    return db.session.query(Attempt).filter_by(student_id=student.id).order_by(Attempt.id).all()


def join_by_birth_date(client, room, student=None, birth="05/09/2010"):
    student = student or room.binh
    return client.post(f"/j/{room.code}", data={"student_id": student.id, "birth_date": birth})


def joined_attempt_id(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def board_html(client, room):
    response = client.get(f"/sessions/{room.session.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def board_row(html, name):
    row = next((r for r in re.findall(r"<tr\b.*?</tr>", html, re.S) if name in r), None)
    assert row is not None, f"no row for {name}"
    return row


# Joining: a plain GET starts nothing ----------------------------------------------------

def test_a_get_of_the_join_link_shows_a_button_and_starts_nothing(client, login, room, db):
    # given An, logged in with her password
    login(room.an.user)
    # when she opens the QR code's link (a GET, as a link preview or a prefetch would)
    page = client.get(f"/j/{room.code}")
    # then she sees the room and a button that posts, and no attempt is started
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<form method="post"', html) and "Vào thi" in html
    assert attempts_of(db, room.an) == []
    # and the code typed on /join is not started by a GET either
    assert client.get(f"/join?code={room.code}").status_code in (200, 302)
    assert attempts_of(db, room.an) == []
    # when she presses the button, the attempt starts, in the session
    attempt_id = joined_attempt_id(client.post(f"/j/{room.code}"))
    assert [(a.id, a.session_id) for a in attempts_of(db, room.an)] == [(attempt_id, room.session.id)]


def test_the_code_form_posts_and_starts_for_a_logged_in_student(client, login, room, db):
    login(room.an.user)
    attempt_id = joined_attempt_id(client.post("/join", data={"code": room.code.lower()}))
    assert [a.id for a in attempts_of(db, room.an)] == [attempt_id]


def test_the_code_form_sends_a_student_without_login_to_the_name_list(client, room, db):
    response = client.post("/join", data={"code": room.code})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/j/{room.code}")
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    assert "Trần Thị Bình" in page and 'name="birth_date"' in page
    assert attempts_of(db, room.binh) == []


# The birth-date join: a login for that session's attempt only ---------------------------

def test_a_birth_date_join_opens_only_the_sessions_attempt(client, room, db):
    # given Bình joined with her name and birth date
    attempt_id = joined_attempt_id(join_by_birth_date(client, room))
    # then her attempt's pages work: the page, saving an answer, the submit
    assert client.get(f"/attempts/{attempt_id}").status_code == 200
    saved = client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "response": {"choices": [0]}, "seq": 1})
    assert saved.get_json() == {"stored": True, "seq": 1}
    # and nothing else: her page, the password page, the code page lead back to the attempt
    for url in ("/me", "/password", "/join", f"/j/{room.code}", "/contests", "/certificates"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/attempts/{attempt_id}"), url
    # a POST elsewhere is refused
    assert client.post(f"/rounds/{room.round.id}/start").status_code == 403
    # the submit and the result are hers
    done = client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "3", "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 200


def test_a_birth_date_join_does_not_reach_another_attempt(client, room, db):
    # given an earlier attempt of Bình's, finished at home
    home = quiz.start_attempt(room.binh, room.round, utcnow() - timedelta(minutes=30))
    quiz.submit_attempt(home, utcnow() - timedelta(minutes=20))
    db.session.commit()
    attempt_id = joined_attempt_id(join_by_birth_date(client, room))
    assert attempt_id != home.id
    # then the restricted login does not open the earlier one
    response = client.get(f"/attempts/{home.id}/result")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt_id}")
    refused = client.post(f"/attempts/{home.id}/answer", json={"position": 1, "response": {"choices": [0]}, "seq": 5})
    assert refused.status_code == 403


def test_a_birth_date_join_ends_when_the_session_closes(client, room, db):
    attempt_id = joined_attempt_id(join_by_birth_date(client, room))
    # when the teacher closes the room
    close_session(db.session.get(ClassSession, room.session.id), utcnow())
    db.session.commit()
    # then the restricted login is over: the attempt page sends her to the join page, logged out
    response = client.get(f"/attempts/{attempt_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/join")
    assert "Phòng thi đã đóng" in client.get("/join").get_data(as_text=True)
    assert client.get("/me").headers["Location"].startswith("/login")
    # and an answer is refused as closed
    late = client.post(f"/attempts/{attempt_id}/answer", json={"position": 2, "response": {"choices": [0]}, "seq": 2})
    assert late.status_code in (302, 401, 409)


def test_logging_out_ends_the_restricted_login(client, room, login, db):
    joined_attempt_id(join_by_birth_date(client, room))
    assert client.post("/logout").status_code == 302
    # then the same browser can log in as An with her password and reach her page
    login(room.an.user)
    assert client.get("/me").status_code == 200


def test_a_student_with_her_own_password_cannot_join_by_birth_date(client, room, db):
    # An has set her own password: the birth date does not stand for it
    response = client.post(f"/j/{room.code}", data={"student_id": room.an.id, "birth_date": "01/05/2010"})
    assert response.status_code == 200
    assert "đăng nhập" in response.get_data(as_text=True)
    assert attempts_of(db, room.an) == []
    assert client.get("/me").headers["Location"].startswith("/login")


def test_no_birth_date_join_into_a_closed_session(client, room, db):
    close_session(db.session.get(ClassSession, room.session.id), utcnow())
    db.session.commit()
    response = join_by_birth_date(client, room)
    assert response.status_code == 200 and "Không có phòng thi nào đang mở" in response.get_data(as_text=True)
    assert attempts_of(db, room.binh) == []


# The teacher sees birth-date joins and can refuse them ----------------------------------

def test_the_board_marks_a_birth_date_join_and_the_teacher_refuses_it(app, client, login, room, db, TEST_PASSWORD):
    # given Bình joined by birth date and answered a question
    attempt_id = joined_attempt_id(join_by_birth_date(client, room))
    client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "response": {"choices": [0]}, "seq": 1})
    teacher = app.test_client()
    teacher.post("/login", data={"username": room.teacher.username, "password": TEST_PASSWORD})
    # then her row on the board says so, with a refuse button; An's row does not
    html = board_html(teacher, room)
    assert "vào bằng ngày sinh" in board_row(html, "Trần Thị Bình")
    assert "Từ chối" in board_row(html, "Trần Thị Bình")
    assert "vào bằng ngày sinh" not in board_row(html, "Nguyễn Văn An")
    # when the teacher refuses it
    refused = teacher.post(f"/sessions/{room.session.id}/students/{room.binh.id}/refuse")
    assert refused.status_code == 302
    # then her attempt is not counted: it is gone, and the row says refused
    assert attempts_of(db, room.binh) == []
    assert "Đã từ chối" in board_row(board_html(teacher, room), "Trần Thị Bình")
    join = db.session.query(SessionJoin).filter_by(student_id=room.binh.id).one()
    assert join.refused_at is not None and join.refused_by_id == room.teacher.id
    # and her restricted login no longer works: an answer is refused, then she is logged out
    late = client.post(f"/attempts/{attempt_id}/answer", json={"position": 2, "response": {"choices": [0]}, "seq": 2})
    assert late.status_code == 409 and "từ chối" in late.get_json()["error"]
    assert client.get(f"/attempts/{attempt_id}").headers["Location"].startswith("/login")
    # the server ended that login too: nothing left open for a copied cookie
    from app.accounts.models import UserLogin
    db.session.expire_all()
    assert db.session.query(UserLogin).filter_by(user_id=room.binh.user.id, ended_at=None).count() == 0
    # and she cannot come back by birth date into this session
    again = join_by_birth_date(client, room)
    assert again.status_code == 200 and "từ chối" in again.get_data(as_text=True)
    assert attempts_of(db, room.binh) == []


def test_refusing_a_submitted_attempt_takes_it_out_of_participation(app, client, room, db, TEST_PASSWORD):
    attempt_id = joined_attempt_id(join_by_birth_date(client, room))
    client.post(f"/attempts/{attempt_id}/submit", data={"prediction": "1", "confirmed": "1"})
    db.session.expire_all()
    assert db.session.query(Participation).filter_by(student_id=room.binh.id).count() == 1
    teacher = app.test_client()
    teacher.post("/login", data={"username": room.teacher.username, "password": TEST_PASSWORD})
    assert teacher.post(f"/sessions/{room.session.id}/students/{room.binh.id}/refuse").status_code == 302
    db.session.expire_all()
    assert attempts_of(db, room.binh) == []
    assert db.session.query(Participation).filter_by(student_id=room.binh.id).count() == 0


def test_refusing_keeps_an_attempt_begun_before_the_join(app, client, room, db, TEST_PASSWORD):
    # given Bình had begun at home (with a card's password) and someone resumes it by birth date
    home = quiz.start_attempt(room.binh, room.round, utcnow() - timedelta(minutes=5))
    db.session.commit()
    assert joined_attempt_id(join_by_birth_date(client, room)) == home.id
    teacher = app.test_client()
    teacher.post("/login", data={"username": room.teacher.username, "password": TEST_PASSWORD})
    teacher.post(f"/sessions/{room.session.id}/students/{room.binh.id}/refuse")
    # then her own attempt stays, and the birth-date login is over
    assert [a.id for a in attempts_of(db, room.binh)] == [home.id]
    assert client.get(f"/attempts/{home.id}").headers["Location"].endswith("/join")
    assert client.get(f"/attempts/{home.id}").headers["Location"].startswith("/login")


def test_only_a_teacher_of_the_class_refuses(app, client, room, make_user, tree, db, TEST_PASSWORD):
    joined_attempt_id(join_by_birth_date(client, room))
    other = make_user("teacher", unit=tree.school_a, username="gv.khac")
    db.session.commit()
    outsider = app.test_client()
    outsider.post("/login", data={"username": other.username, "password": TEST_PASSWORD})
    assert outsider.post(f"/sessions/{room.session.id}/students/{room.binh.id}/refuse").status_code == 404
    assert len(attempts_of(db, room.binh)) == 1


# The board ------------------------------------------------------------------------------

def test_the_board_shows_only_attempts_of_the_session(client, login, room, db):
    # given An finished an attempt at home before the session
    home = quiz.start_attempt(room.an, room.round, utcnow() - timedelta(minutes=30))
    quiz.submit_attempt(home, utcnow() - timedelta(minutes=20))
    db.session.commit()
    login(room.teacher)
    # then the board shows her as not joined yet, not as submitted
    row = board_row(board_html(client, room), "Nguyễn Văn An")
    assert "Chưa vào" in row and "Đã nộp" not in row
    fragment = client.get(f"/sessions/{room.session.id}/board").get_data(as_text=True)
    assert "Chưa vào" in board_row(fragment, "Nguyễn Văn An")


def test_the_board_has_an_h1_and_states_in_words_and_shapes(client, login, room, db):
    quiz.start_attempt(room.an, room.round, utcnow())
    db.session.commit()
    client.post(f"/j/{room.code}")  # nobody logged in: nothing happens
    login(room.an.user)
    client.post(f"/j/{room.code}")
    login(room.teacher)
    html = board_html(client, room)
    assert len(re.findall(r"<h1\b", html)) == 1
    # each status has its words and a symbol of its own, not only a colour
    an, binh = board_row(html, "Nguyễn Văn An"), board_row(html, "Trần Thị Bình")
    assert "Đang làm" in an and "Chưa vào" in binh
    symbol = re.compile(r'<span class="st-mark" aria-hidden="true">(.)</span>')
    assert symbol.search(an) and symbol.search(binh)
    assert symbol.search(an).group(1) != symbol.search(binh).group(1)
    # rows carry a key, so that the refresh can update them in place
    assert re.search(r'<tr [^>]*data-key="%d"' % room.an.id, html)


def test_the_qr_code_keeps_its_quiet_zone_and_scales_to_its_box(client, login, room):
    login(room.teacher)
    html = board_html(client, room)
    svg = re.search(r"<svg\b[^>]*>", html).group(0)
    # scaled by its viewBox (no clipping by a fixed box), with a 4-module white border
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    assert size in (21 + 8, 25 + 8, 29 + 8, 33 + 8, 37 + 8)
    assert re.search(r'<path fill="#fff" d="M0 0h%dv%dh-%dz"/>' % (size, size, size), html)


def test_the_board_refresh_costs_the_same_statements_for_5_and_for_40_students(
        client, login, room, make_class, make_student, tree, db, count_statements):
    """Every row's attempt, its question count and its birth-date join come with the rows, not one query each."""
    counts = {}
    for size in (5, 40):
        school_class = make_class(tree.school_a, f"10A{size}")
        set_class_teachers(None, school_class, [room.teacher])
        session = open_session(room.teacher, school_class, room.round, utcnow())
        students = [make_student(school_class, f"Học Sinh {size} {number:02d}") for number in range(size)]
        for number, student in enumerate(students):
            if number % 4 == 3:
                continue  # a quarter of the class has not joined yet
            attempt = quiz.start_attempt(student, room.round, utcnow())
            attempt.session_id = session.id
            if number % 2:
                quiz.submit_attempt(attempt, utcnow())
        db.session.add(SessionJoin(session_id=session.id, student_id=students[0].id,
                                   attempt_id=None, joined_at=utcnow()))
        db.session.commit()
        login(room.teacher)
        with count_statements() as made:
            fragment = client.get(f"/sessions/{session.id}/board").get_data(as_text=True)
        counts[size] = len(made)
        assert fragment.count("<tr ") == size and fragment.count("/2</td>") == size - size // 4
    assert counts[5] == counts[40], counts
