"""The participation reports (XLSX and PDF) as an official document (Nghị định
30/2020/NĐ-CP, appendix I): the governing agency above the issuing one, the motto,
the number and the dated line, the title naming the contest once, the table with
the target and how far each unit is from it, and the signature block. The province
and its hand counts are in tests/plugins/province.py."""
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from app.quiz.contests.services import create_contest


def _book(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def _values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _pdf_runs(data):
    """[(text, font name)] of every text run in the PDF."""
    runs = []
    for page in PdfReader(io.BytesIO(data)).pages:
        def visit(text, cm, tm, font, size):
            if text.strip() and font is not None:
                runs.append((text.strip(), font["/BaseFont"]))
        page.extract_text(visitor_text=visit)
    return runs


def _font_of(runs, fragment):
    return next(font for text, font in runs if fragment in text)


def test_the_title_names_the_contest_once_whether_or_not_its_name_says_cuoc_thi(client, login, make_user, tree,
                                                                               province, db, YEAR):
    other = create_contest(None, tree.so, province.contest.bank, code="DVC2", name="Cuộc thi tìm hiểu VNeID",
                           school_year=YEAR, levels=("THPT",))
    login(make_user("department", tree.so))
    for contest, expected in ((province.contest, "cuộc thi tìm hiểu dvc"), (other, "cuộc thi tìm hiểu vneid")):
        book = _book(client, f"/coverage/units/{tree.so.id}/report.xlsx?contest={contest.id}")
        text = " ".join(str(v) for row in _values(book.worksheets[0]) for v in row if v).lower()
        assert "cuộc thi cuộc thi" not in text and expected in text
        data = client.get(f"/coverage/units/{tree.so.id}/report.pdf?contest={contest.id}").data
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).lower()
        assert "cuộc thi cuộc thi" not in " ".join(text.split()) and expected in " ".join(text.split())


HEADER = ["STT", "Đơn vị", "Tổng số HS", "Số HS tham gia", "Tỷ lệ %", "Số lượt thi", "Số HS đạt", "Số giải",
          "Mục tiêu THPT %", "Tỷ lệ THPT %", "Chênh lệch (điểm %)", "Số HS THPT còn thiếu"]


def test_the_reports_show_the_target_and_how_far_each_unit_is_from_it(client, login, make_user, tree, province, db):
    """THPT target 80 %. Cụm B: 1 of 5 (20 %), 60 points and 3 students short; Cụm A: 3 of 6,
    30 points, 2 students (4.8 rounds up to 5); THCS C has no target. In all: THPT 4 of
    11 (36.4 %), 43.6 points and 5 students (8.8 -> 9) short."""
    login(make_user("department", tree.so))
    args = f"?contest={province.contest.id}"
    rows = _values(_book(client, f"/coverage/units/{tree.so.id}/report.xlsx{args}").worksheets[0])
    header = rows.index(HEADER)
    assert rows[header + 1:header + 5] == [
        [1, "Cụm B", 5, 1, 20.0, 1, 1, 0, 80, 20.0, -60.0, 3],
        [2, "Cụm A", 6, 3, 50.0, 4, 3, 0, 80, 50.0, -30.0, 2],
        [3, "Trường THCS C", 3, 2, 66.7, 2, 1, 0, None, None, None, None],
        [None, "Tổng cộng", 14, 6, 42.9, 7, 5, 0, 80, 36.4, -43.6, 5]]
    summary = " ".join(str(v) for row in rows[header + 5:] for v in row if v)
    assert "Mục tiêu THPT năm học 2026-2027: 80 %; đạt 36,4 %, còn thiếu 43,6 điểm phần trăm (5 học sinh)." \
        in summary
    data = client.get(f"/coverage/units/{tree.so.id}/report.pdf{args}").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    for expected in ("Mục tiêu THPT %", "Chênh lệch (điểm %)", "-60,0", "-43,6", "36,4",
                     "Mục tiêu THPT năm học 2026-2027: 80 %; đạt 36,4 %, còn thiếu 43,6 điểm phần trăm (5 học sinh)."):
        assert expected in text, expected


def test_the_header_and_signature_follow_the_official_layout(client, login, make_user, tree, province, db):
    """Trường THPT A sits in Cụm A, a cluster: its governing agency is the Sở above it."""
    login(make_user("department", tree.so))
    args = f"?contest={province.contest.id}&signer=Nguyễn Văn Hiệu"
    book = _book(client, f"/coverage/units/{tree.school_a.id}/report.xlsx{args}")
    sheet = book.worksheets[0]
    rows = _values(sheet)
    assert rows[0][0] == "SỞ GD&ĐT THỬ NGHIỆM" and not sheet["A1"].font.b
    assert rows[1][0] == "TRƯỜNG THPT A" and sheet["A2"].font.b
    assert rows[0][4] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and sheet["E1"].font.b
    assert rows[1][4] == "Độc lập - Tự do - Hạnh phúc" and sheet["E2"].font.b
    assert rows[2][0] == "Số:        /BC-THPTA"
    assert rows[2][4].startswith("ngày ") and sheet["E3"].font.i and not sheet["E3"].font.b
    title = next(i for i, row in enumerate(rows) if row[0] == "BÁO CÁO")
    assert rows[title + 1][0].startswith("Kết quả tổ chức cuộc thi Tìm hiểu DVC")
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    assert cells["Nơi nhận:"].font.b and cells["Nơi nhận:"].font.i
    assert cells["HIỆU TRƯỞNG"].font.b and "Nguyễn Văn Hiệu" in cells
    assert "- Sở GD&ĐT Thử nghiệm (để báo cáo);" in cells and "- Lưu: VT." in cells

    data = client.get(f"/coverage/units/{tree.school_a.id}/report.pdf{args}").data
    runs = _pdf_runs(data)
    text = " ".join(t for t, _ in runs)
    assert "CỤM A" not in text and "SỞ GD&ĐT THỬ NGHIỆM" in text and "Số: /BC-THPTA" in " ".join(text.split())
    assert _font_of(runs, "SỞ GD&ĐT THỬ NGHIỆM").endswith("DejaVuSerif")
    assert _font_of(runs, "TRƯỜNG THPT A").endswith("DejaVuSerif-Bold")
    assert _font_of(runs, "Độc lập - Tự do - Hạnh phúc").endswith("DejaVuSerif-Bold")
    assert _font_of(runs, "ngày").endswith("DejaVuSerif-Italic")
    assert _font_of(runs, "Nơi nhận").endswith("DejaVuSerif-BoldItalic")
    assert _font_of(runs, "HIỆU TRƯỞNG").endswith("DejaVuSerif-Bold")
    assert _font_of(runs, "Nguyễn Văn Hiệu").endswith("DejaVuSerif-Bold")


def test_a_so_report_is_headed_by_the_province_s_people_s_committee(client, login, make_user, tree, province, db):
    tree.so.set_name("Sở GD&ĐT thành phố Cần Thơ")
    login(make_user("department", tree.so))
    rows = _values(_book(client, f"/coverage/units/{tree.so.id}/report.xlsx").worksheets[0])
    assert rows[0][0] == "UBND THÀNH PHỐ CẦN THƠ" and rows[1][0] == "SỞ GD&ĐT"
    assert rows[2][0] == "Số:        /BC-SGDĐT" and rows[2][4].startswith("Cần Thơ, ngày ")
    assert "GIÁM ĐỐC" in [v for row in rows for v in row]


def test_the_summary_counts_a_gdtx_centre_as_its_detail_sheet_does(client, login, make_user, make_unit, make_class,
                                                                   make_student, tree, province, db, YEAR, answer_round, fetch_report):
    """A TTGDNN-GDTX centre in Cụm A. For a THCS-THPT contest its learners are not
    enrolled (they may not take part): neither the summary nor the detail sheets list
    them. For a contest open to GDTX, both count its 3 learners and the 1 who took part."""
    centre = make_unit("school", "Trung tâm GDNN-GDTX Ninh Kiều", parent=tree.cluster_a, code="GDTX1",
                       level="GDNN-GDTX")
    x1 = make_class(centre, "10X1", year=YEAR)
    learners = [make_student(x1, f"Học viên {i}") for i in range(3)]
    login(make_user("department", tree.so))

    def check(contest, centre_listed):
        book = load_workbook(io.BytesIO(fetch_report(
            client, f"/coverage/units/{tree.cluster_a.id}/report.xlsx?contest={contest.id}&detail=1")))
        summary = _values(book.worksheets[0])
        total = next(row for row in summary if row[1] == "Tổng cộng")
        details = book.worksheets[1:]
        students = [row for sheet in details for row in _values(sheet)[2:]]
        assert len(students) == total[2]  # enrolled
        assert sum(1 for row in students if row[3]) == total[3]  # took part
        assert any("GDNN-GDTX" in s.title for s in details) == centre_listed
        assert any(row[1] == "Trung tâm GDNN-GDTX Ninh Kiều" for row in summary) == centre_listed

    check(province.contest, False)
    from app.quiz.contests.services import add_round
    open_to_all = create_contest(None, tree.so, province.contest.bank, code="DVC3", name="Tìm hiểu DVC mở rộng",
                                 school_year=YEAR, levels=("THPT", "GDTX"))
    round_ = add_round(None, open_to_all, name="Vòng 1", opens_at=province.round.opens_at,
                       closes_at=province.round.closes_at, question_count=2, passing_score=50)
    answer_round(learners[0], round_, (True, True), province.early)
    answer_round(province.people["10A1"][0], round_, (True, False), province.early)
    db.session.commit()
    check(open_to_all, True)
