"""A round's window per unit ("giờ mở theo đơn vị"): a school takes the opening (and
closing) time of its nearest unit that has one, inside the round's window; its students
start then, see that time on their page, and their deadline never passes their own
close. The round's managers set and remove the rows; nobody else can."""
from datetime import timedelta

import pytest

from app.core.audit import AuditLog
from app.core.errors import DomainError
from app.core.timeutil import format_datetime, to_local, utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import remove_unit_window, set_unit_window
from app.quiz.models import RoundUnitWindow

NOW = utcnow().replace(second=0, microsecond=0)


def test_a_school_opens_at_its_nearest_unit_s_time(setup, tree):
    round_, mine, other = setup  # mine: Trường THPT A (Cụm A); other: Trường THPT B (Cụm B)
    # given Cụm A opening in two hours, and Trường THPT A itself in one
    set_unit_window(None, round_, tree.cluster_a, NOW + timedelta(hours=2))
    windows = quiz.windows_for([round_], tree.school_a.id)
    assert windows[round_.id] == (NOW + timedelta(hours=2), round_.closes_at, True)
    set_unit_window(None, round_, tree.school_a, NOW + timedelta(hours=1))
    # then the school's own row wins over its cluster's, and Cụm B keeps the round's window
    assert quiz.window_for(round_, tree.school_a.id).opens_at == NOW + timedelta(hours=1)
    assert quiz.window_for(round_, tree.school_b.id) == (round_.opens_at, round_.closes_at, False)
    # so the student of A cannot start yet, and is told when; the student of B can
    with pytest.raises(DomainError) as refused:
        quiz.start_attempt(mine, round_, NOW)
    assert refused.value.message == f"Đợt thi mở cho trường em lúc {format_datetime(NOW + timedelta(hours=1))}."
    assert quiz.start_attempt(other, round_, NOW).student_id == other.id
    # an hour later, A opens
    assert quiz.start_attempt(mine, round_, NOW + timedelta(hours=1)).started_at == NOW + timedelta(hours=1)


def test_a_unit_s_own_close_ends_its_students_deadlines(setup, tree):
    round_, mine, _ = setup  # 20 minutes
    set_unit_window(None, round_, tree.cluster_a, NOW - timedelta(minutes=30), NOW + timedelta(minutes=10))
    attempt = quiz.start_attempt(mine, round_, NOW)
    assert attempt.deadline_at == NOW + timedelta(minutes=10)
    # extra time from the teacher never goes past it either
    quiz.add_extra_time(attempt, 15, NOW + timedelta(minutes=1))
    assert attempt.deadline_at == NOW + timedelta(minutes=10)
    with pytest.raises(DomainError, match="kết thúc"):
        quiz.check_startable(mine, round_, NOW + timedelta(minutes=10))


def test_unit_times_stay_inside_the_round_and_under_its_unit(setup, tree, make_unit):
    round_, _, _ = setup
    with pytest.raises(DomainError, match="trong thời gian của đợt thi"):
        set_unit_window(None, round_, tree.cluster_a, round_.opens_at - timedelta(minutes=1))
    with pytest.raises(DomainError, match="không muộn hơn giờ đóng"):
        set_unit_window(None, round_, tree.cluster_a, NOW, round_.closes_at + timedelta(minutes=1))
    with pytest.raises(DomainError, match="sau giờ mở"):
        set_unit_window(None, round_, tree.cluster_a, NOW, NOW)
    with pytest.raises(DomainError, match="thuộc đơn vị tổ chức"):
        set_unit_window(None, round_, tree.so, NOW)  # the contest's own unit: that is the round's window
    elsewhere = make_unit("department", "Sở khác", code="SO2")
    with pytest.raises(DomainError, match="thuộc đơn vị tổ chức"):
        set_unit_window(None, round_, make_unit("school", "Trường khác", parent=elsewhere), NOW)
    # a second row for a unit replaces the first; removing it goes back to the round's
    set_unit_window(None, round_, tree.cluster_a, NOW + timedelta(hours=1))
    set_unit_window(None, round_, tree.cluster_a, NOW + timedelta(hours=3))
    assert [(r.unit_id, r.opens_at) for r in round_.unit_windows] == [(tree.cluster_a.id, NOW + timedelta(hours=3))]
    remove_unit_window(None, round_, tree.cluster_a.id)
    assert quiz.window_for(round_, tree.school_a.id).own is False


def test_the_student_page_shows_the_school_s_own_opening_time(setup, tree, client, login, db):
    round_, mine, _ = setup
    opens = NOW + timedelta(hours=2)
    set_unit_window(None, round_, tree.cluster_a, opens)
    login(mine.user)
    page = client.get("/me").get_data(as_text=True)
    when = to_local(opens).strftime("%H:%M %d/%m/%Y")
    assert f"trường em: mở lúc {when}" in page
    assert f"Đợt thi mở cho trường em lúc <b>{when}</b>." in page
    assert "Bắt đầu làm bài" not in page
    # the start button is refused with the same time
    reply = client.post(f"/rounds/{round_.id}/start", follow_redirects=True)
    assert f"Đợt thi mở cho trường em lúc {when}." in reply.get_data(as_text=True)


def test_the_round_s_managers_set_and_remove_unit_times(setup, tree, client, login, make_user, db, teacher):
    round_, _, _ = setup
    officer = make_user("department", tree.so)
    login(officer)
    page = client.get(f"/rounds/{round_.id}/windows").get_data(as_text=True)
    assert "Cụm A" in page and "Trường THPT B (TB)" in page
    opens = to_local(NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    reply = client.post(f"/rounds/{round_.id}/windows", data={"unit_id": tree.cluster_b.id, "opens_at": opens},
                        follow_redirects=True)
    assert "Đã lưu giờ mở." in reply.get_data(as_text=True)
    row = db.session.query(RoundUnitWindow).one()
    assert (row.unit_id, row.opens_at, row.closes_at) == (tree.cluster_b.id, NOW + timedelta(hours=1), None)
    assert db.session.query(AuditLog).filter_by(action="round.unit_window").count() == 1
    # outside the round: refused, with the reason
    early = to_local(round_.opens_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    reply = client.post(f"/rounds/{round_.id}/windows", data={"unit_id": tree.cluster_a.id, "opens_at": early},
                        follow_redirects=True)
    assert "phải trong thời gian của đợt thi" in reply.get_data(as_text=True)
    reply = client.post(f"/rounds/{round_.id}/windows", data={"remove": tree.cluster_b.id}, follow_redirects=True)
    assert "Đã bỏ giờ riêng" in reply.get_data(as_text=True)
    assert db.session.query(RoundUnitWindow).count() == 0
    # a school's teacher does not manage the Sở's round
    login(teacher)
    assert client.get(f"/rounds/{round_.id}/windows").status_code == 404
    assert client.post(f"/rounds/{round_.id}/windows",
                       data={"unit_id": tree.cluster_b.id, "opens_at": opens}).status_code == 404
    assert db.session.query(RoundUnitWindow).count() == 0
