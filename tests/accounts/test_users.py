from sqlalchemy import select

from app.accounts.models import User


def test_staff_manage_only_accounts_below_their_rank(tree, make_user, login, db):
    officer = make_user("department", tree.so)
    colleague = make_user("department", tree.so)
    principal = make_user("school_admin", tree.school_a)
    other_principal = make_user("school_admin", tree.school_a)
    teacher = make_user("teacher", tree.school_a)
    hashes = {u.id: u.password_hash for u in (colleague, other_principal)}
    client = login(officer)
    assert client.post(f"/users/{colleague.id}/reset").status_code == 404
    assert client.post(f"/users/{make_user('school_admin', tree.school_b).id}/reset").status_code == 302
    client = login(principal)
    assert client.post(f"/users/{other_principal.id}/reset").status_code == 404
    assert client.post(f"/users/{other_principal.id}/active").status_code == 404
    response = client.post(f"/users/{teacher.id}/reset", follow_redirects=True)
    assert "Mật khẩu mới của" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {u.id: u.password_hash for u in (colleague, other_principal)} == hashes
    assert db.session.get(User, teacher.id).must_change_password


def test_school_admin_can_unassign_every_teacher(tree, make_user, make_class, login, db):
    from app.org.services import set_class_teachers
    school_class = make_class(tree.school_a)
    set_class_teachers(None, school_class, [make_user("teacher", tree.school_a)])
    client = login(make_user("school_admin", tree.school_a))
    assert client.post(f"/classes/{school_class.id}/teachers", data={}).status_code == 302
    db.session.refresh(school_class)
    assert school_class.teachers == []


def test_locked_account_is_logged_out_at_once(tree, make_user, login, app, db):
    teacher = make_user("teacher", tree.school_a)
    admin = make_user("school_admin", tree.school_a)
    teacher_client = app.test_client()
    db.session.commit()
    teacher_client.post("/login", data={"username": teacher.username, "password": "Matkhau@123"})
    assert teacher_client.get("/teacher").status_code == 200
    login(admin).post(f"/users/{teacher.id}/active")
    assert db.session.execute(select(User.active).where(User.id == teacher.id)).scalar_one() is False
    assert teacher_client.get("/teacher").status_code == 302
