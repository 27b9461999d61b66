from datetime import timedelta

from sqlalchemy import update

from app.accounts.models import LoginThrottle


def test_each_role_lands_on_its_own_home(tree, make_user, make_class, make_student, client, db, TEST_PASSWORD, post_login):
    from app.accounts.services import ensure_student_accounts
    school_class = make_class(tree.school_a)
    student = make_student(school_class, "Nguyễn Thị Ánh")
    ensure_student_accounts(None, [student], tree.school_a)
    from app.accounts.services import set_password
    set_password(student.user, TEST_PASSWORD)
    users = {
        "admin": (make_user("admin"), "/units"),
        "department": (make_user("department", tree.so), f"/units/{tree.so.id}"),
        "unit": (make_user("unit", tree.cluster_a), f"/units/{tree.cluster_a.id}"),
        "school_admin": (make_user("school_admin", tree.school_a), f"/schools/{tree.school_a.id}"),
        "teacher": (make_user("teacher", tree.school_a), "/teacher"),
        "judge": (make_user("judge"), "/judging"),
        "student": (student.user, "/me"),
    }
    db.session.commit()
    for role, (user, home) in users.items():
        client.post("/logout")
        response = post_login(client, user.username, TEST_PASSWORD)
        assert response.status_code == 302 and response.headers["Location"].endswith(home), role
        assert client.get(home).status_code == 200, role


def test_wrong_password_is_refused_in_vietnamese(teacher, client, post_login):
    response = post_login(client, "gv.lan", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/teacher").status_code == 302  # still logged out


def test_username_is_case_and_accent_insensitive(teacher, client, TEST_PASSWORD, post_login):
    assert post_login(client, " GV.Lan ", TEST_PASSWORD).status_code == 302


def test_account_is_locked_after_five_failures_even_with_the_right_password(teacher, client, db, TEST_PASSWORD, post_login):
    for _ in range(5):
        post_login(client, "gv.lan", "wrong")
    response = post_login(client, "gv.lan", TEST_PASSWORD)
    assert response.status_code == 200
    assert "Đăng nhập sai quá nhiều lần" in response.get_data(as_text=True)
    # another address does not help: the limit is per account
    assert post_login(client, "gv.lan", TEST_PASSWORD, address="10.9.9.9").status_code == 200
    # once the window has passed, the right password works again
    db.session.execute(update(LoginThrottle).values(window_start=LoginThrottle.window_start - timedelta(minutes=16)))
    db.session.commit()
    assert post_login(client, "gv.lan", TEST_PASSWORD).status_code == 302


def test_address_is_slowed_across_accounts_not_locked(teacher, make_user, tree, client, app, db, monkeypatch, TEST_PASSWORD, post_login):
    from app.accounts import services
    waited = []
    monkeypatch.setattr(services, "_wait", waited.append)
    monkeypatch.setitem(app.config, "LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS", 3)
    other = make_user("teacher", tree.school_a, username="gv.hoa")
    db.session.commit()
    for name in ("a1", "a2", "a3"):
        post_login(client, name, "guess", address="203.0.113.7")
    assert waited == []
    assert post_login(client, other.username, TEST_PASSWORD, address="203.0.113.7").status_code == 302
    assert waited == [app.config["LOGIN_ADDRESS_DELAY_SECONDS"]]
    client.post("/logout")
    assert post_login(client, other.username, TEST_PASSWORD, address="203.0.113.8").status_code == 302
    assert len(waited) == 1  # another address is not slowed


def test_first_login_must_change_password(tree, client, db, app, post_login):
    from app.accounts.services import create_user
    create_user(None, username="gv.moi", password="BanDau@123", full_name="Giáo viên Mới", role="teacher",
                unit=tree.school_a)
    db.session.commit()
    assert post_login(client, "gv.moi", "BanDau@123").status_code == 302
    assert client.get("/teacher").headers["Location"].endswith("/password")
    response = client.post("/password", data={"current": "BanDau@123", "new": "ngan", "confirm": "ngan"})
    assert "ít nhất 8 ký tự" in response.get_data(as_text=True)
    response = client.post("/password", data={"current": "BanDau@123", "new": "MoiHon@2026",
                                              "confirm": "MoiHon@2026"})
    assert response.status_code == 302
    assert client.get("/teacher").status_code == 200


def test_password_change_ends_other_sessions(teacher, app, db, TEST_PASSWORD, post_login):
    first, second = app.test_client(), app.test_client()
    post_login(first, "gv.lan", TEST_PASSWORD)
    post_login(second, "gv.lan", TEST_PASSWORD)
    first.post("/password", data={"current": TEST_PASSWORD, "new": "KhacHan@2026", "confirm": "KhacHan@2026"})
    assert first.get("/teacher").status_code == 200
    assert second.get("/teacher").status_code == 302


def test_passwords_are_hashed_with_a_strong_default(app, tree, db):
    from app.accounts.services import create_user
    with app.test_request_context():
        app.config["PASSWORD_HASH_METHOD"], saved = "scrypt", app.config["PASSWORD_HASH_METHOD"]
        try:
            user = create_user(None, username="x.y", password="Secret@123", full_name="X Y", role="admin")
        finally:
            app.config["PASSWORD_HASH_METHOD"] = saved
    assert user.password_hash.startswith("scrypt:") and "Secret@123" not in user.password_hash


def test_next_parameter_cannot_leave_the_site(teacher, client, TEST_PASSWORD):
    response = client.post("/login", data={"username": "gv.lan", "password": TEST_PASSWORD,
                                           "next": "https://evil.example/phish"})
    assert response.headers["Location"].endswith("/teacher")


def test_deactivated_account_cannot_log_in(teacher, client, db, TEST_PASSWORD, post_login):
    teacher.active = False
    db.session.commit()
    response = post_login(client, "gv.lan", TEST_PASSWORD)
    assert "đã bị khoá" in response.get_data(as_text=True)
