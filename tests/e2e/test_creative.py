"""The creative contest end to end in Chromium at phone width: a student team submits a
poster (uploaded with its progress bar) and a video link, the school approves both,
the Sở ends the school round, makes the panels and assigns the entries, two judges
score blind, the Sở publishes, and the public gallery shows the work."""
import re
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.entries import services

STUDENTS = ("Nguyễn Thị Phương Thảo", "Đặng Lê Hoàng Khánh Ngọc")


@pytest.fixture
def contest(tree, school, school_admin, make_class, make_student, make_user, db, TEST_PASSWORD):
    now = utcnow()
    creative = services.create_contest(
        None, tree.so, code="ST2026", name="Sáng tạo về dịch vụ công trực tuyến", school_year=2026,
        levels=("THPT",), categories=("poster", "video"), submit_opens_at=now - timedelta(days=1),
        submit_closes_at=now + timedelta(days=5), approval_closes_at=now + timedelta(days=10), max_team_size=3,
        advisor_required=False, prizes={"poster": {"nhat": 1}, "video": {"nhat": 1}},
        file_rules={"poster": {"min_long_side": 600}, "video": {"links": True}})
    school_class = make_class(school, "10A1", year=2026)
    students = [make_student(school_class, name) for name in STUDENTS]
    ensure_student_accounts(None, students, school)
    set_password(students[0].user, TEST_PASSWORD)
    judges = [make_user("judge", tree.school_b, username="gk.mot"), make_user("judge", username="gk.hai")]
    judges[0].full_name, judges[1].full_name = "Võ Thanh Hải", "Lâm Ngọc Trâm"
    make_user("department", tree.so, username="so.thu")
    db.session.commit()
    return type("World", (), dict(creative=creative, students=students, judges=judges))


def _poster(path):
    image = Image.new("RGB", (900, 1200), (0, 94, 184))
    ImageDraw.Draw(image).rectangle((100, 100, 800, 400), fill=(255, 205, 0))
    image.save(path, "PNG")
    return path


def test_a_team_submits_the_school_approves_judges_score_blind_and_the_gallery_shows_it(
        page, log_in, contest, school, tmp_path, screenshot, assert_fits_phone):
    page.on("dialog", lambda dialog: dialog.accept())
    student = contest.students[0].user
    # a student makes a poster entry with a classmate and uploads the poster
    log_in(student.username)
    page.get_by_role("link", name="Áp phích, video").click()
    page.get_by_role("link", name=re.compile("Sáng tạo về dịch vụ công")).click()
    page.get_by_role("link", name="+ Tạo bài dự thi").click()
    page.get_by_label("Thể loại").select_option(label="Áp phích")
    page.get_by_label("Tên bài dự thi").fill("Một chạm, vạn dịch vụ")
    page.get_by_label(f"{STUDENTS[1]} (10A1)").check()
    page.get_by_role("button", name="Tạo bài (nháp)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Một chạm, vạn dịch vụ")
    page.set_input_files("#file", str(_poster(tmp_path / "ap-phich.png")))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("img.work-img")).to_have_count(1)
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp bài")
    expect(page.locator("main, body").first).to_contain_text(STUDENTS[1])
    assert_fits_phone(page)
    screenshot(page, "creative-entry")
    # and a video entry by link
    page.goto(f"/creative/{contest.creative.id}/entries/new")
    page.get_by_label("Thể loại").select_option(label="Video / sản phẩm đa phương tiện")
    page.get_by_label("Tên bài dự thi").fill("VNeID trong 60 giây")
    page.get_by_label(re.compile("Đường liên kết video")).fill("https://youtu.be/dQw4w9WgXcQ")
    page.get_by_role("button", name="Tạo bài (nháp)").click()
    expect(page.locator("[data-embed]")).to_have_attribute("data-embed", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    expect(page.locator("iframe")).to_have_count(0)  # the player loads only on request
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp bài")
    page.context.clear_cookies()

    # the school approves both
    log_in("bgh.ta")
    page.goto(f"/creative/{contest.creative.id}/school-entries?status=submitted")
    for title in ("Một chạm, vạn dịch vụ", "VNeID trong 60 giây"):
        page.get_by_role("link", name=title).click()
        page.get_by_role("button", name="Duyệt vào vòng tỉnh").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã duyệt bài")
        page.go_back()
        page.go_back()
    page.context.clear_cookies()

    # the Sở ends the school round, makes the panels and assigns the entries
    log_in("so.thu")
    page.goto(f"/creative/{contest.creative.id}/panels")
    page.get_by_role("button", name="Kết thúc vòng trường ngay").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã kết thúc vòng trường")
    for category in ("poster", "video"):
        section = page.locator("section.card", has=page.locator(f"input[name=category][value={category}]"))
        for judge in contest.judges:
            section.get_by_label(re.compile(judge.full_name)).check()
        section.get_by_role("button", name="Lưu ban giám khảo").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã lưu ban giám khảo")
        section = page.locator("section.card", has=page.locator(f"input[name=category][value={category}]"))
        section.get_by_role("button", name="Giao bài cho giám khảo").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã giao thêm 2 lượt chấm")
    page.context.clear_cookies()

    # two judges score blind: the work, no names, no school
    for judge, points in zip(contest.judges, (("9", "8", "8", "7"), ("7", "8", "6", "9"))):
        log_in(judge.username)
        expect(page).to_have_url(re.compile("/judging$"))
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(2)
        for index in range(2):
            page.locator("table tbody tr a").first.click() if index == 0 else page.locator(
                "table tbody tr", has_text="Chưa chấm").locator("a").click()
            body = page.locator("body")
            for secret in (*STUDENTS, school.name, "10A1"):
                expect(body).not_to_contain_text(secret)
            for field, value in zip(("Nội dung", "Sáng tạo", "Thẩm mỹ / kỹ thuật", "Tính lan tỏa"), points):
                page.get_by_label(field, exact=True).fill(value)
            if index == 0 and judge is contest.judges[0]:
                assert_fits_phone(page)
                screenshot(page, "creative-judge")
            page.get_by_role("button", name="Nộp điểm").click()
            expect(page.locator(".flash-success")).to_contain_text("Đã nộp điểm")
        page.context.clear_cookies()

    # the Sở publishes; anyone sees the gallery
    log_in("so.thu")
    page.goto(f"/creative/{contest.creative.id}/results")
    # poster: (9*40 + 8*30 + 8*20 + 7*10) / 10 = 83 and (7*40 + 8*30 + 6*20 + 9*10) / 10 = 73, mean 78
    expect(page.locator("table").first).to_contain_text("78")
    expect(page.locator("table").first).to_contain_text("83; 73")
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator("div.flash-success")).to_contain_text("Đã công bố kết quả")
    page.context.clear_cookies()
    page.goto("/trien-lam")
    items = page.locator(".gallery-item")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="Một chạm, vạn dịch vụ")).to_contain_text("Giải Nhất")
    expect(items.filter(has_text="Một chạm, vạn dịch vụ").locator("img")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "creative-gallery")
    page.get_by_role("link", name=re.compile("Một chạm, vạn dịch vụ")).click()
    expect(page.locator("body")).to_contain_text(f"{STUDENTS[0]} (10A1)")
    expect(page.locator("body")).not_to_contain_text(student.username)
