"""The password policy on every place a password is set: common weak passwords and
passwords made of the username are refused in Vietnamese; the demo's, the tests' and
generated first passwords pass."""
import pytest

from app.accounts import services
from app.core.errors import DomainError

WEAK = ["123456", "12345678", "matkhau", "MatKhau", "mật khẩu", "abc123", "password", "Password", "qwerty",
        "iloveyou", "11111111", "anhyeuem", "123456789", "88888888", "qwertyuiop"]


@pytest.mark.parametrize("password", WEAK)
def test_common_passwords_are_refused(password, app):
    with pytest.raises(DomainError) as refused:
        services.check_new_password(password, username="gv.lan")
    assert "quá phổ biến" in refused.value.message or "ít nhất 8" in refused.value.message


@pytest.mark.parametrize("password", ["12345678", "matkhau123", "iloveyou", "Qwerty123"])
def test_common_passwords_of_eight_characters_or_more_are_refused_as_common(password, app):
    with pytest.raises(DomainError, match="quá phổ biến"):
        services.check_new_password(password, username="gv.lan")


@pytest.mark.parametrize("password", ["gv.lan2026", "GV.LAN@abc", "Xgvlan123", "nguyenlan.thptnd!"])
def test_passwords_made_of_the_username_are_refused(password, app):
    username = "nguyenlan.thptnd" if password.startswith("nguyenlan") else "gv.lan"
    with pytest.raises(DomainError, match="tên đăng nhập"):
        services.check_new_password(password, username=username)


# "Matkhau@123": the factories' TEST_PASSWORD
@pytest.mark.parametrize("password", ["Demo@2025", "hocsinh2025", "Matkhau@123", "KhacHan@2026", "BanDau@123"])
def test_the_demo_and_test_passwords_pass(password, app):
    services.check_new_password(password, username="gv.lan")


def test_first_passwords_always_pass(app):
    for _ in range(2000):
        services.check_new_password(services.first_password(), username="anhnt.thptnd")


def test_the_list_is_shipped_and_folded(app):
    weak = services.weak_passwords()
    assert len(weak) >= 300 and "matkhau" in weak and "123456" in weak
    assert all(word == word.strip().lower() for word in weak)


def test_the_change_password_form_refuses_a_weak_one(teacher, client, TEST_PASSWORD, post_login):  # noqa: F811
    post_login(client, "gv.lan", TEST_PASSWORD)
    response = client.post("/password", data={"current": TEST_PASSWORD, "new": "matkhau123",
                                               "confirm": "matkhau123"})
    assert "quá phổ biến" in response.get_data(as_text=True)
    response = client.post("/password", data={"current": TEST_PASSWORD, "new": "gvlan2026",
                                              "confirm": "gvlan2026"})
    assert "tên đăng nhập" in response.get_data(as_text=True)


def test_creating_a_user_refuses_a_weak_password(tree, make_user, login, db):
    client = login(make_user("school_admin", tree.school_a))
    response = client.post("/users/new", data={"full_name": "Trần Thị Lan", "username": "gv.tran",
                                               "role": "teacher", "unit_id": tree.school_a.id,
                                               "password": "12345678"})
    assert "quá phổ biến" in response.get_data(as_text=True)
    response = client.post("/users/new", data={"full_name": "Trần Thị Lan", "username": "gv.tran",
                                               "role": "teacher", "unit_id": tree.school_a.id,
                                               "password": "gv.tran2026"})
    assert "tên đăng nhập" in response.get_data(as_text=True)


def test_the_cli_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(args=["users", "create", "--username", "quantri", "--name", "Quản trị",
                                                "--role", "admin", "--password", "password"])
    assert result.exit_code != 0 and "quá phổ biến" in result.output
