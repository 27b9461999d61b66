"""A teacher imports a messy roster XLSX from the class page: preview with errors by
row number, confirm, and the class list shows the good students."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.org.models import Student
from app.org.services import set_class_teachers

IMPORTED_IN_ORDER = ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Đức", "Đặng Minh Khang"]


@pytest.fixture
def roster_file(tmp_path, messy_class_roster):
    path = tmp_path / "DS lớp 10A1.xlsx"
    path.write_bytes(messy_class_roster())
    return path


@pytest.fixture
def class_10a1(school, teacher, make_class, db):
    school_class = make_class(school, "10A1")
    make_class(school, "10A2")
    set_class_teachers(None, school_class, [teacher])
    db.session.commit()
    return school_class


def test_teacher_imports_a_roster_through_the_browser(page, log_in, class_10a1, roster_file, screenshot,
                                                      assert_fits_phone, db, MESSY_ERROR_ROWS, MESSY_GOOD_CODES):
    log_in("gv1.ta")
    page.get_by_role("link", name=re.compile(r"^10A1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1")
    expect(page.locator("table.students tbody")).to_contain_text("Lớp chưa có học sinh.")

    page.get_by_role("link", name="Nhập danh sách (XLSX/CSV)").click()
    expect(page).to_have_url(re.compile(rf"/classes/{class_10a1.id}/roster$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập danh sách học sinh lớp 10A1")
    page.get_by_label("Tệp danh sách (XLSX hoặc CSV)").set_input_files(roster_file)
    page.get_by_role("button", name="Tải lên và xem trước").click()

    # the preview: nothing written yet
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: lớp 10A1")
    expect(page.locator("main")).to_contain_text("Dòng tiêu đề: dòng 6.")
    expect(page.locator(".stats .stat b")).to_have_text(["4", "0", "0", "4"])
    errors = page.locator("ul.errors li")
    expect(errors).to_have_count(len(MESSY_ERROR_ROWS))
    texts = errors.all_inner_texts()
    for text, (number, fragment) in zip(texts, sorted(MESSY_ERROR_ROWS.items())):
        assert text.startswith(f"Dòng {number}"), texts
        assert fragment in text, (number, text)
    assert texts[2].startswith("Dòng 13 (Hồ Văn Dũng): ")
    # every row of the file that is a student appears once, by its Excel row number
    expect(page.locator("table.table tbody tr td.num")).to_have_text(
        ["7", "8", "10", "11", "12", "13", "14", "15"])
    expect(page.locator("tr.row-new")).to_have_count(4)
    expect(page.locator("tr.row-error")).to_have_count(4)
    expect(page.locator("tr.row-new .name")).to_have_text(
        ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Đức", "Đặng Minh Khang"])
    expect(page.locator("tr.row-new td:nth-child(3)")).to_have_text(
        ["05/09/2010", "15/01/2010", "01/05/2010", "07/08/2010"])
    assert_fits_phone(page)  # the wide table scrolls in its own box
    screenshot(page, "04-roster-preview-360")
    db.session.rollback()
    assert db.session.execute(select(Student)).first() is None

    page.get_by_role("button", name="Xác nhận nhập 4 thay đổi").click()

    expect(page).to_have_url(re.compile(rf"/classes/{class_10a1.id}$"))
    expect(page.get_by_role("status")).to_have_text(
        "Đã nhập danh sách: 4 học sinh mới, 0 cập nhật, 0 không đổi, bỏ qua 4 dòng lỗi.")
    expect(page.locator(".pagehead")).to_contain_text("4 học sinh")
    expect(page.locator("table.students .name")).to_have_text(IMPORTED_IN_ORDER)
    first = page.locator("table.students tbody tr").first
    expect(first).to_contain_text("05/09/2010")
    expect(first).to_contain_text("anhnt.ta")  # the account the import created

    db.session.rollback()
    saved = db.session.execute(select(Student)).scalars().all()
    assert {s.code for s in saved} == MESSY_GOOD_CODES
    assert {s.class_id for s in saved} == {class_10a1.id}
    db.session.rollback()


def test_confirming_twice_imports_once(page, log_in, class_10a1, roster_file, db):
    """A double tap or a resent form on a slow connection: the preview token is used once."""
    log_in("gv1.ta")
    page.goto(f"/classes/{class_10a1.id}/roster")
    page.get_by_label("Tệp danh sách (XLSX hoặc CSV)").set_input_files(roster_file)
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: lớp 10A1")
    confirm_form = {name: page.locator(f"form.btn-row input[name={name}]").input_value()
                    for name in ("csrf_token", "token")}
    assert re.fullmatch(r"[0-9a-f]{32}", confirm_form["token"])
    page.get_by_role("button", name="Xác nhận nhập 4 thay đổi").click()
    expect(page.locator("table.students .name")).to_have_count(4)

    again = page.request.post(f"/classes/{class_10a1.id}/roster", form={**confirm_form, "action": "commit"})
    assert again.ok
    assert "Phiên nhập đã hết hạn, vui lòng tải tệp lên lại." in again.text()
    db.session.rollback()
    assert len(db.session.execute(select(Student)).scalars().all()) == 4
    db.session.rollback()
