import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from app.core.errors import DomainError
from app.org.models import Student
from app.org.roster import commit_roster, preview_roster


@pytest.fixture
def school(tree):
    return tree.school_a


@pytest.fixture
def class_10a1(school, make_class, db):
    school_class = make_class(school, "10A1")
    make_class(school, "10A2")
    db.session.commit()
    return school_class


def preview(data, school, school_class, target=None):
    return preview_roster(data, "", school=school, school_year=school_class.school_year, target_class=target)


def students(db):
    return {s.code: s for s in db.session.execute(select(Student)).scalars()}


def test_messy_file_preview_reports_each_problem_by_row_number(school, class_10a1, db, MESSY_ERROR_ROWS, MESSY_GOOD_CODES, messy_class_roster):
    result = preview(messy_class_roster(), school, class_10a1)
    assert result.header_row == 6
    errors = {row.number: "; ".join(row.errors) for row in result.error_rows}
    assert set(errors) == set(MESSY_ERROR_ROWS)
    for number, fragment in MESSY_ERROR_ROWS.items():
        assert fragment in errors[number], (number, errors[number])
    assert {row.code for row in result.good_rows} == MESSY_GOOD_CODES
    assert result.count("new") == 4
    # the footer and empty rows are not students
    assert all(row.number not in (9, 16, 17) for row in result.rows)
    # preview writes nothing
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0


def test_messy_file_values_are_cleaned(school, class_10a1, db, messy_class_roster):
    result = preview(messy_class_roster(), school, class_10a1)
    rows = {row.code: row for row in result.good_rows}
    assert rows["7900000001"].full_name == "Nguyễn Thị Ánh"  # NFC, trimmed
    assert rows["7900000001"].birth_date == date(2010, 9, 5)
    assert rows["7900000002"].birth_date == date(2010, 1, 15)
    assert rows["7900000003"].birth_date == date(2010, 5, 1)  # Excel serial 40300
    assert rows["7900000003"].gender == "Nam"
    assert rows["7900000008"].full_name == "Đặng Minh Khang"
    assert rows["7900000008"].birth_date == date(2010, 8, 7)
    assert all(row.school_class.id == class_10a1.id for row in result.good_rows)


def test_commit_takes_good_rows_and_gives_accounts(school, class_10a1, db, MESSY_GOOD_CODES, messy_class_roster):
    counts = commit_roster(None, preview(messy_class_roster(), school, class_10a1), school=school)
    db.session.commit()
    assert counts == {"new": 4, "update": 0, "unchanged": 0, "error": 4}
    saved = students(db)
    assert set(saved) == MESSY_GOOD_CODES
    anh = saved["7900000001"]
    assert anh.full_name == "Nguyễn Thị Ánh" and anh.search_name == "nguyen thi anh"
    assert anh.user is not None and anh.user.username == "anhnt.ta"
    assert anh.user.must_change_password


def test_importing_the_same_file_again_changes_nothing(school, class_10a1, db, messy_class_roster):
    commit_roster(None, preview(messy_class_roster(), school, class_10a1), school=school)
    db.session.commit()
    before = {code: (s.updated_at, s.full_name, s.user.username) for code, s in students(db).items()}
    again = preview(messy_class_roster(), school, class_10a1)
    assert again.count("unchanged") == 4 and again.count("new") == 0 and again.count("update") == 0
    commit_roster(None, again, school=school)
    db.session.commit()
    db.session.expire_all()
    after = {code: (s.updated_at, s.full_name, s.user.username) for code, s in students(db).items()}
    assert after == before


def test_updated_file_updates_students_by_code(school, class_10a1, db, messy_class_roster, xlsx_bytes):
    commit_roster(None, preview(messy_class_roster(), school, class_10a1), school=school)
    db.session.commit()
    updated = xlsx_bytes([
        ["Họ tên", "Ngày sinh", "Lớp", "Mã HS"],
        ["Nguyễn Thị Ngọc Ánh", "05/09/2010", "10A1", "7900000001"],   # name corrected
        ["Trần Văn Bình", "15/01/2010", "10A2", "7900000002"],         # moved to 10A2
        ["Lê Đức", "01/05/2010", "10A1", "7900000003"],                # unchanged
    ])
    result = preview(updated, school, class_10a1)
    by_code = {row.code: row for row in result.rows}
    assert by_code["7900000001"].status == "update"
    assert by_code["7900000002"].status == "update" and "lớp: 10A1 → 10A2" in by_code["7900000002"].changes
    assert by_code["7900000003"].status == "unchanged"
    commit_roster(None, result, school=school)
    db.session.commit()
    saved = students(db)
    assert len(saved) == 4
    assert saved["7900000001"].full_name == "Nguyễn Thị Ngọc Ánh"
    assert saved["7900000002"].school_class.name == "10A2"


@pytest.mark.parametrize("header", ["Họ và tên", "Họ tên", "HỌ VÀ TÊN", unicodedata.normalize("NFD", "Họ và tên"),
                                    "Họ và tên học sinh"])
def test_header_names_vary(header, school, class_10a1, TITLE_BLOCK, xlsx_bytes):
    data = xlsx_bytes(TITLE_BLOCK + [["STT", header, "Ngày sinh", "Mã định danh"],
                                     [1, "Bùi Thị Yến", "02/02/2010", "ID1"]])
    result = preview(data, school, class_10a1, target=class_10a1)
    assert [row.full_name for row in result.good_rows] == ["Bùi Thị Yến"]


def test_split_family_and_given_name_columns(school, class_10a1, xlsx_bytes):
    data = xlsx_bytes([["TT", "Họ và tên đệm", "Tên", "Ngày sinh", "Mã học sinh"],
                       [1, "Nguyễn Văn", "An", "01/01/2010", "A1"]])
    result = preview(data, school, class_10a1, target=class_10a1)
    assert result.good_rows[0].full_name == "Nguyễn Văn An"


def test_csv_with_bom_and_semicolons(school, class_10a1):
    text = "\ufeffSTT;Họ và tên;Ngày sinh;Lớp;Mã học sinh\r\n1;Lý Thị Mai ;09/10/2010;10A1;C1\r\n;;;;\r\n"
    result = preview(text.encode("utf-8"), school, class_10a1)
    assert [(r.full_name, r.birth_date) for r in result.good_rows] == [("Lý Thị Mai", date(2010, 10, 9))]


def test_file_without_class_column_goes_to_the_target_class_only(school, class_10a1, xlsx_bytes):
    data = xlsx_bytes([["Họ và tên", "Ngày sinh", "Mã học sinh"], ["Ngô Văn Tú", "01/01/2010", "X1"]])
    with pytest.raises(DomainError, match="không có cột “Lớp”"):
        preview(data, school, class_10a1, target=None)
    assert preview(data, school, class_10a1, target=class_10a1).good_rows[0].school_class == class_10a1


def test_rows_of_another_class_are_refused_on_a_class_import(school, class_10a1, xlsx_bytes):
    data = xlsx_bytes([["Họ và tên", "Ngày sinh", "Lớp", "Mã"], ["Ngô Văn Tú", "01/01/2010", "10A2", "X1"]])
    result = preview(data, school, class_10a1, target=class_10a1)
    assert "không phải lớp 10A1" in result.error_rows[0].errors[0]


def test_file_without_codes_recognises_students_on_reimport(school, class_10a1, db, xlsx_bytes):
    data = xlsx_bytes([["Họ và tên", "Ngày sinh"], ["Ngô Văn Tú", "01/01/2010"], ["Ngô Văn Tú", "02/02/2010"]])
    commit_roster(None, preview(data, school, class_10a1, target=class_10a1), school=school)
    db.session.commit()
    again = preview(data, school, class_10a1, target=class_10a1)
    assert again.count("unchanged") == 2
    assert len(students(db)) == 2


@pytest.fixture
def data(request, xlsx_bytes):
    """The file of a parametrized case: bytes as given, rows written as an XLSX."""
    return request.param if isinstance(request.param, bytes) else xlsx_bytes(request.param)


@pytest.mark.parametrize("data, message", [
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "97-2003"),
    (b"PK\x03\x04not really a zip", "Không đọc được tệp XLSX"),
    ([["a", "b"], [1, 2]], "Không tìm thấy dòng tiêu đề"),
    ([["Họ và tên", "Lớp"], ["A B", "10A1"]], "không có cột “Ngày sinh”"),
], indirect=["data"])
def test_unreadable_files_get_a_clear_message(data, message, school, class_10a1):
    with pytest.raises(DomainError, match=message):
        preview(data, school, class_10a1)
