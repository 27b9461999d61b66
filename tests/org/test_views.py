"""The org pages driven as a user would: forms in, pages and files out."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.audit import AuditLog
from app.org.models import SchoolClass, Student, Unit


@pytest.fixture
def school(tree):
    return tree.school_a


@pytest.fixture
def teacher(school, make_user, make_class, db):
    from app.org.services import set_class_teachers
    user = make_user("teacher", school, username="gv.lan")
    class_10a1 = make_class(school, "10A1")
    make_class(school, "10A2")
    set_class_teachers(None, class_10a1, [user])
    db.session.commit()
    user.class_10a1 = class_10a1
    return user


def upload(client, url, data, name="ds.xlsx", **fields):
    return client.post(url, data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def test_teacher_imports_a_roster_after_a_preview(teacher, login, db, messy_class_roster):
    client = login(teacher)
    url = f"/classes/{teacher.class_10a1.id}/roster"
    page = upload(client, url, messy_class_roster()).get_data(as_text=True)
    assert "Dòng 11" in page and "thiếu họ và tên" in page
    assert "Dòng 13" in page and "trùng với dòng 8" in page
    assert "Xác nhận nhập 4 thay đổi" in page
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    response = client.post(url, data={"token": token, "action": "commit"})
    assert response.status_code == 302
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nguyễn Thị Ánh" in page and "anhnt.ta" in page
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
    assert log.username == "gv.lan" and "4 mới" in log.summary
    # the pending file is gone: confirming twice does not import twice
    again = client.post(url, data={"token": token, "action": "commit"})
    assert again.status_code == 302 and db.session.execute(select(func.count(Student.id))).scalar_one() == 4


def test_the_same_roster_again_offers_nothing_to_confirm(teacher, login, db, messy_class_roster):
    client = login(teacher)
    url = f"/classes/{teacher.class_10a1.id}/roster"
    page = upload(client, url, messy_class_roster()).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    client.post(url, data={"token": token, "action": "commit"})
    page = upload(client, url, messy_class_roster()).get_data(as_text=True)
    assert "Xác nhận nhập" not in page and "Không có gì để nhập" in page


def test_another_user_cannot_confirm_someone_elses_upload(teacher, school, make_user, login, db, messy_class_roster):
    client = login(teacher)
    url = f"/classes/{teacher.class_10a1.id}/roster"
    page = upload(client, url, messy_class_roster()).get_data(as_text=True)
    token = re.search(r'value="([0-9a-f]{32})"', page).group(1)
    admin = make_user("school_admin", school)
    client = login(admin)
    client.post(url, data={"token": token, "action": "commit"})
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0


def test_a_broken_file_gets_a_message_and_nothing_is_written(teacher, login, db):
    client = login(teacher)
    page = upload(client, f"/classes/{teacher.class_10a1.id}/roster", b"<html>not excel</html>", "ds.xlsx")
    assert "Không tìm thấy dòng tiêu đề" in page.get_data(as_text=True)
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0


def test_teacher_cannot_import_into_a_class_not_given_to_them(teacher, login, db, messy_class_roster):
    other = db.session.execute(select(SchoolClass).where(SchoolClass.name == "10A2")).scalar_one()
    client = login(teacher)
    assert client.get(f"/classes/{other.id}/roster").status_code == 404
    assert upload(client, f"/classes/{other.id}/roster", messy_class_roster()).status_code == 404


def test_class_list_sorts_in_vietnamese_order_and_search_ignores_accents(teacher, make_student, login):
    for name in ["Phạm Đức", "Hồ Văn Dũng", "Lê Thị Ánh", "Nguyễn Văn An", "Trần Văn Bình", "Nguyễn Thị Ánh"]:
        make_student(teacher.class_10a1, name)
    client = login(teacher)
    page = client.get(f"/classes/{teacher.class_10a1.id}").get_data(as_text=True)
    names = re.findall(r'<span class="name">([^<]+)</span>', page)
    assert names == ["Nguyễn Văn An", "Lê Thị Ánh", "Nguyễn Thị Ánh", "Trần Văn Bình", "Hồ Văn Dũng", "Phạm Đức"]
    page = client.get(f"/classes/{teacher.class_10a1.id}?q=NGUYEN thi anh").get_data(as_text=True)
    assert re.findall(r'<span class="name">([^<]+)</span>', page) == ["Nguyễn Thị Ánh"]


def test_school_admin_creates_classes_staff_and_assigns_teachers(school, make_user, login, db):
    admin = make_user("school_admin", school)
    client = login(admin)
    response = client.post(f"/schools/{school.id}/classes/new",
                           data={"name": "11a3", "grade": "11", "school_year": "2026"})
    assert response.status_code == 302
    created = db.session.execute(select(SchoolClass).where(SchoolClass.name == "11A3")).scalar_one()
    page = client.post(f"/schools/{school.id}/classes/new",
                       data={"name": "11A3", "grade": "11", "school_year": "2026"}).get_data(as_text=True)
    assert "đã có trong năm học 2026-2027" in page
    page = client.post(f"/schools/{school.id}/classes/new",
                       data={"name": "6A1", "grade": "6", "school_year": "2026"}).get_data(as_text=True)
    assert "chỉ có khối 10 đến 12" in page
    response = client.post("/users/new", data={"full_name": "Trần Thị Hoa", "username": "gv.hoa",
                                               "role": "teacher", "unit_id": school.id, "password": "BanDau@2026"})
    assert response.status_code == 302
    hoa = db.session.execute(select(User).where(User.username == "gv.hoa")).scalar_one()
    assert hoa.must_change_password and hoa.unit_id == school.id
    # a school admin cannot make a Sở officer
    page = client.post("/users/new", data={"full_name": "X", "username": "so.x", "role": "department",
                                           "unit_id": school.id, "password": "BanDau@2026"})
    assert db.session.execute(select(User).where(User.username == "so.x")).first() is None
    response = client.post(f"/classes/{created.id}/teachers", data={"teacher_ids": [hoa.id]})
    assert response.status_code == 302
    db.session.refresh(created)
    assert [t.username for t in created.teachers] == ["gv.hoa"]


def test_login_cards_pdf_prints_working_first_passwords(teacher, make_student, login, app, db):
    from app.accounts.services import ensure_student_accounts
    long_name = "Tôn Nữ Hoàng Thị Ngọc Bảo Quyên Trân"
    students = [make_student(teacher.class_10a1, name) for name in ("Nguyễn Thị Ánh", long_name)]
    ensure_student_accounts(None, students, teacher.class_10a1.school)
    client = login(teacher)
    response = client.post(f"/classes/{teacher.class_10a1.id}/cards")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Nguyễn Thị Ánh" in text and long_name in text and "anhnt.ta" in text
    printed = set(re.findall(r"\b[a-hj-km-np-z2-9]{8}\b", text))
    assert len(printed) == 2  # one first password a card
    works = []
    for password in printed:
        fresh = app.test_client()
        if fresh.post("/login", data={"username": "anhnt.ta", "password": password}).status_code == 302:
            works.append(fresh)
    assert len(works) == 1
    assert works[0].get("/me").headers["Location"].endswith("/password")  # first login: set own password


def test_unit_officer_sees_schools_of_the_unit_only(tree, make_user, make_class, make_student, login, db):
    make_student(make_class(tree.school_a))
    make_student(make_class(tree.school_b))
    officer = make_user("unit", tree.cluster_a)
    client = login(officer)
    page = client.get(f"/units/{tree.cluster_a.id}").get_data(as_text=True)
    assert "Trường THPT A" in page and "Trường THPT B" not in page
    assert client.get(f"/units/{tree.so.id}").status_code == 404


def test_admin_builds_and_moves_the_tree_through_the_web(tree, make_user, login, db):
    client = login(make_user("admin"))
    response = client.post("/units/new", data={"kind": "commune", "name": "Xã Mỹ Khánh", "code": "XMK",
                                               "level": "", "parent_id": tree.cluster_a.id, "address": ""})
    assert response.status_code == 302
    commune = db.session.execute(select(Unit).where(Unit.code == "XMK")).scalar_one()
    response = client.post(f"/units/{tree.school_b.id}/move", data={"parent_id": commune.id})
    assert response.status_code == 302
    db.session.refresh(tree.school_b)
    assert tree.school_b.parent_id == commune.id
    page = client.get("/units").get_data(as_text=True)
    assert page.index("Xã Mỹ Khánh") < page.index("Trường THPT B")
    page = client.get("/audit").get_data(as_text=True)
    assert "Chuyển “Trường THPT B” từ “Cụm B” sang “Xã Mỹ Khánh”" in page


def test_schools_import_page(tree, make_user, login, db, xlsx_bytes):
    client = login(make_user("department", tree.so))
    data = xlsx_bytes([["Mã trường", "Tên trường", "Cấp học"], ["N1", "Trường THPT Mới", "THPT"],
                       ["N2", "Trường Sai", "Đại học"]])
    page = upload(client, "/units/import", data, root_id=tree.so.id).get_data(as_text=True)
    assert "Dòng 3" in page and "chưa nhập trường nào" in page
    assert db.session.execute(select(Unit).where(Unit.code == "N1")).first() is None
    data = xlsx_bytes([["Mã trường", "Tên trường", "Cấp học"], ["N1", "Trường THPT Mới", "THPT"]])
    page = client.post("/units/import", data={"file": (io.BytesIO(data), "t.xlsx"), "root_id": tree.so.id},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "1 trường mới" in page
    assert db.session.execute(select(Unit).where(Unit.code == "N1")).scalar_one().parent_id == tree.so.id
