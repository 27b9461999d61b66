"""A teacher brings an exam written in Word into the school's bank on a phone: the
template from the import page reads back, a file with an unmarked answer is refused with
the question's number, the corrected file shows its preview and is imported."""
import pytest
from docx import Document
from playwright.sync_api import expect

from app.quiz.banks.formats import parse, to_json
from app.quiz.banks.formats.docx import EXAMPLES
from app.quiz.banks.services import create_bank
from app.quiz.models import Question

STEM = "Ứng dụng định danh điện tử quốc gia do cơ quan nào phát triển?"
OPTIONS = ("Bộ Công an", "Bộ Y tế", "Bộ Tài chính", "Bộ Xây dựng")


def exam(path, marked):
    """Câu 1 with its right option underlined; Câu 2 marked only when `marked`; a Đúng/Sai Câu 3."""
    document = Document()
    document.add_paragraph("ĐỀ ÔN TẬP CHUYỂN ĐỔI SỐ")
    for number, right, stem in ((1, "A", STEM), (2, "A" if marked else None, "Tài khoản VNeID do ai cấp?")):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Câu {number}:").bold = True
        paragraph.add_run(f" {stem}")
        line = document.add_paragraph()
        for index, (letter, text) in enumerate(zip("ABCD", OPTIONS)):
            label = line.add_run(("\t" if index else "") + f"{letter}.")
            label.underline = letter == right
            line.add_run(f" {text}")
    document.add_paragraph("Lời giải: VNeID do Bộ Công an phát triển.")
    document.add_paragraph("Câu 3: Về tài khoản định danh điện tử, mỗi ý sau đúng hay sai?")
    for letter, text in zip("abcd", ("Mã OTP chỉ chủ tài khoản được biết.", "Có thể cho bạn mượn tài khoản.",
                                     "Nên đặt mật khẩu riêng.", "Mật khẩu nên là ngày sinh.")):
        document.add_paragraph(f"{letter}) {text}")
    document.add_paragraph("Đáp án: a) Đ b) S c) Đ d) S")
    document.save(path)
    return path


@pytest.fixture
def school_bank(school, teacher, db):
    bank = create_bank(None, school, code="NH-TA", name="Ngân hàng câu hỏi của trường")
    db.session.commit()
    return bank


def test_teacher_fixes_a_word_file_by_question_number_then_imports_it(page, log_in, school_bank, tmp_path, db,
                                                                      screenshot, assert_fits_phone):
    log_in("gv1.ta")
    page.get_by_role("link", name="Câu hỏi").click()
    page.get_by_role("link", name="NH-TA").click()
    page.get_by_role("link", name="Nhập câu hỏi từ tệp").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="tệp mẫu Word").click()
    assert download.value.suggested_filename == "mau-nhap-cau-hoi.docx"
    template = open(download.value.path(), "rb").read()
    assert [to_json(q) for q in parse(template, "docx")] == [to_json(q) for q in EXAMPLES]

    page.get_by_label("Tệp câu hỏi").set_input_files(str(exam(tmp_path / "de-on-tap.docx", marked=False)))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Tệp có lỗi, chưa nhập câu nào")
    expect(errors.locator("li")).to_have_count(1)
    expect(errors.locator("li")).to_contain_text("Câu 2: không có phương án nào được đánh dấu là đáp án đúng")
    assert db.session.query(Question).count() == 0
    assert_fits_phone(page)
    screenshot(page, "word-import-error-360")

    page.get_by_label("Tệp câu hỏi").set_input_files(str(exam(tmp_path / "de-on-tap-da-sua.docx", marked=True)))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: 6 câu hỏi")
    items = page.locator(".qpreview > li")
    expect(items).to_have_count(6)
    expect(items.nth(1).locator(".tags")).to_contain_text("Câu 2")
    expect(items.nth(1).locator(".choice-right")).to_contain_text("Bộ Công an")
    expect(items.nth(1)).to_contain_text("VNeID do Bộ Công an phát triển.")
    expect(items.nth(3).locator(".tags")).to_contain_text("Câu 3b")
    assert_fits_phone(page)
    screenshot(page, "word-import-preview-360")

    page.get_by_role("button", name="Xác nhận nhập 6 câu").click()
    expect(page.locator(".flash-success")).to_contain_text("6 câu mới")
    db.session.rollback()
    stored = db.session.query(Question).order_by(Question.id).all()
    assert [q.qtype for q in stored] == ["multichoice"] * 2 + ["truefalse"] * 4
    assert [q.current.answers[0]["fraction"] for q in stored[2:]] == [1.0, 0.0, 1.0, 0.0]
