"""Class roster import: read a messy school file, preview every row with its
problems by row number, then commit the good rows in one transaction."""
import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from app.accounts.services import ensure_student_accounts
from app.core.errors import DomainError
from app.core.audit import record
from app.core.spreadsheet import cell_text, find_header, header_key, is_blank, read_rows
from app.core.text import fold
from app.core.timeutil import local_today, parse_vn_date
from app.extensions import db
from app.org.models import SchoolClass, Student

ALIASES = {
    "full_name": ["ho va ten", "ho ten", "ho va ten hoc sinh", "ho ten hoc sinh", "ten hoc sinh",
                  "hoc sinh", "ho va ten hs", "ho ten hs"],
    "last_name": ["ho", "ho dem", "ho va ten dem", "ho va dem", "ho va chu dem", "ho lot"],
    "given_name": ["ten"],
    "birth_date": ["ngay sinh", "ngay thang nam sinh", "ngay/thang/nam sinh", "ngay, thang, nam sinh",
                   "ns", "sinh ngay"],
    "gender": ["gioi tinh", "gt", "nam/nu", "nam, nu", "phai"],
    "class_name": ["lop", "ten lop", "lop hoc"],
    # Not "mã định danh cá nhân": the 12-digit personal number is never a student's code
    # (README, "Roster from CSDL ngành").
    "code": ["ma hoc sinh", "ma hs", "ma dinh danh", "ma dinh danh hoc sinh", "ma so hoc sinh",
             "ma so hs", "ma so", "ma", "ma hoc sinh/ma dinh danh", "ma dinh danh bo gd&dt",
             "ma dinh danh bo gddt"],
}
_CLASS_PREFIX = re.compile(r"^(lớp|lop)\s*", re.IGNORECASE)
_GENDERS = {"nam": "Nam", "nu": "Nữ", "m": "Nam", "f": "Nữ", "trai": "Nam", "gai": "Nữ"}


def normalize_class_name(value):
    return _CLASS_PREFIX.sub("", cell_text(value)).replace(" ", "").upper()


@dataclass
class RosterRow:
    number: int
    code: str = ""
    full_name: str = ""
    birth_date: object = None
    gender: object = None
    class_name: str = ""
    school_class: object = None
    student: object = None
    status: str = "new"          # new | update | unchanged | error
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


@dataclass
class RosterPreview:
    rows: list
    header_row: int
    columns: dict
    generated_codes: bool

    def count(self, status):
        return sum(1 for row in self.rows if row.status == status)

    @property
    def good_rows(self):
        return [row for row in self.rows if row.ok]

    @property
    def error_rows(self):
        return [row for row in self.rows if not row.ok]


def gender_of(value, row):
    text = fold(cell_text(value))
    if not text:
        return None
    if text in _GENDERS:
        return _GENDERS[text]
    row.warnings.append(f"giới tính “{cell_text(value)}” không rõ, để trống")
    return None


def name_errors(full_name):
    """What is wrong with a student's name as read from a file (empty: nothing)."""
    if not full_name:
        return ["thiếu họ và tên"]
    if any(ch.isdigit() for ch in full_name):
        return [f"họ và tên có chữ số: “{full_name}”"]
    if len(full_name) > 120:
        return ["họ và tên dài quá 120 ký tự"]
    return []


def birth_date_of(raw, row):
    """The birth date of a cell, or None with the reason in `row.errors`."""
    try:
        born = parse_vn_date(raw)
    except ValueError as exc:
        row.errors.append(str(exc))
        return None
    this_year = local_today().year
    if not this_year - 30 <= born.year <= this_year - 8:
        row.errors.append(f"ngày sinh {born:%d/%m/%Y} không hợp lý với học sinh")
    return born


def generated_code(full_name, birth_date):
    """Schools without a code column: a stable code from name and birth date, so that
    importing the same file again finds the same students."""
    digest = hashlib.sha1(f"{fold(full_name)}|{birth_date.isoformat()}".encode()).hexdigest()[:10]
    return f"TD-{digest.upper()}"


def preview_roster(data, filename, *, school, school_year, target_class=None, movable_class_ids=None, rows=None):
    """Read the file and decide, for each row, what the import would do and why a row
    cannot be taken. Touches nothing in the database.

    target_class: the class page the import was started from; rows without a class go there.
    movable_class_ids: classes a student may be moved out of (None: any of the school).
    rows: the file already read (`read_rows`), if it was."""
    rows = read_rows(data, filename) if rows is None else rows
    header_row, columns = find_header(rows, ALIASES, needed=("full_name", "given_name"))
    if header_row is None:
        raise DomainError("Không tìm thấy dòng tiêu đề: tệp cần có cột “Họ và tên” (hoặc “Họ” và "
                          "“Tên”) và ít nhất một cột khác như “Ngày sinh”, “Lớp”, “Mã học sinh”.")
    if "birth_date" not in columns:
        raise DomainError(f"Dòng tiêu đề {header_row} không có cột “Ngày sinh”.")
    if "class_name" not in columns and target_class is None:
        raise DomainError("Tệp không có cột “Lớp”: hãy nhập danh sách từ trang của lớp đó.")
    classes = {c.name: c for c in db.session.execute(
        select(SchoolClass).where(SchoolClass.school_id == school.id,
                                  SchoolClass.school_year == school_year)).scalars()}
    generated = "code" not in columns

    def get(values, name):
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    parsed, seen_codes = [], {}
    for number, values in rows:
        if number <= header_row or is_blank(values):
            continue
        if header_key(get(values, "full_name") or get(values, "given_name")) in (
                "ho va ten", "ho ten", "ten"):
            continue  # the header repeated on a printed page
        row = RosterRow(number=number)
        if "full_name" in columns:
            row.full_name = cell_text(get(values, "full_name"))
        else:
            row.full_name = cell_text(f"{cell_text(get(values, 'last_name'))} {cell_text(get(values, 'given_name'))}")
        raw_date = get(values, "birth_date")
        row.code = cell_text(get(values, "code"))
        row.class_name = normalize_class_name(get(values, "class_name"))
        if not (row.full_name or row.code or cell_text(raw_date)):
            continue  # a footer line (totals, signatures), not a student
        row.errors += name_errors(row.full_name)
        row.birth_date = birth_date_of(raw_date, row)
        row.gender = gender_of(get(values, "gender"), row)
        if generated:
            if row.full_name and row.birth_date:
                row.code = generated_code(row.full_name, row.birth_date)
        elif not row.code:
            row.errors.append("thiếu mã học sinh")
        elif len(row.code) > 32:
            row.errors.append("mã học sinh dài quá 32 ký tự")
        if row.code:
            if row.code in seen_codes:
                row.errors.append(f"mã học sinh {row.code} trùng với dòng {seen_codes[row.code]}")
            else:
                seen_codes[row.code] = number
        if row.class_name:
            row.school_class = classes.get(row.class_name)
            if row.school_class is None:
                row.errors.append(f"không có lớp “{row.class_name}” trong năm học "
                                  f"{school_year}-{school_year + 1} của trường")
            elif target_class is not None and row.school_class.id != target_class.id:
                row.errors.append(f"học sinh lớp {row.class_name}, không phải lớp {target_class.name}")
        else:
            row.school_class = target_class
            if target_class is None:
                row.errors.append("thiếu tên lớp")
        parsed.append(row)
    if not parsed:
        raise DomainError(f"Không có dòng học sinh nào dưới dòng tiêu đề {header_row}.")
    _compare_with_database(parsed, school, movable_class_ids)
    return RosterPreview(rows=parsed, header_row=header_row, columns=columns, generated_codes=generated)


def _compare_with_database(rows, school, movable_class_ids):
    codes = [row.code for row in rows if row.code]
    existing = {}
    for start in range(0, len(codes), 500):
        for student in db.session.execute(select(Student).where(
                Student.school_id == school.id, Student.code.in_(codes[start:start + 500]))).scalars():
            existing[student.code] = student
    for row in rows:
        student = existing.get(row.code)
        if student is None:
            row.status = "error" if row.errors else "new"
            continue
        row.student = student
        if row.ok and row.school_class and student.class_id != row.school_class.id:
            if movable_class_ids is not None and student.class_id not in movable_class_ids:
                old = student.school_class.name if student.school_class else "khác"
                row.errors.append(f"mã {row.code} là học sinh lớp {old}; nhờ quản trị trường chuyển lớp")
        if row.errors:
            row.status = "error"
            continue
        if student.has_left:
            # Only the sector database's export (app/org/csdl.py), which says so, brings a student back.
            row.warnings.append(f"học sinh đã nghỉ ({student.left_label}): vẫn giữ trạng thái đã nghỉ")
        if student.full_name != row.full_name:
            row.changes.append(f"họ tên: {student.full_name} → {row.full_name}")
        if student.birth_date != row.birth_date:
            row.changes.append("ngày sinh: "
                               f"{student.birth_date:%d/%m/%Y} → {row.birth_date:%d/%m/%Y}"
                               if student.birth_date else "bổ sung ngày sinh")
        if row.gender and student.gender != row.gender:
            row.changes.append(f"giới tính: {student.gender or '—'} → {row.gender}")
        if student.class_id != row.school_class.id:
            old = student.school_class.name if student.school_class else "—"
            row.changes.append(f"lớp: {old} → {row.school_class.name}")
        row.status = "update" if row.changes else "unchanged"


def commit_roster(actor, preview, *, school):
    """Write every good row in the caller's transaction (the caller commits once).
    New students get accounts. Returns counts by status."""
    created = []
    for row in preview.good_rows:
        if row.status == "unchanged":
            continue
        student = row.student
        if student is None:
            student = Student(school_id=school.id, code=row.code)
            db.session.add(student)
            created.append(student)
        student.set_name(row.full_name)
        student.birth_date = row.birth_date
        if row.gender:
            student.gender = row.gender
        student.class_id = row.school_class.id
    db.session.flush()
    ensure_student_accounts(actor, created, school)
    counts = {status: preview.count(status) for status in ("new", "update", "unchanged", "error")}
    class_names = sorted({row.school_class.name for row in preview.good_rows if row.school_class})
    record(actor, "import", "roster", None, school.id,
           f"Nhập danh sách lớp {', '.join(class_names)}: {counts['new']} mới, {counts['update']} cập nhật, "
           f"{counts['unchanged']} không đổi, {counts['error']} dòng lỗi bỏ qua")
    return counts
