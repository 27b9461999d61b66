"""A school admin on a phone: the school dashboard, a class list in Vietnamese order,
accent-free search."""
import re

import pytest
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts
from app.org.services import set_class_teachers

# Created in this order on purpose: neither by id nor by byte order is the list right.
NAMES = ["Phạm Đức", "Hồ Văn Dũng", "Lê Thị Ánh", "Nguyễn Văn An", "Trần Văn Bình"]
VIETNAMESE_ORDER = ["Nguyễn Văn An", "Lê Thị Ánh", "Trần Văn Bình", "Hồ Văn Dũng", "Phạm Đức"]


@pytest.fixture
def classes(school, teacher, make_class, make_student, db):
    c10a1 = make_class(school, "10A1")
    c10a2 = make_class(school, "10A2")
    c10a10 = make_class(school, "10A10")
    for name in NAMES:
        make_student(c10a1, name)
    make_student(c10a2, "Võ Thị Hà")
    set_class_teachers(None, c10a1, [teacher])
    db.session.commit()
    return type("Classes", (), dict(c10a1=c10a1, c10a2=c10a2, c10a10=c10a10))


def names_on_page(page):
    return page.locator("table.students .name").all_inner_texts()


def test_school_admin_sees_the_school_dashboard(page, log_in, school, school_admin, classes):
    log_in("bgh.ta")

    expect(page).to_have_url(re.compile(rf"/schools/{school.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trường THPT Châu Văn Liêm - Quận Ninh Kiều")
    expect(page.locator(".pagehead")).to_contain_text("Mã trường TA")
    stats = page.locator(".stats .stat")
    expect(stats).to_have_text(["3lớp", "6học sinh", "1giáo viên"], use_inner_text=False)
    # classes in natural order (10A2 before 10A10), with size and teacher
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("td:first-child")).to_have_text(["10A1", "10A2", "10A10"])
    expect(rows.nth(0).locator("td.num")).to_have_text("5")
    expect(rows.nth(0)).to_contain_text("Trần Thị Lan")
    expect(rows.nth(1).locator("td.num")).to_have_text("1")
    expect(rows.nth(2).locator("td.num")).to_have_text("0")
    expect(page.get_by_role("link", name="+ Tạo lớp")).to_be_visible()
    staff = page.locator("ul.list li")
    expect(staff).to_have_count(2)


def test_class_list_is_in_vietnamese_order_and_search_ignores_accents(page, log_in, school_admin, classes):
    log_in("bgh.ta")
    page.get_by_role("link", name="10A1", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/classes/{classes.c10a1.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1")
    expect(page.locator(".pagehead")).to_contain_text("5 học sinh")
    expect(page.locator("table.students .name")).to_have_count(5)
    assert names_on_page(page) == VIETNAMESE_ORDER  # An, Ánh, Bình, Dũng, Đức
    expect(page.locator("table.students td.num")).to_have_text(["1", "2", "3", "4", "5"])
    # the student of 10A2 is not in this list
    expect(page.locator("main")).not_to_contain_text("Võ Thị Hà")

    search = page.get_by_role("searchbox", name="Tìm học sinh")
    search.fill("nguyen van an")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=nguyen\+van\+an$"))
    expect(page.locator("table.students .name")).to_have_text(["Nguyễn Văn An"])
    expect(page.locator(".pagehead")).to_contain_text("1 học sinh tìm thấy")
    expect(search).to_have_value("nguyen van an")

    # đ folds to d
    search.fill("DUC")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("table.students .name")).to_have_text(["Phạm Đức"])

    search.fill("không ai tên này")
    search.press("Enter")
    expect(page.locator("table.students tbody")).to_have_text("Không tìm thấy học sinh nào.")

    page.get_by_role("link", name="Bỏ lọc").click()
    expect(page.locator("table.students .name")).to_have_count(5)
    assert names_on_page(page) == VIETNAMESE_ORDER



def reset_button(page, full_name):
    return page.locator("table.students tbody tr", has_text=full_name).get_by_role("button", name="Cấp lại MK")


def test_resetting_a_student_password_asks_first(page, log_in, school, school_admin, classes, make_student, db):
    student = make_student(classes.c10a1, "Đỗ Thị Hồng Nhung")
    ensure_student_accounts(None, [student], school)
    db.session.commit()
    account = student.user
    old_hash = account.password_hash
    log_in("bgh.ta")
    page.goto(f"/classes/{classes.c10a1.id}")
    expect(page.locator("table.students tbody tr", has_text="Đỗ Thị Hồng Nhung")).to_contain_text("nhungdth.ta")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    reset_button(page, "Đỗ Thị Hồng Nhung").click()
    expect(page.locator(".flash")).to_have_count(0)
    assert asked == ["Cấp mật khẩu mới cho Đỗ Thị Hồng Nhung?"]
    db.session.rollback()
    assert db.session.get(type(account), account.id).password_hash == old_hash

    page.once("dialog", lambda dialog: dialog.accept())
    reset_button(page, "Đỗ Thị Hồng Nhung").click()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^Mật khẩu mới của Đỗ Thị Hồng Nhung \(nhungdth\.ta\): [a-z2-9]{8}$"))
    db.session.rollback()
    assert db.session.get(type(account), account.id).password_hash != old_hash
    db.session.rollback()


@pytest.mark.parametrize("full_name", ["H'Hen Niê", "Lê A'+alert('XSS')+'", 'Y "Moan" Ênuôl'])
def test_a_name_with_quotes_is_asked_about_not_run(page, log_in, school, school_admin, classes, make_student,
                                                   full_name, db):
    """Ê Đê and Jrai names carry apostrophes; the confirm question must stay text (it was
    once pasted into an inline onsubmit script: no question, or script from a roster)."""
    student = make_student(classes.c10a1, full_name)
    ensure_student_accounts(None, [student], school)
    db.session.commit()
    old_hash = student.user.password_hash
    log_in("bgh.ta")
    page.goto(f"/classes/{classes.c10a1.id}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    reset_button(page, full_name).click()
    expect(page.locator("table.students .name")).to_have_count(6)
    expect(page.locator(".flash")).to_have_count(0)
    assert asked == [f"Cấp mật khẩu mới cho {full_name}?"]
    db.session.rollback()
    assert db.session.get(type(student.user), student.user.id).password_hash == old_hash
    db.session.rollback()
