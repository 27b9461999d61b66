"""A whole school's roster exported from the sector database (CSDL ngành GD&ĐT):
title rows, a header merged over two rows, a sheet whose dimension tag says A1:A1,
each Trạng thái, bad rows by number, classes made from the Lớp column, students found
again by the Ministry's code, left students, and the personal number never kept."""
import io
import re
import zipfile
from pathlib import Path
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, inspect, select, text

from app.core.errors import DomainError
from app.core.spreadsheet import read_rows
from app.extensions import db as _db
from app.org import csdl
from app.org.models import LeftReason, SchoolClass, Student
from app.org.roster import commit_roster, generated_code, preview_roster

YEAR = 2026
HEADER = ["STT", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc",
          "Thông tin học tập", None, None, "Số định danh cá nhân"]
SUBHEADER = [None, None, None, None, None, None, "Trạng thái", "Lớp", "Khối", None]
HEADER_ROW = 8  # the second header row: students start on row 9


def pid(n):
    """A 12-digit personal number (số định danh cá nhân) of the test files."""
    return f"0792100{n:05d}"


# (Mã định danh Bộ, Họ và tên, Ngày sinh, Giới tính, Dân tộc, Trạng thái, Lớp, Khối, Số định danh cá nhân)
STUDENTS = [
    ("7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Nữ", "Kinh", "Đang học", "10A1", "10", pid(1)),     # row 9
    ("7901000002", "Trần Văn Bình", datetime(2010, 1, 15), "Nam", "Kinh", "Đang học", "10a2", 10, pid(2)),  # 10
    ("7901000003", "Lê Văn Cường", "01/05/2010", "Nam", "Khmer", "Thôi học", "10A1", 10, pid(3)),      # 11
    ("7901000004", "Phạm Thị Dung", "31/02/2010", "Nữ", "Kinh", "Đang học", "10A1", 10, pid(4)),       # 12 bad date
    ("7901000005", None, "02/02/2010", "Nam", "Kinh", "Đang học", "10A1", 10, pid(5)),                 # 13 no name
    ("7901000006", "Hồ Thị Giang", "03/03/2010", "Nữ", "Kinh", "Chuyển trường", "10A2", 10, pid(6)),   # 14
    ("7901000007", "Võ Văn Hải", "04/04/2009", "Nam", "Hoa", "Bảo lưu", "11A1", 11, pid(7)),          # 15
    ("7901000008", "Đặng Minh Khang", "07/08/2009", "Nam", "Kinh", "Đang học", "Lớp 11A1", "Khối 11", pid(8)),  # 16
    ("7901000009", "Bùi Thị Yến", "09/09/2010", "Nữ", "Kinh", "Nghỉ ốm", "10A2", 10, pid(9)),           # 17 unknown
    ("7901000010", "Ngô Văn Tú", "10/10/2010", "Nam", "Kinh", "Đang học", "10A2", 10, pid(2)),         # 18 same person as 10
]
ERROR_ROWS = {12: "ngày sinh không tồn tại", 13: "thiếu họ và tên", 17: "trạng thái “Nghỉ ốm” không rõ",
              18: "số định danh cá nhân trùng với dòng 10"}


def with_dimension(data, ref):
    """The XLSX with the sheet's <dimension ref> replaced, as some exporters write it."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content)
                assert count == 1
            target.writestr(item, content)
    return out.getvalue()


def export_file(students=STUDENTS, *, year=YEAR, merged=True, dimension="A1:A1"):
    """The sector database's export: title rows, a header over rows 7-8 with merged
    cells (one row, 7, when not `merged`), the students from row 9 (or 8), a footer."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ CẦN THƠ"])
    sheet.append(["TRƯỜNG THPT A"])
    sheet.append([])
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append([f"Năm học {year} - {year + 1}"])
    sheet.append([])
    if merged:
        sheet.append(HEADER)
        sheet.append(SUBHEADER)
        for column in "ABCDEFJ":
            sheet.merge_cells(f"{column}7:{column}8")
        sheet.merge_cells("G7:I7")
    else:
        sheet.append(HEADER[:6] + SUBHEADER[6:9] + HEADER[9:])
    for number, student in enumerate(students, start=1):
        sheet.append([number, *student])
    sheet.append([])
    sheet.append([None, None, "Tổng số: " + str(len(students)) + " học sinh"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    return with_dimension(data, dimension) if dimension else data


@pytest.fixture
def school(tree):
    return tree.school_a


def preview(data, school, **kwargs):
    return csdl.preview_csdl(csdl.read_export(read_rows(data)), school=school, school_year=YEAR, **kwargs)


def commit(data, school):
    counts = csdl.commit_csdl(None, preview(data, school), school=school)
    _db.session.commit()
    return counts


def by_code(db):
    return {s.moet_code or s.code: s for s in db.session.execute(select(Student)).scalars()}


def test_the_file_s_own_dimension_says_one_cell_yet_every_row_is_read():
    data = export_file()
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    assert sheet.calculate_dimension() == "A1:A1"
    assert len(list(sheet.iter_rows(values_only=True))) == 1  # what the dimension alone gives
    rows = read_rows(data)
    assert len(rows) == 8 + len(STUDENTS) + 2
    assert rows[8][1][:4] == [1, "7901000001", "Nguyễn Thị Ánh", "05/09/2010"]


def test_header_found_over_two_merged_rows_below_the_title(school, db):
    export = csdl.read_export(read_rows(export_file()))
    assert export.header_row == HEADER_ROW
    assert export.year == YEAR
    assert set(export.fields) == {"moet_code", "full_name", "birth_date", "gender", "status", "class_name", "grade"}
    assert [number for number, _ in export.records] == list(range(9, 9 + len(STUDENTS)))  # not the footer


@pytest.mark.parametrize("header", [
    ["STT", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Trạng thái", "Lớp"],
    ["stt", "MÃ ĐỊNH DANH BỘ GDĐT", "HỌ VÀ TÊN", "NGÀY SINH", "TRẠNG THÁI", "LỚP"],
    ["STT", "Mã học sinh", "Họ  và  tên ", "Ngày tháng năm sinh", "Trạng thái học sinh", "Lớp"],
    ["STT", "Ma dinh danh Bo GD-DT", "Ho va ten", "Ngay sinh (dd/mm/yyyy)", "Tình trạng", "Tên lớp"],
])
def test_header_names_vary_in_accents_case_and_spacing(header, school, db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append(header)
    sheet.append([1, "7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Đang học", "10A1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = preview(buffer.getvalue(), school)
    assert [(r.code, r.full_name, r.class_name, r.status) for r in result.rows] == [
        ("7901000001", "Nguyễn Thị Ánh", "10A1", "new")]


def test_a_header_on_one_row_and_the_right_dimension_read_the_same(school, db):
    one_row = preview(export_file(merged=False, dimension=None), school)
    two_rows = preview(export_file(), school)
    assert one_row.header_row == 7 and two_rows.header_row == HEADER_ROW
    assert [(r.code, r.status, r.errors) for r in one_row.rows] == [
        (r.code, r.status, [e.replace(str(HEADER_ROW + 2), "9") if "trùng" in e else e for e in r.errors])
        for r in two_rows.rows]


@pytest.mark.parametrize("status, studying, reason", [
    ("Đang học", True, None),
    ("  đang học ", True, None),
    ("ĐANG HỌC", True, None),
    ("", True, None),
    ("Chuyển đến", True, None),
    ("Thôi học", False, LeftReason.DROPPED),
    ("Nghỉ học", False, LeftReason.DROPPED),
    ("Chuyển trường", False, LeftReason.TRANSFERRED),
    ("Chuyển đi", False, LeftReason.TRANSFERRED),
    ("Bảo lưu", False, LeftReason.DEFERRED),
    ("Bảo lưu (ốm dài ngày)", False, LeftReason.DEFERRED),
    ("Đã tốt nghiệp", False, LeftReason.GRADUATED),
])
def test_each_status(status, studying, reason):
    assert csdl.status_of(status) == (studying, reason)


def test_an_unknown_status_is_an_error():
    with pytest.raises(ValueError, match="không rõ"):
        csdl.status_of("Nghỉ ốm")


def test_preview_reports_each_bad_row_by_number_and_writes_nothing(school, db):
    result = preview(export_file(), school)
    errors = {row.number: "; ".join(row.errors) for row in result.error_rows}
    assert set(errors) == set(ERROR_ROWS)
    for number, fragment in ERROR_ROWS.items():
        assert fragment in errors[number], (number, errors[number])
    statuses = {row.number: row.status for row in result.rows}
    # nobody is known yet: the studying ones are new, those who left are skipped
    assert [n for n, s in statuses.items() if s == "new"] == [9, 10, 16]
    assert [n for n, s in statuses.items() if s == "skipped"] == [11, 14, 15]
    assert result.new_classes == [("10A1", 10), ("10A2", 10), ("11A1", 11)]
    rows = {row.number: row for row in result.rows}
    assert rows[10].birth_date == date(2010, 1, 15) and rows[10].class_name == "10A2"
    assert rows[16].class_name == "11A1" and rows[16].grade == 11
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(SchoolClass.id))).scalar_one() == 0


def test_commit_makes_classes_and_students_with_accounts_and_keeps_no_personal_number(school, db):
    counts = commit(export_file(), school)
    assert counts == {"new": 3, "update": 0, "moved": 0, "left": 0, "unchanged": 0, "skipped": 3, "error": 4,
                      "classes": 3}
    classes = {c.name: c.grade for c in db.session.execute(select(SchoolClass)).scalars()}
    assert classes == {"10A1": 10, "10A2": 10, "11A1": 11}
    saved = by_code(db)
    assert set(saved) == {"7901000001", "7901000002", "7901000008"}
    anh = saved["7901000001"]
    assert (anh.code, anh.moet_code, anh.full_name, anh.gender) == ("7901000001", "7901000001", "Nguyễn Thị Ánh", "Nữ")
    assert anh.school_class.name == "10A1" and anh.user.username == "anhnt.ta" and anh.left_at is None
    assert_nowhere_in_database(db, [pid(n) for n in range(1, 11)] + ["Khmer", "Kinh"])


def assert_nowhere_in_database(db, values):
    """No column of any row of any table holds one of the values (as text)."""
    for table in inspect(db.engine).get_table_names():
        for found in db.session.execute(text(f'SELECT * FROM "{table}"')).all():
            cells = " ".join(str(v) for v in found)
            for value in values:
                assert value not in cells, (table, value)


def test_reimporting_the_same_file_changes_nothing(school, db):
    commit(export_file(), school)
    before = {code: (s.updated_at, s.class_id, s.user.username) for code, s in by_code(db).items()}
    again = preview(export_file(), school)
    assert again.changes == 0 and again.new_classes == []
    assert again.count("unchanged") == 3 and again.count("skipped") == 3
    counts = csdl.commit_csdl(None, again, school=school)
    db.session.commit()
    assert counts["classes"] == 0 and counts["new"] == 0
    db.session.expire_all()
    after = {code: (s.updated_at, s.class_id, s.user.username) for code, s in by_code(db).items()}
    assert after == before
    assert db.session.execute(select(func.count(SchoolClass.id))).scalar_one() == 3


def _row(code, name, born, status, class_name, grade=10):
    return (code, name, born, "Nam", "Kinh", status, class_name, grade, None)


def test_a_student_who_changes_class_is_moved(school, db):
    commit(export_file(), school)
    changed = [_row("7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Đang học", "10A2"),
               _row("7901000002", "Trần Văn Bình", "15/01/2010", "Đang học", "10A3"),
               _row("7901000008", "Đặng Minh Khang", "07/08/2009", "Đang học", "11A1", 11)]
    result = preview(export_file(changed), school)
    rows = {row.code: row for row in result.rows}
    assert rows["7901000001"].status == "moved" and "lớp: 10A1 → 10A2" in rows["7901000001"].changes
    assert rows["7901000002"].status == "moved" and rows["7901000002"].new_class
    assert rows["7901000008"].status == "unchanged"
    assert result.new_classes == [("10A3", 10)]
    assert result.count("moved") == 2 and result.count("new") == 0
    commit(export_file(changed), school)
    saved = by_code(db)
    assert saved["7901000001"].school_class.name == "10A2"
    assert saved["7901000002"].school_class.name == "10A3" and saved["7901000002"].school_class.grade == 10
    assert len(saved) == 3


def test_students_who_leave_are_marked_left_and_their_accounts_locked(school, db):
    commit(export_file(), school)
    left = [_row("7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Chuyển trường", "10A1"),
            _row("7901000002", "Trần Văn Bình", "15/01/2010", "Bảo lưu", "10A2"),
            _row("7901000008", "Đặng Minh Khang", "07/08/2009", "Đang học", "11A1", 11)]
    result = preview(export_file(left), school)
    assert result.count("left") == 2 and result.changes == 2
    assert "nghỉ học: Chuyển trường" in result.rows[0].changes
    commit(export_file(left), school)
    saved = by_code(db)
    anh, binh = saved["7901000001"], saved["7901000002"]
    assert anh.has_left and anh.left_reason == LeftReason.TRANSFERRED and anh.left_label == "Chuyển trường"
    assert binh.left_reason == LeftReason.DEFERRED
    assert anh.school_class.name == "10A1"  # kept, with the history
    assert not anh.user.active and not binh.user.active and saved["7901000008"].user.active
    # the same file again: nothing to do; back at school: studying again, account open
    assert preview(export_file(left), school).changes == 0
    back = [_row("7901000002", "Trần Văn Bình", "15/01/2010", "Đang học", "10A2")]
    result = preview(export_file(back), school)
    assert result.rows[0].status == "update" and "đi học lại (trước: Bảo lưu)" in result.rows[0].changes
    commit(export_file(back), school)
    binh = by_code(db)["7901000002"]
    assert not binh.has_left and binh.left_reason is None and binh.user.active


def test_students_imported_before_are_found_by_their_code_or_name_and_birth_date(school, make_class, db, xlsx_bytes):
    """A roster imported before CSDL: one student whose code is the Ministry's, one
    without a code (found as the roster import finds her), one with the school's own
    code (found by name and birth date)."""
    school_class = make_class(school, "10A1", year=YEAR)
    db.session.commit()
    roster = xlsx_bytes([["Họ và tên", "Ngày sinh", "Lớp", "Mã học sinh"],
                         ["Nguyễn Thị Ánh", "05/09/2010", "10A1", "7901000001"],
                         ["Trần Văn Bình", "15/01/2010", "10A1", ""],
                         ["Đặng Minh Khang", "07/08/2009", "10A1", "HS-KHANG"]])
    plain = preview_roster(roster, "", school=school, school_year=YEAR)
    assert plain.count("error") == 1  # Bình has no code: the roster import refuses the row ...
    commit_roster(None, plain, school=school)
    nocode = preview_roster(xlsx_bytes([["Họ và tên", "Ngày sinh"], ["Trần Văn Bình", "15/01/2010"]]), "",
                            school=school, school_year=YEAR, target_class=school_class)
    commit_roster(None, nocode, school=school)  # ... and a file without codes takes her
    db.session.commit()
    ids = {s.full_name: s.id for s in db.session.execute(select(Student)).scalars()}
    assert by_code(db)[generated_code("Trần Văn Bình", date(2010, 1, 15))].id == ids["Trần Văn Bình"]
    rows = [_row("7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Đang học", "10A1"),
            _row("7901000002", "Trần Văn Bình", "15/01/2010", "Đang học", "10A1"),
            _row("7901000008", "Đặng Minh Khang", "07/08/2009", "Đang học", "10A1")]
    result = preview(export_file(rows), school)
    assert [(row.status, row.student.id) for row in result.rows] == [
        ("update", ids[name]) for name in ("Nguyễn Thị Ánh", "Trần Văn Bình", "Đặng Minh Khang")]
    assert all("bổ sung mã định danh Bộ GD&ĐT" in row.changes for row in result.rows)
    assert "nhận ra theo họ tên và ngày sinh (mã cũ HS-KHANG)" in result.rows[2].warnings
    commit(export_file(rows), school)
    saved = {s.full_name: s for s in db.session.execute(select(Student)).scalars()}
    assert len(saved) == 3
    assert {s.moet_code for s in saved.values()} == {"7901000001", "7901000002", "7901000008"}
    assert saved["Đặng Minh Khang"].code == "HS-KHANG"  # the school's code is kept
    assert preview(export_file(rows), school).changes == 0


def test_rows_that_cannot_be_placed_or_identified(school, make_class, make_student, db):
    c11 = make_class(school, "11A1", year=YEAR)
    make_class(school, "TOAN1", grade=11, year=YEAR)
    other = make_student(c11, "Người Khác", code="7901000050")
    other.moet_code = "7901000099"
    db.session.commit()
    rows = [_row("7901000011", "Lý Văn An", "01/01/2010", "Đang học", "9A1", 9),         # 9: not THPT
            _row("7901000012", "Lý Văn Bảo", "01/01/2010", "Đang học", "10A1", 11),       # 10: grade differs
            _row("7901000013", "Lý Văn Cao", "01/01/2010", "Đang học", "toan1", 10),      # 11: TOAN1 is grade 11
            _row("7901000050", "Lý Văn Dũng", "01/01/2010", "Đang học", "10A1"),          # 12: code of another
            _row("7901000015", "Lý Văn Em", "01/01/2010", "Đang học", ""),                # 13: no class
            _row("7901000016", "Lý Văn Phú", "01/01/2010", "Đang học", "ABC", ""),        # 14: grade unknown
            _row("7901000016", "Lý Văn Quý", "01/01/2010", "Đang học", "10A1"),           # 15: same code as 14
            _row("", "Lý Văn Sơn", "01/01/2010", "Đang học", "10A1"),                     # 16: no code: taken
            _row("", "Lý Văn Sơn", "01/01/2010", "Đang học", "10A1")]                     # 17: the same again
    result = preview(export_file(rows, dimension=None), school)
    errors = {row.number: "; ".join(row.errors) for row in result.error_rows}
    assert "không thuộc cấp học của trường" in errors[9]
    assert "khối 11 không khớp với lớp 10A1" in errors[10]
    assert "lớp TOAN1 là lớp khối 11, tệp ghi khối 10" in errors[11]
    assert "mã 7901000050 là mã học sinh của Người Khác" in errors[12]
    assert "thiếu tên lớp" in errors[13]
    assert "không biết lớp “ABC” thuộc khối nào" in errors[14]
    assert "mã định danh 7901000016 trùng với dòng 14" in errors[15]
    assert "trùng họ tên và ngày sinh với dòng 16" in errors[17]
    assert set(errors) == {9, 10, 11, 12, 13, 14, 15, 17}
    assert result.rows[7].status == "new" and result.new_classes == [("10A1", 10)]


def test_a_ministry_code_that_is_the_personal_number_is_refused(school, db):
    rows = [("079210000123", "Lý Thị Mai", "09/10/2010", "Nữ", "Kinh", "Đang học", "10A1", 10, "079210000123")]
    result = preview(export_file(rows), school)
    assert "chứa số định danh cá nhân" in result.rows[0].errors[0]
    assert result.rows[0].code == ""


def test_a_file_of_another_school_year_is_refused(school, db):
    with pytest.raises(DomainError, match="năm học 2025-2026"):
        preview(export_file(year=YEAR - 1), school)


def test_a_plain_roster_is_not_taken_for_an_export():
    workbook = Workbook()
    workbook.active.append(["STT", "Họ và tên", "Ngày sinh", "Lớp", "Mã học sinh", "Khối"])
    workbook.active.append([1, "Nguyễn Văn An", "01/01/2010", "10A1", "A1", 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert csdl.read_export(read_rows(buffer.getvalue())) is None


def test_the_kept_export_reads_back_the_same_without_personal_numbers(school, db):
    export = csdl.read_export(read_rows(export_file()))
    kept = export.to_bytes()
    assert kept.startswith(csdl.Export.MAGIC)
    for n in range(1, 11):
        assert pid(n).encode() not in kept
    assert b"Khmer" not in kept and "Dân tộc".encode() not in kept
    again = csdl.Export.from_bytes(kept)
    assert again == export
    first, second = (csdl.preview_csdl(e, school=school, school_year=YEAR) for e in (export, again))
    assert [(r.number, r.status, r.birth_date, r.errors) for r in first.rows] == \
        [(r.number, r.status, r.birth_date, r.errors) for r in second.rows]
    assert csdl.Export.from_bytes(export_file()) is None


def test_a_class_page_takes_the_rows_of_its_class_only(school, make_class, db):
    target = make_class(school, "10A1", year=YEAR)
    db.session.commit()
    result = preview(export_file(), school, target_class=target, movable_class_ids={target.id})
    rows = {row.number: row for row in result.rows}
    assert rows[9].status == "new" and rows[9].school_class == target
    assert "học sinh lớp 10A2, không phải lớp 10A1" in rows[10].errors[0]
    assert result.new_classes == []


# The web flow and the command line

def _token(page):
    return re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)


def upload(client, url, data, name="danh-sach.xlsx"):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_the_school_roster_page_imports_an_export_after_a_preview(app, school, make_user, login, db, monkeypatch):
    from app.org import views
    monkeypatch.setattr(views, "current_school_year", lambda: YEAR)
    client = login(make_user("school_admin", school))
    url = f"/schools/{school.id}/roster"
    assert "Tệp xuất từ CSDL ngành" in client.get(url).get_data(as_text=True)
    page = upload(client, url, export_file()).get_data(as_text=True)
    assert "Tệp xuất từ CSDL ngành GD&amp;ĐT, năm học 2026-2027; dòng tiêu đề: dòng 8" in page
    assert "<b>Dòng 12</b> (Phạm Thị Dung): ngày sinh không tồn tại" in page
    assert "<b>Dòng 13</b>: thiếu họ và tên" in page
    assert "<b>Dòng 18</b> (Ngô Văn Tú): số định danh cá nhân trùng với dòng 10" in page
    assert "Sẽ tạo 3 lớp mới" in page and "Xác nhận nhập 3 thay đổi" in page
    assert "3 học sinh đã nghỉ chưa có trong danh sách của trường: bỏ qua" in page
    # neither the personal numbers nor the ethnicity are shown, nor kept while the page waits
    assert not re.search(r"\d{12}", page) and "Khmer" not in page
    pending = list((Path(app.config["UPLOAD_DIR"]) / "pending").glob("*.bin"))
    assert len(pending) == 1
    kept = pending[0].read_bytes()
    assert kept.startswith(csdl.Export.MAGIC) and not re.search(rb"\d{12}", kept) and b"Khmer" not in kept
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0

    response = client.post(url, data={"token": _token(page), "action": "commit"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/schools/{school.id}")
    assert not list((Path(app.config["UPLOAD_DIR"]) / "pending").glob("*.bin"))
    page = client.get(f"/schools/{school.id}?year={YEAR}").get_data(as_text=True)
    assert ("Đã nhập danh sách: 3 học sinh mới, 0 cập nhật, 0 chuyển lớp, 0 nghỉ học, 0 không đổi, 3 lớp mới, "
            "3 đã nghỉ không có trong danh sách, bỏ qua 4 dòng lỗi.") in page
    assert all(name in page for name in ("10A1", "10A2", "11A1"))
    assert set(by_code(db)) == {"7901000001", "7901000002", "7901000008"}

    # a year on: Ánh has moved to another school, Bình to 10A1
    later = [_row("7901000001", "Nguyễn Thị Ánh", "05/09/2010", "Chuyển trường", "10A1"),
             _row("7901000002", "Trần Văn Bình", "15/01/2010", "Đang học", "10A1"),
             _row("7901000008", "Đặng Minh Khang", "07/08/2009", "Đang học", "11A1", 11)]
    page = upload(client, url, export_file(later)).get_data(as_text=True)
    stats = dict((label, int(number)) for number, label in
                 re.findall(r'<div class="stat[^"]*"><b>(\d+)</b><span>([^<]+)</span>', page))
    assert stats == {"học sinh mới": 0, "cập nhật": 0, "chuyển lớp": 1, "nghỉ học": 1, "không đổi": 1, "dòng lỗi": 0}
    assert "lớp: 10A2 → 10A1" in page and "nghỉ học: Chuyển trường" in page
    client.post(url, data={"token": _token(page), "action": "commit"})
    saved = by_code(db)
    assert saved["7901000001"].left_reason == LeftReason.TRANSFERRED and not saved["7901000001"].user.active
    assert saved["7901000002"].school_class.name == "10A1"
    page = client.get(f"/classes/{saved['7901000001'].class_id}").get_data(as_text=True)
    assert "Đã nghỉ: Chuyển trường" in page and "1 học sinh" in page and "(và 1 đã nghỉ)" in page
    # nothing of the personal numbers anywhere: rows, accounts, the audit log
    assert_nowhere_in_database(db, [pid(n) for n in range(1, 11)] + ["Khmer"])
    for path in ("/schools/{id}/students", "/schools/{id}"):
        assert not re.search(r"\d{12}", client.get(path.format(id=school.id)).get_data(as_text=True))


def test_the_export_is_refused_on_a_page_of_another_school_year(school, make_user, login, db):
    client = login(make_user("school_admin", school))
    page = upload(client, f"/schools/{school.id}/roster", export_file(year=2019)).get_data(as_text=True)
    assert "Tệp là danh sách năm học 2019-2020" in page
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0


def test_the_command_line_imports_an_export(app, school, db, tmp_path):
    path = tmp_path / "csdl.xlsx"
    path.write_bytes(export_file())
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["org", "import-roster", str(path), "--school", "TA", "--year", str(YEAR), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert ("Kiểm tra (CSDL ngành): 3 mới, 0 cập nhật, 0 chuyển lớp, 0 nghỉ học, 0 không đổi, 3 bỏ qua, 4 lỗi; "
            "lớp mới: 10A1, 10A2, 11A1.") in dry.output
    assert "Dòng 12: ngày sinh không tồn tại" in dry.output
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0
    done = runner.invoke(args=["org", "import-roster", str(path), "--school", "TA", "--year", str(YEAR)])
    assert done.exit_code == 0, done.output
    assert "4 dòng lỗi bỏ qua" in done.output
    assert set(by_code(db)) == {"7901000001", "7901000002", "7901000008"}


def test_an_upload_is_always_read_as_a_spreadsheet(school, make_user, login, db):
    """Only the preview keeps an export as read: a file sent looking like one is not taken for it."""
    client = login(make_user("school_admin", school))
    export = csdl.read_export(read_rows(export_file()))
    page = upload(client, f"/schools/{school.id}/roster", export.to_bytes(), "ds.csv").get_data(as_text=True)
    assert "Không tìm thấy dòng tiêu đề" in page and "Xác nhận" not in page
