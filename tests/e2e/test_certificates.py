"""Certificates on the demo, in Chromium: the Sở's officer issues certificates for the
finished Đợt 1; the README's student downloads theirs at phone width; the QR code
in the PDF decodes to the verification page, which says valid; the officer revokes
it, and the same QR code then says revoked."""
import re

import pypdfium2
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader

from app.org.demo import STAFF_PASSWORD, STUDENT_PASSWORD


def _qr_url(pdf_path):
    image = pypdfium2.PdfDocument(str(pdf_path))[0].render(scale=200 / 72).to_pil().convert("L")
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, found
    return found[0]


def test_the_so_issues_a_student_downloads_scans_and_sees_valid_then_revoked(
        app, page, log_in, db, tmp_path, screenshot, assert_fits_phone):
    # given the demo province (its Đợt 1 closed, results published, the certificate template ready)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    # the officer issues certificates for Đợt 1
    page.on("dialog", lambda dialog: dialog.accept())
    log_in("so.cantho", STAFF_PASSWORD)
    page.get_by_role("link", name="Giấy khen").click()
    page.get_by_role("row", name=re.compile("Cuộc thi tìm hiểu dịch vụ công")).get_by_role("link").click()
    page.get_by_label("Cấp cho").select_option(label="Đợt 1 (giải và học sinh đạt của đợt)")
    page.get_by_role("button", name="Cấp giấy").click()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text(re.compile(r"Đã cấp \d+ giấy mới, 0 giấy đã có giữ nguyên"))
    issued = int(re.search(r"Đã cấp (\d+)", flash.inner_text()).group(1))
    assert issued > 100
    screenshot(page, "certificates-overview-phone")
    # the student finds it on their page and downloads it
    page.context.clear_cookies()
    log_in("anhnt.thptnd", STUDENT_PASSWORD)
    card = page.locator(".certificate-card").first
    expect(card).to_contain_text("Đợt 1")
    assert_fits_phone(page)
    screenshot(page, "certificates-student-phone")
    with page.expect_download() as download:
        card.get_by_role("link", name="Tải giấy (PDF)").click()
    pdf = tmp_path / "giay.pdf"
    download.value.save_as(pdf)
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    student_name = page.locator("h1").inner_text().removeprefix("Chào ").strip()
    assert student_name in text and "Đợt 1" in text
    # scanning the QR code opens the public verification page: valid
    url = _qr_url(pdf)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/xac-minh/DVC2026-\d{4}-\d{5}\?ma=[A-Z2-9]{6}", url), url
    serial = url.split("/xac-minh/")[1].split("?")[0]
    page.context.clear_cookies()
    page.goto(url)
    expect(page.locator(".verify-status")).to_have_text("✔ Giấy hợp lệ")
    expect(page.locator(".facts")).to_contain_text(student_name)
    assert_fits_phone(page)
    screenshot(page, "certificates-verify-valid-phone")
    # the officer revokes it after an appeal
    log_in("so.cantho", STAFF_PASSWORD)
    page.get_by_role("link", name="Giấy khen").click()
    page.get_by_role("row", name=re.compile("Cuộc thi tìm hiểu dịch vụ công")).get_by_role("link").click()
    page.get_by_placeholder("Tìm theo tên hoặc số hiệu").fill(serial)
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("row", name=re.compile(serial)).get_by_role("link", name="Thu hồi").click()
    page.get_by_label("Lý do thu hồi").fill("Điều chỉnh kết quả sau phúc khảo")
    page.get_by_label(re.compile("Cấp giấy mới")).uncheck()
    page.get_by_role("button", name="Thu hồi giấy").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã thu hồi giấy {serial}")
    # the same QR code now says revoked, with the reason
    page.context.clear_cookies()
    page.goto(url)
    expect(page.locator(".verify-status")).to_have_text("✘ Giấy đã bị thu hồi")
    expect(page.locator(".verify")).to_contain_text("Điều chỉnh kết quả sau phúc khảo")
    screenshot(page, "certificates-verify-revoked-phone")
    # and someone typing the serial with a wrong code learns nothing
    page.goto("/xac-minh")
    page.get_by_label("Số hiệu").fill(serial)
    page.get_by_label("Mã xác minh").fill("AAAAAA")
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator(".verify")).to_contain_text("Không tìm thấy giấy")
    expect(page.locator(".verify")).not_to_contain_text(student_name)
