"""At 360 px (the usual cheap Android phone) no page scrolls sideways; wide tables
scroll inside their own box. Full-page screenshots go to /work/main/screenshots/."""
import pytest
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts
from app.org.services import set_class_teachers

# Long real-world names: they are what pushes a phone layout sideways.
CLASS_NAMES = [
    "Nguyễn Hoàng Bảo Ngọc", "Trần Thị Thanh Trúc", "Lê Nguyễn Minh Khôi", "Huỳnh Ngọc Phương Uyên",
    "Phạm Đức", "Võ Hoàng Gia Huy", "Đặng Thị Kim Ngân", "Bùi Nguyễn Anh Thư", "Dương Quốc Trọng",
    "Châu Ngọc Thiên Hương", "Tăng Thị Mỹ Duyên", "Lâm Thị Huyền Trân",
]


@pytest.fixture
def full_school(school, teacher, school_admin, make_class, make_student, make_user, db):
    c10a1 = make_class(school, "10A1")
    for grade, names in ((10, ["10A2", "10A3"]), (11, ["11A1", "11A2"]), (12, ["12CHUYÊNTOÁN"])):
        for name in names:
            make_class(school, name, grade=grade)
    students = [make_student(c10a1, name) for name in CLASS_NAMES]
    ensure_student_accounts(None, students, school)  # usernames shown in the list
    other = make_user("teacher", unit=school, username="gv2.ta")
    other.full_name = "Nguyễn Thị Phương Thảo"
    set_class_teachers(None, c10a1, [teacher, other])
    db.session.commit()
    return c10a1


def test_login_page_fits_a_phone(page, assert_fits_phone, screenshot):
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    # the form controls span the card, big enough to tap
    box = page.get_by_role("button", name="Đăng nhập").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 280, box
    assert_fits_phone(page)
    screenshot(page, "01-login-360")

    page.get_by_label("Tên đăng nhập").fill("ai.do")
    page.get_by_label("Mật khẩu", exact=True).fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "01b-login-error-360")


def test_school_pages_fit_a_phone(page, log_in, full_school, assert_fits_phone, screenshot):
    log_in("bgh.ta")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trường THPT Châu Văn Liêm - Quận Ninh Kiều")
    expect(page.locator("table.table tbody tr")).to_have_count(6)
    assert_fits_phone(page)
    screenshot(page, "02-school-dashboard-360")

    page.get_by_role("link", name="10A1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1")
    expect(page.locator("table.students .name")).to_have_count(len(CLASS_NAMES))
    assert_fits_phone(page)
    screenshot(page, "03-class-list-360")

    # the user menu opens inside the screen
    page.locator(".usermenu summary").click()
    menu = page.locator(".usermenu-body")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 + 1, box
    assert_fits_phone(page)


def test_teacher_pages_fit_a_phone(page, log_in, full_school, assert_fits_phone):
    log_in("gv1.ta")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp của tôi")
    assert_fits_phone(page)
    page.goto(f"/classes/{full_school.id}/roster")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập danh sách học sinh lớp 10A1")
    assert_fits_phone(page)
