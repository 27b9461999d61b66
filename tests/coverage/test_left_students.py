"""Students who left the school (Trạng thái other than "Đang học" in the sector
database's export) count nowhere in coverage: not enrolled, not participants, not on
a class's list, not in the weekly chart nor the report's list of students. The
province and its hand counts are in tests/plugins/province.py."""
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.core.spreadsheet import read_rows
from app.coverage.rollup import Selection, figures
from app.org import csdl
from app.org.models import SchoolClass, Unit


def export_of(rows, year):
    """An export of the sector database (CSDL ngành) for school A: title rows, header, rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TRƯỜNG THPT A"])
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append([f"Năm học {year}-{year + 1}"])
    sheet.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Trạng thái", "Lớp", "Khối"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def leave(school, students_and_status, year, db):
    """Import an export in which these students of the province have left."""
    rows = [(s.code, s.full_name, s.birth_date.strftime("%d/%m/%Y"), "Nam", status, s.school_class.name,
             s.school_class.grade) for s, status in students_and_status]
    preview = csdl.preview_csdl(csdl.read_export(read_rows(export_of(rows, year))), school=school, school_year=year)
    assert preview.count("left") == len(rows) and not preview.error_rows
    csdl.commit_csdl(None, preview, school=school)
    db.session.commit()


def _weekly_total(html):
    match = re.search(r"Cộng dồn đến tuần cuối: ([\d.]+)", html)
    return int(match.group(1).replace(".", "")) if match else 0


def test_a_student_who_left_is_no_longer_counted(client, login, make_user, tree, province, db, YEAR, fetch_report):
    """School A: 6 enrolled, 3 participants, 4 attempts, 3 passed. Its first 10A1
    student (a participant at 100 %) moves to another school, and its first 11A1
    student (who never took part) drops out: 4 enrolled, 2 participants, 3 attempts,
    2 passed, mean (50 + 100) / 2."""
    gone, dropped = province.people["10A1"][0], province.people["11A1"][0]
    gone.set_name("Nguyễn Văn Đi")  # a name as the sector database has it (no digits)
    dropped.set_name("Trần Thị Nghỉ")
    db.session.commit()
    selection = Selection(YEAR, province.contest)
    before = figures(selection, SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (before.enrolled, before.participants, before.attempts, before.passed) == (6, 3, 4, 3)
    login(make_user("school_admin", tree.school_a))
    args = f"?contest={province.contest.id}"
    assert _weekly_total(client.get(f"/coverage/units/{tree.school_a.id}{args}").get_data(as_text=True)) == 3

    leave(tree.school_a, [(gone, "Chuyển trường"), (dropped, "Thôi học")], YEAR, db)

    a = figures(selection, SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (a.enrolled, a.participants, a.takers, a.attempts, a.passed) == (4, 2, 2, 3, 2)
    assert a.mean == 75 and a.grades == {10: [3, 2], 11: [1, 0]}
    # the other schools are as they were
    b = figures(selection, SchoolClass.school_id, select(Unit.id))[tree.school_b.id]
    assert (b.enrolled, b.participants) == (5, 1)
    html = client.get(f"/coverage/units/{tree.school_a.id}{args}").get_data(as_text=True)
    assert _weekly_total(html) == 2
    page = client.get(f"/coverage/classes/{province.classes['10A1'].id}{args}").get_data(as_text=True)
    assert gone.full_name not in page and province.people["10A1"][1].full_name in page
    page = client.get(f"/coverage/classes/{province.classes['11A1'].id}{args}").get_data(as_text=True)
    assert dropped.full_name not in page
    workbook = load_workbook(io.BytesIO(fetch_report(client, f"/coverage/units/{tree.school_a.id}/report.xlsx"
                                                     f"{args}&detail=1")))
    cells = repr([list(r) for s in workbook.worksheets for r in s.iter_rows(values_only=True)])
    assert gone.full_name not in cells and dropped.full_name not in cells
    assert province.people["10A1"][1].full_name in cells
    # the school's class list still shows them, marked
    page = client.get(f"/classes/{province.classes['10A1'].id}").get_data(as_text=True)
    assert gone.full_name in page and "Đã nghỉ: Chuyển trường" in page and "3 học sinh" in page
