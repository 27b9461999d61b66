"""A question of a published round had a wrong key: a student reports it from her
review, and the Sở's officer, on a phone, opens it from the bank's reported questions,
chooses the right answer, reads the dry run (the counts of every round and contest that
drew it, and the students whose prize changes) and applies it; the public results page
then carries the note and the new winner."""
import re

from playwright.sync_api import expect


def test_the_so_officer_reads_the_dry_run_and_applies_it(page, log_in, wrong_key, db, screenshot, assert_fits_phone,
                                                       check_axe):
    w = wrong_key
    w.round.review_policy = "after_submit"
    page.on("dialog", lambda dialog: dialog.accept())
    # a student reports the question from her review
    log_in(w.an.user.username)
    page.goto(f"/attempts/{w.attempts.an.id}/result")
    question = page.locator("#cau-1")
    question.get_by_text("Báo lỗi câu hỏi").click()
    question.get_by_label("Câu 1 sai ở đâu?").fill("Ứng dụng định danh điện tử quốc gia là VNeID, không phải VssID.")
    question.get_by_role("button", name="Gửi báo lỗi câu 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Em đã gửi báo lỗi câu 1")
    expect(page.locator("#cau-1")).to_contain_text("Em đã báo lỗi câu này")
    assert_fits_phone(page)
    screenshot(page, "corrections-reported-phone")
    # the officer finds it among the bank's reported questions
    page.context.clear_cookies()
    log_in("so.ct")
    page.goto(f"/banks/{w.bank.id}")
    page.get_by_role("link", name="Câu hỏi bị báo lỗi").click()
    page.get_by_role("link", name=re.compile("Ứng dụng nào là ứng dụng định danh")).click()
    expect(page.locator("#bao-loi")).to_contain_text("Nguyễn Văn An (học sinh lớp 10A1, Trường THPT A)")
    expect(page.locator("#bao-loi")).to_contain_text("không phải VssID")
    page.get_by_role("link", name="Điều chỉnh đáp án").click()
    # chooses the right answer and runs the dry run
    page.get_by_role("radio", name="Sửa đáp án").check()
    page.get_by_label(re.compile(r"B\. VNeID")).check()
    page.get_by_label(re.compile("Lý do điều chỉnh")).fill("Ứng dụng định danh điện tử quốc gia là VNeID (NĐ 69/2024).")
    page.get_by_role("button", name="Chạy thử").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chạy thử: sửa đáp án")
    expect(page.locator("#tom-tat")).to_contain_text("3 bài làm đã nộp có câu này, 3 bài thay đổi điểm")
    expect(page.locator("#tom-tat")).to_contain_text("4 giải và 10 giấy chứng nhận thay đổi")
    round_row = page.locator("#pham-vi > li").filter(has_text="Đợt 1")
    expect(round_row.locator(".tag")).to_have_text(["3 học sinh", "3 điểm đổi", "2 hạng đổi", "2 giải đổi",
                                                    "1 đạt ↔ không đạt", "giấy: thu hồi 2, cấp 3"])
    in_round = page.locator("#thay-doi-giai .table-wrap").first.locator("tbody tr")
    expect(page.locator("#thay-doi-giai h3").first).to_have_text(re.compile("Đợt 1$"))
    expect(in_round).to_have_count(2)
    expect(in_round.filter(has_text="Nguyễn Văn An")).to_contain_text(re.compile(r"Giải Nhì\s*→\s*Giải Nhất"))
    expect(in_round.filter(has_text="Lê Thị Bình")).to_contain_text(re.compile(r"Giải Nhất\s*→\s*Giải Nhì"))
    expect(page.locator("#thay-doi-giai tbody tr")).to_have_count(4)
    expect(page.locator("#thay-doi-giai")).not_to_contain_text("Phạm Quốc Cường")
    assert_fits_phone(page)
    assert check_axe(page) == []
    screenshot(page, "corrections-dry-run-phone")
    # and applies it
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã áp dụng điều chỉnh: 3/3 bài làm được chấm lại")
    expect(page.locator(".flash-success")).to_contain_text("thu hồi 4 và cấp 6 giấy chứng nhận")
    expect(page.locator("#bao-loi")).to_contain_text("Không có báo lỗi nào đang chờ")
    expect(page.locator("#bao-loi")).to_contain_text("Sửa đáp án · Trần Văn Sở · phiên bản 2")
    screenshot(page, "corrections-question-after-phone")
    # everyone reads the note and the new first prize on the public results page
    page.context.clear_cookies()
    page.goto(f"/ket-qua/{w.round.id}")
    expect(page.locator(".correction-notes")).to_contain_text("đã sửa đáp án câu “Ứng dụng nào là ứng dụng định danh")
    expect(page.get_by_role("row", name=re.compile("Giải Nhất"))).to_contain_text("Nguyễn Văn An")
    assert_fits_phone(page)
    screenshot(page, "corrections-public-note-phone")
