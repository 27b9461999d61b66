"""Server-side logins: the session cookie names a login record, logout ends it (a
copied cookie stops working, on pages and on the answer save), other devices keep
theirs, a password change or reset and deactivation end them all, and old records
are purged."""
from datetime import timedelta

from sqlalchemy import func, select, update

from app.accounts.models import UserLogin
from app.core.timeutil import utcnow


def copy_of(client, app):
    """Another browser holding the same session cookie (stolen, or copied before logout)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return other


def test_logout_ends_the_session_on_the_server(teacher, client, app, db, TEST_PASSWORD, post_login):  # noqa: F811
    post_login(client, "gv.lan", TEST_PASSWORD)
    stolen = copy_of(client, app)
    assert stolen.get("/teacher").status_code == 200
    client.post("/logout")
    assert stolen.get("/teacher").status_code == 302
    ended = db.session.execute(select(UserLogin)).scalar_one()
    assert ended.ended_at is not None


def test_logout_on_one_device_keeps_the_others(teacher, app, db, TEST_PASSWORD, post_login):  # noqa: F811
    phone, laptop = app.test_client(), app.test_client()
    post_login(phone, "gv.lan", TEST_PASSWORD)
    post_login(laptop, "gv.lan", TEST_PASSWORD)
    phone.post("/logout")
    assert phone.get("/teacher").status_code == 302
    assert laptop.get("/teacher").status_code == 200


def test_a_copied_cookie_cannot_save_answers_after_logout(client, login, setup, app, db, right_choice, start):  # noqa: F811
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    stolen = copy_of(client, app)
    choice = right_choice(db, attempt_id, 1)
    reply = stolen.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "response": {"choices": [choice]},
                                                                "seq": 1})
    assert reply.get_json() == {"stored": True, "seq": 1}
    client.post("/logout")
    late = stolen.post(f"/attempts/{attempt_id}/answer", json={"position": 2, "response": {"choices": [0]}, "seq": 2})
    assert late.status_code == 401 or late.status_code == 302


def test_a_staff_reset_ends_every_login_of_the_user(teacher, make_user, tree, app, db, TEST_PASSWORD, post_login):  # noqa: F811
    phone, laptop = app.test_client(), app.test_client()
    post_login(phone, "gv.lan", TEST_PASSWORD)
    post_login(laptop, "gv.lan", TEST_PASSWORD)
    principal = make_user("school_admin", tree.school_a)
    db.session.commit()
    manager = app.test_client()
    post_login(manager, principal.username, TEST_PASSWORD)
    assert manager.post(f"/users/{teacher.id}/reset").status_code == 302
    assert phone.get("/teacher").status_code == 302 and laptop.get("/teacher").status_code == 302
    assert manager.get("/users").status_code == 200  # the manager's own login is untouched


def test_a_password_change_keeps_this_device_and_ends_the_others(teacher, app, db, TEST_PASSWORD, post_login):  # noqa: F811
    phone, laptop = app.test_client(), app.test_client()
    post_login(phone, "gv.lan", TEST_PASSWORD)
    post_login(laptop, "gv.lan", TEST_PASSWORD)
    old_cookie = copy_of(phone, app)
    phone.post("/password", data={"current": TEST_PASSWORD, "new": "KhacHan@2026", "confirm": "KhacHan@2026"})
    assert phone.get("/teacher").status_code == 200
    assert laptop.get("/teacher").status_code == 302
    assert old_cookie.get("/teacher").status_code == 302  # the cookie from before the change is dead too


def test_purge_removes_old_logins_and_prints_the_counts(teacher, client, app, db, TEST_PASSWORD, post_login):  # noqa: F811
    post_login(client, "gv.lan", TEST_PASSWORD)
    client.post("/logout")
    post_login(client, "gv.lan", TEST_PASSWORD)
    long_ago = utcnow() - timedelta(days=40)
    first = db.session.execute(select(func.min(UserLogin.id))).scalar_one()
    db.session.execute(update(UserLogin).where(UserLogin.id == first)
                       .values(created_at=long_ago, last_seen_at=long_ago, ended_at=long_ago))
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["users", "purge-login-attempts", "--days", "30"]).output
    assert "1 phiên đăng nhập" in output
    assert db.session.execute(select(func.count(UserLogin.id))).scalar_one() == 1
    assert client.get("/teacher").status_code == 200  # the current login stays


def test_a_login_in_use_is_marked_seen_now_and_then(teacher, client, db, TEST_PASSWORD, post_login):  # noqa: F811
    post_login(client, "gv.lan", TEST_PASSWORD)
    earlier = utcnow() - timedelta(minutes=30)
    db.session.execute(update(UserLogin).values(last_seen_at=earlier))
    db.session.commit()
    assert client.get("/teacher").status_code == 200
    db.session.expire_all()
    seen = db.session.execute(select(UserLogin.last_seen_at)).scalar_one()
    assert seen > earlier + timedelta(minutes=25)
