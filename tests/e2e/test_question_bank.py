"""A teacher brings the school's Moodle questions in through the browser on a phone:
upload, preview as students will see them, confirm; then finds one without accents,
edits it (a new version), and retires it."""
import re

import pytest
from playwright.sync_api import expect

from app.quiz.models import Question
from app.quiz.banks.services import create_bank

GIFT = """$CATEGORY: $course$/top/Định danh điện tử

::VNeID::Ứng dụng định danh điện tử quốc gia do cơ quan nào phát triển?{
=Bộ Công an#Đúng: Trung tâm RAR thuộc Bộ Công an.
~Bộ Y tế
~Bảo hiểm xã hội Việt Nam
####VNeID do Bộ Công an phát triển và quản lý.
}

::OTP::Nhân viên "hỗ trợ VNeID" gọi điện xin mã OTP. Em có nên đọc mã cho họ không?{FALSE####Không bao giờ đọc mã OTP cho người khác.}

::Năm::Cổng Dịch vụ công quốc gia khai trương vào năm nào?{#2019}
"""


@pytest.fixture
def gift_file(tmp_path):
    path = tmp_path / "ngan-hang-moodle.txt"
    path.write_text(GIFT, encoding="utf-8")
    return path


@pytest.fixture
def school_bank(school, teacher, db):
    bank = create_bank(None, school, code="NH-TA", name="Ngân hàng câu hỏi của trường")
    db.session.commit()
    return bank


def test_teacher_imports_finds_edits_and_retires_questions(page, log_in, school_bank, gift_file, screenshot,
                                                           assert_fits_phone, db):
    log_in("gv1.ta")
    page.get_by_role("link", name="Câu hỏi").click()
    page.get_by_role("link", name="NH-TA").click()
    page.get_by_role("link", name="Nhập câu hỏi từ tệp").click()
    page.get_by_label("Tệp câu hỏi").set_input_files(str(gift_file))
    page.get_by_label("Cấp học cho câu chưa ghi cấp học").select_option("THCS")
    page.get_by_role("button", name="Tải lên và xem trước").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: 3 câu hỏi")
    expect(page.locator(".qpreview > li")).to_have_count(3)
    expect(page.locator(".qpreview .choice-right").first).to_contain_text("Bộ Công an")
    expect(page.locator(".qpreview").first).to_contain_text("Không bao giờ đọc mã OTP cho người khác.")
    assert db.session.query(Question).count() == 0
    assert_fits_phone(page)
    screenshot(page, "10-question-import-preview-360")

    page.get_by_role("button", name="Xác nhận nhập 3 câu").click()
    expect(page.locator(".flash-success")).to_contain_text("3 câu mới")
    expect(page.locator(".qitem")).to_have_count(3)

    page.get_by_label("Tìm câu hỏi").fill("CO QUAN nao phat trien")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator(".qitem")).to_have_count(1)
    assert_fits_phone(page)
    screenshot(page, "11-question-bank-360")

    page.locator(".qitem a").first.click()
    page.get_by_role("link", name="Sửa câu hỏi").click()
    page.get_by_label("Phương án D").fill("Bộ Thông tin và Truyền thông")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-success")).to_have_text("Đã lưu phiên bản 2.")
    expect(page.locator(".choice")).to_have_count(4)
    assert_fits_phone(page)
    screenshot(page, "12-question-detail-360")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ngừng dùng").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã ngừng dùng câu hỏi")
    db.session.rollback()
    question = db.session.query(Question).filter_by(key=None, topic="Định danh điện tử").filter(
        Question.retired_at.is_not(None)).one()
    assert question.version == 2
    assert [v.number for v in question.versions] == [1, 2]
    assert re.search("Bộ Thông tin", question.current.answers[3]["text"])
    assert question.current.answers[0]["feedback"] == "Đúng: Trung tâm RAR thuộc Bộ Công an."
