"""A Phòng / cluster officer on a phone: the schools of their unit against the target,
down to a school and a class, then the XLSX and PDF reports holding the numbers the
page showed. The data is the hand-counted province of tests/plugins/province.py,
plus a second school of Cụm A where nobody has taken part yet."""
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader


@pytest.fixture
def province(tree, make_unit, make_class, make_student, db, build_province):
    data = build_province(tree, make_class, make_student, db)
    quiet = make_unit("school", "Trường THPT Lê Quý Đôn", parent=tree.cluster_a, code="TA2")
    d1 = make_class(quiet, "10D1", year=data.contest.school_year)
    for i in range(4):
        make_student(d1, f"Học sinh 10D1 {i}")
    db.session.commit()
    return data


def _cells(row):
    return [c.strip() for c in row.locator("td, th").all_inner_texts()]


def test_a_cluster_officer_drills_down_and_downloads_reports_matching_the_page(
        page, log_in, make_user, tree, province, screenshot, assert_fits_phone):
    make_user("unit", tree.cluster_a, username="pgd.cuma")
    log_in("pgd.cuma")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Tham gia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỷ lệ học sinh tham gia")
    page.get_by_label("Cuộc thi").select_option(label=f"DVC · {province.contest.name}")
    page.get_by_role("button", name="Xem").click()
    expect(page).to_have_url(re.compile(rf"/coverage/units/{tree.cluster_a.id}\?.*contest={province.contest.id}"))

    # the unit's schools, furthest behind the 80 % THPT target first; no school of another unit
    rows = page.locator("table.coverage tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator("td:first-child a")).to_have_text(["Trường THPT Lê Quý Đôn", "Trường THPT A"])
    expect(rows.nth(0)).to_contain_text("thiếu 80,0 điểm so với mục tiêu")
    expect(rows.nth(1)).to_contain_text("thiếu 30,0 điểm so với mục tiêu")
    expect(page.locator("table.coverage")).not_to_contain_text("Trường THPT B")
    expect(page.locator(".stats")).to_contain_text("3trên 10 học sinh đã tham gia")
    expect(page.locator(".stats")).to_contain_text("THPT, mục tiêu 80 %")
    on_page = {row: _cells(rows.nth(i)) for i, row in enumerate(("quiet", "a"))}
    total = _cells(page.locator("table.coverage tfoot tr"))
    assert on_page["a"][1:4] == ["6", "3", "50,0\u00a0%"] and total[:4] == ["Tổng cộng", "10", "3", "30,0\u00a0%"]
    assert_fits_phone(page)
    screenshot(page, "coverage-cluster")

    # the reports, downloaded from the page, hold the page's numbers
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải báo cáo Excel").click()
    data = open(download.value.path(), "rb").read()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = lines.index(["STT", "Đơn vị", "Tổng số HS", "Số HS tham gia", "Tỷ lệ %", "Số lượt thi", "Số HS đạt",
                          "Số giải", "Mục tiêu THPT %", "Tỷ lệ THPT %", "Chênh lệch (điểm %)",
                          "Số HS THPT còn thiếu"])
    assert lines[header + 1:header + 4] == [[1, "Trường THPT Lê Quý Đôn", 4, 0, 0.0, 0, 0, 0, 80, 0.0, -80.0, 4],
                                            [2, "Trường THPT A", 6, 3, 50.0, 4, 3, 0, 80, 50.0, -30.0, 2],
                                            [None, "Tổng cộng", 10, 3, 30.0, 4, 3, 0, 80, 30.0, -50.0, 5]]
    assert lines[1][0] == "CỤM A" and lines[0][0] == "SỞ GD&ĐT THỬ NGHIỆM"
    assert lines[0][4] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải báo cáo PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Trường THPT Lê Quý Đôn", "Trường THPT A", "50,0",
                     "30,0", "Tổng cộng", "Nơi nhận", "TRƯỞNG CỤM", "-80,0"):
        assert expected in text, expected
    assert "Trường THPT B" not in text

    # down to the school, then the class: who has not taken part yet comes first
    rows.get_by_role("link", name="Trường THPT A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỷ lệ học sinh tham gia")
    classes = page.locator("table.coverage tbody tr")
    expect(classes.locator("td:first-child a")).to_have_text(["11A1", "10A1"])
    expect(classes.nth(1)).to_contain_text("75,0 %")
    classes.get_by_role("link", name="10A1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1: ai chưa tham gia")
    expect(page.locator("main, body").first).to_contain_text("1 học sinh chưa tham gia · 3 đã tham gia")
    students = page.locator("table tbody tr")
    expect(students.nth(0)).to_contain_text("Học sinh 10A1 3")
    expect(students.nth(0)).to_contain_text("Chưa tham gia")
    assert_fits_phone(page)
    screenshot(page, "coverage-class")


def test_the_weekly_chart_scales_every_bar_to_the_tallest_week_on_a_laptop(
        browser, live_server, log_in, page, make_user, make_class, make_student, tree, db, screenshot):
    """Three weeks of 123, 118 and 162 new participants, seen at 1366 px: the bars stand
    in those proportions (none clipped to the chart's height), and no rate breaks
    between its number and its sign."""
    from datetime import datetime, timedelta

    from app.coverage.models import Participation
    from app.quiz.contests.services import create_contest
    from app.quiz.banks.services import create_bank
    contest = create_contest(None, tree.so, create_bank(None, tree.so, code="DVC-B", name="Ngân hàng"), code="DVC",
                             name="Tìm hiểu DVC", school_year=2026, levels=("THPT",))
    monday = datetime(2026, 10, 5, 3)  # 10:00 in Vietnam
    counts = (123, 118, 162)
    school_class = make_class(tree.school_a, "10A1", year=2026)
    for week, count in enumerate(counts):
        for i in range(count):
            student = make_student(school_class, f"Học sinh {week} {i}")
            db.session.add(Participation(contest_id=contest.id, student_id=student.id, attempts=1,
                                         first_at=monday + timedelta(days=7 * week), best_percent=50))
    for i in range(100):
        make_student(school_class, f"Học sinh chưa thi {i}")
    make_user("department", tree.so, username="so.dvc")
    log_in("so.dvc")
    cookies = page.context.cookies()
    wide = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="vi-VN")
    wide.add_cookies(cookies)
    tab = wide.new_page()
    try:
        tab.goto(f"/coverage/units/{tree.school_a.id}?contest={contest.id}")
        tab.wait_for_load_state("load")
        heights = [round(box["height"], 1) for box in
                   (bar.bounding_box() for bar in tab.locator(".week-bar").all())]
        assert len(heights) == 3
        for height, count in zip(heights, counts):
            assert height == pytest.approx(heights[2] * count / 162, abs=1), heights
        chart = tab.locator(".weeks").bounding_box()
        for bar in tab.locator(".week-bar").all():
            box = bar.bounding_box()
            assert box["y"] >= chart["y"] and box["y"] + box["height"] <= chart["y"] + chart["height"]
        wrapped = tab.evaluate("""() => Array.from(document.querySelectorAll('.pct'))
            .filter(e => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 30)
            .map(e => e.textContent)""")
        assert tab.locator(".pct").count() >= 5 and wrapped == []
        screenshot(tab, "coverage-weeks-1366")
    finally:
        wide.close()
