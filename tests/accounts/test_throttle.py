"""Login throttling: a per-account lock that two requests at once cannot slip past, a
per-address slowdown that never locks a whole school out, the lock a staff reset
clears, and an unknown username that costs as much as a known one."""
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.accounts import services
from app.accounts.models import LoginAttempt, LoginThrottle


@pytest.fixture
def delays(monkeypatch):
    """The seconds the address throttle made requests wait (instead of waiting)."""
    waited = []
    monkeypatch.setattr(services, "_wait", waited.append, raising=False)
    return waited


@pytest.fixture
def staff(tree, make_user, db):
    users = type("Staff", (), dict(
        principal=make_user("school_admin", tree.school_a, username="bgh.ta"),
        lan=make_user("teacher", tree.school_a, username="gv.lan"),
        hoa=make_user("teacher", tree.school_a, username="gv.hoa")))
    db.session.commit()
    return users


def test_150_wrong_logins_from_one_address_leave_its_teachers_able_to_log_in(staff, client, delays, app, db, TEST_PASSWORD, post_login):
    school_address = "203.0.113.7"
    for number in range(150):
        post_login(client, f"doan{number % 30}", "doan-bua", address=school_address)
    # past the address's limit (100) each guess waits, none is refused for the address
    assert len(delays) == 150 - app.config["LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS"]
    assert set(delays) == {app.config["LOGIN_ADDRESS_DELAY_SECONDS"]}
    response = post_login(client, "gv.hoa", TEST_PASSWORD, address=school_address)
    assert response.status_code == 302 and response.headers["Location"].endswith("/teacher")
    client.post("/logout")
    assert post_login(client, "gv.lan", TEST_PASSWORD, address=school_address).status_code == 302


def test_an_address_below_its_limit_is_not_slowed(staff, client, delays, TEST_PASSWORD, post_login):
    for number in range(5):
        post_login(client, f"doan{number}", "doan-bua", address="198.51.100.1")
    assert post_login(client, "gv.lan", TEST_PASSWORD, address="198.51.100.1").status_code == 302
    assert delays == []


def test_two_guesses_at_once_cannot_both_pass_the_account_limit(staff, app, db, post_login):
    """Four failures, then two requests at the same moment: only one may be checked."""
    for _ in range(4):
        post_login(app.test_client(), "gv.lan", "wrong")
    db.session.commit()
    barrier = threading.Barrier(2)
    checked = []
    original = services.check_password_hash

    def slow_check(stored, given):
        checked.append(given)
        time.sleep(0.3)  # a real hash takes this long: room for the other request
        return original(stored, given)

    results = []

    def guess():
        with app.app_context():
            barrier.wait()
            try:
                services.authenticate("gv.lan", "wrong-again", "10.0.0.9")
            except services.LoginLimited:
                results.append("limited")
            except services.DomainError:
                results.append("wrong")
            finally:
                db.session.remove()

    services.check_password_hash = slow_check
    try:
        threads = [threading.Thread(target=guess) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        services.check_password_hash = original
    assert sorted(results) == ["limited", "wrong"]
    assert checked == ["wrong-again"]


def test_the_limit_is_one_statement_that_counts_and_reserves(staff, app, db):
    """What the race test relies on: each guess reserves its place before the password
    is checked, so the sixth guess is refused even while the fifth is being checked."""
    with app.test_request_context():
        for expected in range(1, 6):
            assert services._reserve_guess("gv.lan", services.utcnow(), timedelta(minutes=15)) == expected
        db.session.commit()
        assert db.session.execute(select(LoginThrottle.failures)
                                  .where(LoginThrottle.username == "gv.lan")).scalar_one() == 5


def test_a_staff_reset_clears_the_lock(staff, client, login, db, TEST_PASSWORD, post_login):
    for _ in range(5):
        post_login(client, "gv.lan", "wrong")
    assert "quá nhiều lần" in post_login(client, "gv.lan", TEST_PASSWORD).get_data(as_text=True)
    manager = login(staff.principal)
    response = manager.post(f"/users/{staff.lan.id}/reset", follow_redirects=True)
    new_password = response.get_data(as_text=True).split("Mật khẩu mới của gv.lan: ")[1].split(" ")[0]
    manager.post("/logout")
    assert post_login(client, "gv.lan", new_password).status_code == 302


@pytest.mark.parametrize("role, advice, not_advice", [
    ("student", "nhờ thầy cô", None),
    ("teacher", "quản trị trường", "nhờ thầy cô"),
    ("school_admin", "Sở", "nhờ thầy cô"),
    ("department", "quản trị hệ thống", "nhờ thầy cô"),
])
def test_the_lock_message_fits_the_role(role, advice, not_advice, tree, make_user, make_class, make_student,
                                        client, db, TEST_PASSWORD, post_login):
    if role == "student":
        student = make_student(make_class(tree.school_a), "Nguyễn Thị Ánh")
        services.ensure_student_accounts(None, [student], tree.school_a)
        services.set_password(student.user, TEST_PASSWORD)
        username = student.user.username
    else:
        username = make_user(role, tree.so if role == "department" else tree.school_a).username
    db.session.commit()
    for _ in range(5):
        post_login(client, username, "wrong")
    page = post_login(client, username, TEST_PASSWORD).get_data(as_text=True)
    text = re.search(r'class="flash flash-error"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "quá nhiều lần" in text and advice in text
    if not_advice:
        assert not_advice not in text


def test_an_unknown_username_costs_a_password_check_with_the_same_method(staff, client, app, monkeypatch, post_login):
    methods = []
    original = services.check_password_hash

    def spy(stored, given):
        methods.append(stored.split("$", 1)[0])
        return original(stored, given)

    monkeypatch.setattr(services, "check_password_hash", spy)
    post_login(client, "gv.lan", "wrong")
    post_login(client, "khong.co.ai", "wrong")
    assert len(methods) == 2 and methods[0] == methods[1] == app.config["PASSWORD_HASH_METHOD"]


def test_the_window_passing_unlocks_the_account(staff, client, db, TEST_PASSWORD, post_login):
    for _ in range(5):
        post_login(client, "gv.lan", "wrong")
    assert post_login(client, "gv.lan", TEST_PASSWORD).status_code == 200
    db.session.execute(update(LoginThrottle).values(window_start=LoginThrottle.window_start - timedelta(minutes=16)))
    db.session.commit()
    assert post_login(client, "gv.lan", TEST_PASSWORD).status_code == 302
    # every try is still in the log
    assert db.session.execute(select(func.count(LoginAttempt.id))).scalar_one() == 7
