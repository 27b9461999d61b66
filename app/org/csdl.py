"""A whole school's roster as the education sector database (CSDL ngành GD&ĐT) exports
it: a few title rows (the school, "DANH SÁCH HỌC SINH", the school year), a header
found by its column names (one row, or two when cells are merged over a group of
columns: STT, Mã định danh Bộ GD&ĐT or Mã học sinh, Họ và tên, Ngày sinh, Giới tính,
Dân tộc, Trạng thái, Lớp, Khối, Số định danh cá nhân), then a row per student.

`read_export` turns the rows into an `Export` that keeps only what the import uses:
the personal number (số định danh cá nhân, 12 digits) is replaced, in memory, by a
token that only says which rows share one, and the ethnicity (dân tộc) is not read;
the web flow keeps this `Export` (`to_bytes`) between preview and confirmation, never
the uploaded file. `preview_csdl` decides per row, as `roster.preview_roster` does
(same row errors by number, same rule: the good rows are written, the others shown
and skipped): new, update, moved (another class), left (Trạng thái other than "Đang
học": the student stays, with their history, but is no longer counted and cannot log
in), unchanged, skipped (left, and not known here). Classes are created from the
Lớp column. Students are found again by the Ministry's code, then as the roster
import finds them (its code, or name and birth date)."""
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.accounts.services import ensure_student_accounts, set_active
from app.core.audit import record
from app.core.errors import DomainError
from app.core.spreadsheet import HEADER_SEARCH_ROWS, cell_text, header_key, is_blank
from app.core.text import fold
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import SCHOOL_LEVELS, LeftReason, SchoolClass, Student
from app.org.roster import ALIASES as ROSTER_ALIASES
from app.org.roster import birth_date_of, gender_of, generated_code, name_errors, normalize_class_name
from app.org.services import create_class


def column_key(value):
    """A header cell as the aliases below are written: folded, without notes in
    brackets, and '&', '/', '-', ',' read as spaces ('Mã định danh Bộ GD&ĐT' ->
    'ma dinh danh bo gd dt')."""
    return " ".join(re.sub(r"[&/,;\-–_+]", " ", header_key(value)).split())


_FIELDS = {
    # the Ministry's code named as such (its presence says the file is the sector database's)
    "moet_code": ["ma dinh danh bo gd dt", "ma dinh danh bo gddt", "ma dinh danh bo", "ma dinh danh cua bo gd dt",
                  "ma dinh danh bgd dt", "ma dinh danh bgddt", "ma dinh danh bo giao duc va dao tao",
                  "ma dinh danh csdl nganh", "ma bo gd dt", "ma dinh danh bo gd"],
    "code": ["ma hoc sinh", "ma hs", "ma dinh danh", "ma dinh danh hoc sinh", "ma so hoc sinh", "ma so hs",
             "ma hoc sinh ma dinh danh"],
    "full_name": ROSTER_ALIASES["full_name"],
    "last_name": ROSTER_ALIASES["last_name"],
    "given_name": ROSTER_ALIASES["given_name"],
    "birth_date": ROSTER_ALIASES["birth_date"],
    "gender": ROSTER_ALIASES["gender"],
    "class_name": ["lop", "ten lop", "lop hoc", "lop hien tai", "lop dang hoc"],
    "grade": ["khoi", "khoi lop", "khoi hoc"],
    "status": ["trang thai", "trang thai hoc sinh", "trang thai hs", "trang thai hoc tap", "tinh trang",
               "tinh trang hoc tap", "tinh trang hoc sinh"],
    # read only to tell which rows are the same person, never kept (see the module's docstring)
    "personal_id": ["so dinh danh ca nhan", "ma dinh danh ca nhan", "so dinh danh", "so dinh danh cong dan",
                    "so cccd", "cccd", "so can cuoc", "so can cuoc cong dan", "can cuoc cong dan", "so cmnd cccd",
                    "cmnd cccd", "so cccd dinh danh ca nhan", "so cmnd", "cmnd"],
    # sensitive (ethnic origin) and of no use here: recognised so that it is never read
    "ethnicity": ["dan toc"],
}
_LOOKUP = {column_key(alias): name for name, aliases in _FIELDS.items() for alias in aliases}
_MARKS = ("moet_code", "status", "personal_id")  # any of these: an export of the sector database
_NUMBERING = re.compile(r"^\(?\d{1,3}\)?$")  # the "(1) (2) (3)" row some forms put under the header
_YEAR = re.compile(r"nam hoc\s*:?\s*(\d{4})\s*[-–/]\s*(\d{4})")

# Trạng thái, folded: studying, or why not. An empty cell reads as studying.
STUDYING = ("dang hoc", "chuyen den", "moi chuyen den", "hoc sinh dang hoc", "dang di hoc")
LEFT_WORDS = (
    (("thoi hoc", "nghi hoc", "bo hoc", "da nghi hoc", "da thoi hoc"), LeftReason.DROPPED),
    (("chuyen truong", "chuyen di", "da chuyen truong", "da chuyen di", "chuyen truong di"), LeftReason.TRANSFERRED),
    (("bao luu", "tam nghi", "tam nghi hoc", "dang bao luu", "bao luu ket qua"), LeftReason.DEFERRED),
    (("tot nghiep", "da tot nghiep", "hoan thanh chuong trinh"), LeftReason.GRADUATED),
)
_LEFT = {words: reason for group, reason in LEFT_WORDS for words in group}
STATUS_HINT = "Đang học, Thôi học, Chuyển trường, Bảo lưu, Đã tốt nghiệp"


def status_of(text):
    """(studying, left reason) of a Trạng thái; raises ValueError for one not known."""
    folded = " ".join(fold(re.sub(r"\(.*?\)", " ", text or "")).replace("-", " ").split())
    if not folded or folded in STUDYING:
        return True, None
    if folded in _LEFT:
        return False, _LEFT[folded]
    raise ValueError(f"trạng thái “{text}” không rõ ({STATUS_HINT})")


# Reading ------------------------------------------------------------------------------

def _columns(values):
    columns = {}
    for index, value in enumerate(values):
        name = _LOOKUP.get(column_key(value))
        if name and name not in columns:
            columns[name] = index
    return columns


def _is_header(columns):
    return ("full_name" in columns or "given_name" in columns) and len(columns) >= 3


def find_header(rows):
    """(last header row number, {field: column}) or (None, {}). A header may take two
    rows when cells are merged: a group name over several columns on the first row
    (its other cells empty) and the names under it on the second, which win."""
    head = rows[:HEADER_SEARCH_ROWS + 1]
    for position, (number, values) in enumerate(head[:HEADER_SEARCH_ROWS]):
        columns = _columns(values)
        if not columns:
            continue
        below = head[position + 1] if position + 1 < len(head) else None
        more = _columns(below[1]) if below is not None and len(columns) >= 2 else {}
        if more:
            under = below[1]

            def empty_under(index):
                return index >= len(under) or not cell_text(under[index])

            name_column = columns.get("full_name", columns.get("given_name"))
            # The row under is a second header row, not the first student, when the name
            # column there is empty (merged down) or itself a header; a name kept from the
            # first row is one whose cell below is empty (merged down).
            if name_column is None or empty_under(name_column) or name_column in more.values():
                merged = {name: index for name, index in columns.items() if empty_under(index)}
                for name, index in more.items():
                    merged.setdefault(name, index)
                if _is_header(merged):
                    return below[0], merged
        if _is_header(columns):
            return number, columns
    return None, {}


@dataclass
class Export:
    """What the import uses of an export, per row: no personal number, no ethnicity."""
    header_row: int
    fields: list
    year: int | None
    records: list  # [(row number, {field: text, "birth": tagged value, "person": token})]

    MAGIC = b'{"csdl_export": 1,'

    def to_bytes(self):
        return json.dumps({"csdl_export": 1, "header_row": self.header_row, "fields": self.fields,
                           "year": self.year, "records": self.records}, ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, data):
        """The Export kept by `to_bytes`, or None for other bytes (an uploaded file)."""
        if not data.startswith(cls.MAGIC):
            return None
        kept = json.loads(data.decode())
        return cls(kept["header_row"], kept["fields"], kept["year"],
                   [(number, values) for number, values in kept["records"]])


def _tagged(value):
    """A birth date cell kept as JSON (read back by `_untagged` as the same cell)."""
    if isinstance(value, datetime):
        return ["d", value.date().isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ["n", value]
    return ["t", cell_text(value)]


def _untagged(tagged):
    kind, value = tagged
    if kind == "d":
        return date.fromisoformat(value)
    return value


def _year_in_titles(rows, header_row):
    for number, values in rows:
        if number >= header_row:
            break
        match = _YEAR.search(fold(" ".join(cell_text(v) for v in values)))
        if match and int(match.group(2)) == int(match.group(1)) + 1:
            return int(match.group(1))
    return None


def read_export(rows):
    """The Export of a file's rows (`read_rows`), or None when the file is not one of
    the sector database's (its header has none of Trạng thái, Mã định danh Bộ GD&ĐT,
    Số định danh cá nhân)."""
    header_row, columns = find_header(rows)
    if header_row is None or not any(mark in columns for mark in _MARKS):
        return None
    if "birth_date" not in columns:
        raise DomainError(f"Dòng tiêu đề {header_row} không có cột “Ngày sinh”.")

    def get(values, name):
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    code_field = "moet_code" if "moet_code" in columns else "code"
    people, records = {}, []
    for number, values in rows:
        if number <= header_row or is_blank(values):
            continue
        if all(_NUMBERING.match(cell_text(v)) for v in values if cell_text(v)):
            continue  # the column numbers under the header
        if "full_name" in columns:
            full_name = cell_text(get(values, "full_name"))
        else:
            full_name = cell_text(f"{cell_text(get(values, 'last_name'))} {cell_text(get(values, 'given_name'))}")
        if header_key(full_name) in ("ho va ten", "ho ten", "ten"):
            continue  # the header repeated on a printed page
        code = "".join(cell_text(get(values, code_field)).split())
        raw_date = get(values, "birth_date")
        if not (code or cell_text(raw_date) or cell_text(get(values, "class_name")) or cell_text(get(values, "status"))):
            continue  # a footer line (totals, signatures), not a student
        record_ = {"full_name": full_name, "code": code, "birth": _tagged(raw_date),
                   "gender": cell_text(get(values, "gender")), "class_name": cell_text(get(values, "class_name")),
                   "grade": cell_text(get(values, "grade")), "status": cell_text(get(values, "status"))}
        personal = re.sub(r"\D", "", cell_text(get(values, "personal_id")))
        if personal:
            record_["person"] = people.setdefault(personal, f"p{len(people) + 1}")
            if code and re.sub(r"\D", "", code) == personal:
                record_["code"], record_["code_is_personal"] = "", True
        records.append((number, record_))
    if not records:
        raise DomainError(f"Không có dòng học sinh nào dưới dòng tiêu đề {header_row}.")
    fields = sorted(name for name in columns if name not in ("personal_id", "ethnicity"))
    return Export(header_row, fields, _year_in_titles(rows, header_row), records)


# Preview ------------------------------------------------------------------------------

@dataclass
class CsdlRow:
    number: int
    code: str = ""
    full_name: str = ""
    birth_date: object = None
    gender: object = None
    class_name: str = ""
    grade: int | None = None
    status_text: str = ""
    left_reason: str | None = None
    school_class: object = None
    new_class: bool = False
    student: object = None
    status: str = "new"  # new | update | moved | left | unchanged | skipped | error
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def studying(self):
        return self.left_reason is None

    @property
    def status_label(self):
        return LeftReason.label_of(self.left_reason) if self.left_reason else "Đang học"


STATUSES = ("new", "update", "moved", "left", "unchanged", "skipped", "error")


@dataclass
class CsdlPreview:
    rows: list
    header_row: int
    school_year: int
    new_classes: list  # [(name, grade)] the good rows need
    absent: int  # students studying in the school year's classes whom the file does not list
    export: Export
    kind: str = "csdl"

    def count(self, status):
        return sum(1 for row in self.rows if row.status == status)

    @property
    def good_rows(self):
        return [row for row in self.rows if row.ok]

    @property
    def error_rows(self):
        return [row for row in self.rows if not row.ok]

    @property
    def changes(self):
        return sum(self.count(status) for status in ("new", "update", "moved", "left"))


def _grade_of(row, grade_text):
    """The class's grade: the Khối column, else the number the class name starts with."""
    from_name = re.match(r"\d+", row.class_name)
    from_name = int(from_name.group()) if from_name else None
    digits = re.search(r"\d+", grade_text or "")
    grade = int(digits.group()) if digits else None
    if grade_text and grade is None:
        row.errors.append(f"khối “{grade_text}” không rõ")
    if grade is not None and from_name is not None and grade != from_name:
        row.errors.append(f"khối {grade} không khớp với lớp {row.class_name}")
    return grade if grade is not None else from_name


def preview_csdl(export, *, school, school_year, target_class=None, movable_class_ids=None):
    """What importing the export would do, row by row. Touches nothing.

    target_class: the class page the import was started from (only its rows; no class
    is created); movable_class_ids: classes a student may be taken out of (None: any)."""
    if export.year is not None and export.year != school_year:
        raise DomainError(f"Tệp là danh sách năm học {export.year}-{export.year + 1}; trang này nhập cho năm học "
                          f"{school_year}-{school_year + 1}.")
    if "class_name" not in export.fields and target_class is None:
        raise DomainError("Tệp không có cột “Lớp”: hãy xuất lại từ CSDL ngành với cột Lớp.")
    classes = {c.name: c for c in db.session.execute(
        select(SchoolClass).where(SchoolClass.school_id == school.id,
                                  SchoolClass.school_year == school_year)).scalars()}
    grades = SCHOOL_LEVELS[school.level]
    planned, seen_codes, seen_people, rows = {}, {}, {}, []
    for number, values in export.records:
        row = CsdlRow(number=number, code=values["code"], full_name=values["full_name"],
                      status_text=values["status"])
        row.errors += name_errors(row.full_name)
        row.birth_date = birth_date_of(_untagged(values["birth"]), row)
        row.gender = gender_of(values["gender"], row)
        try:
            studying, row.left_reason = status_of(row.status_text)
        except ValueError as exc:
            row.errors.append(str(exc))
        if values.get("code_is_personal"):
            row.errors.append("cột mã định danh Bộ GD&ĐT chứa số định danh cá nhân: không nhận số này")
        if len(row.code) > 32:
            row.errors.append("mã định danh dài quá 32 ký tự")
        elif row.code:
            if row.code in seen_codes:
                row.errors.append(f"mã định danh {row.code} trùng với dòng {seen_codes[row.code]}")
            else:
                seen_codes[row.code] = number
        person = values.get("person")
        if person:
            if person in seen_people:
                row.errors.append(f"số định danh cá nhân trùng với dòng {seen_people[person]}")
            else:
                seen_people[person] = number
        _place(row, values, classes, planned, grades, school, school_year, target_class)
        rows.append(row)
    _compare_with_database(rows, school, school_year, movable_class_ids)
    new_codes = {}  # two new students without a code, of the same name and birth date
    for row in rows:
        if row.status == "new":
            code = row.code or generated_code(row.full_name, row.birth_date)
            if code in new_codes:
                row.errors.append(f"trùng họ tên và ngày sinh với dòng {new_codes[code]}, không có mã định danh")
                row.status = "error"
            else:
                new_codes[code] = row.number
    needed = {row.class_name for row in rows if row.ok and row.new_class and row.status in ("new", "update", "moved")}
    for row in rows:
        if row.new_class and row.class_name not in needed:
            row.new_class = False
    new_classes = sorted(((name, planned[name]) for name in needed), key=lambda c: (c[1], c[0]))
    absent = _absent(rows, school, [target_class] if target_class is not None else classes.values())
    return CsdlPreview(rows, export.header_row, school_year, new_classes, absent, export)


def _place(row, values, classes, planned, grades, school, school_year, target_class):
    """The row's class: its own, one to create (rows of studying students only), or the
    target class of a class page."""
    row.class_name = normalize_class_name(values["class_name"])
    if target_class is not None:
        if row.class_name and row.class_name != target_class.name:
            row.errors.append(f"học sinh lớp {row.class_name}, không phải lớp {target_class.name}")
        row.school_class = target_class
        return
    if not row.class_name:
        if row.studying:
            row.errors.append("thiếu tên lớp")
        return
    if len(row.class_name) > 20:
        row.errors.append("tên lớp dài quá 20 ký tự")
        return
    errors = len(row.errors)
    row.grade = _grade_of(row, values["grade"])
    if len(row.errors) > errors:
        return
    existing = classes.get(row.class_name)
    if existing is not None:
        row.school_class = existing
        if row.grade is not None and row.grade != existing.grade:
            row.errors.append(f"lớp {existing.name} là lớp khối {existing.grade}, tệp ghi khối {row.grade}")
        return
    if not row.studying:
        return  # a student who left is not a reason to create a class
    if row.grade is None:
        row.errors.append(f"không biết lớp “{row.class_name}” thuộc khối nào (cần cột Khối)")
    elif row.grade not in grades:
        row.errors.append(f"lớp {row.class_name} (khối {row.grade}) không thuộc cấp học của trường "
                          f"({school.level_label}: khối {grades[0]} đến {grades[-1]})")
    elif planned.setdefault(row.class_name, row.grade) != row.grade:
        row.errors.append(f"lớp {row.class_name} ghi khối {row.grade}, dòng trên ghi khối {planned[row.class_name]}")
    else:
        row.new_class = True


def _compare_with_database(rows, school, school_year, movable_class_ids):
    """Find each row's student: by the Ministry's code, then by the school's code (the
    same number imported by the roster import), then as the roster import does without
    a code (name and birth date)."""
    students = list(db.session.execute(select(Student).where(Student.school_id == school.id)).scalars())
    by_moet = {s.moet_code: s for s in students if s.moet_code}
    by_code = {s.code: s for s in students}
    by_person = {}
    for s in students:
        if not s.moet_code and s.birth_date:
            by_person.setdefault((s.search_name, s.birth_date), []).append(s)
    claimed = {}
    for row in rows:
        student = None
        if row.code:
            student = by_moet.get(row.code)
            if student is None and row.code in by_code:
                other = by_code[row.code]
                if other.moet_code and other.moet_code != row.code:
                    row.errors.append(f"mã {row.code} là mã học sinh của {other.full_name} "
                                      f"(mã định danh {other.moet_code})")
                else:
                    student = other
        if student is None and row.full_name and row.birth_date:
            found = by_code.get(generated_code(row.full_name, row.birth_date))
            if found is None:
                alike = by_person.get((fold(row.full_name), row.birth_date), [])
                found = alike[0] if len(alike) == 1 else None
                if found is not None:
                    row.warnings.append(f"nhận ra theo họ tên và ngày sinh (mã cũ {found.code})")
            if found is not None and not (found.moet_code and row.code and found.moet_code != row.code):
                student = found
        if student is not None:
            if student.id in claimed:
                row.errors.append(f"trùng học sinh với dòng {claimed[student.id]}")
            else:
                claimed[student.id] = row.number
                row.student = student
        _decide(row, school_year, movable_class_ids)


def _decide(row, school_year, movable_class_ids):
    student = row.student
    if student is not None and row.ok and movable_class_ids is not None and student.class_id not in movable_class_ids:
        if not row.studying or (row.school_class is not None and student.class_id != row.school_class.id):
            old = student.school_class.name if student.school_class else "khác"
            row.errors.append(f"{student.full_name} là học sinh lớp {old}; nhờ quản trị trường cập nhật")
    if row.errors:
        row.status = "error"
        return
    if student is None:
        row.status = "new" if row.studying else "skipped"
        if not row.studying:
            row.warnings.append("đã nghỉ, chưa có trong danh sách: bỏ qua")
        return
    if not row.studying:
        if student.left_reason == row.left_reason:
            row.status = "unchanged"
        else:
            row.changes.append(f"nghỉ học: {LeftReason.label_of(row.left_reason)}")
            row.status = "left"
        return
    if student.has_left:
        row.changes.append(f"đi học lại (trước: {student.left_label})")
    if student.full_name != row.full_name:
        row.changes.append(f"họ tên: {student.full_name} → {row.full_name}")
    if student.birth_date != row.birth_date:
        row.changes.append(f"ngày sinh: {student.birth_date:%d/%m/%Y} → {row.birth_date:%d/%m/%Y}"
                           if student.birth_date else "bổ sung ngày sinh")
    if row.gender and student.gender != row.gender:
        row.changes.append(f"giới tính: {student.gender or '—'} → {row.gender}")
    if row.code and student.moet_code != row.code:
        row.changes.append("bổ sung mã định danh Bộ GD&ĐT")
    moved = row.new_class or student.class_id != row.school_class.id
    if moved:
        old = student.school_class
        old = f"{old.name} ({old.year_label})" if old and old.school_year != school_year else (old.name if old else "—")
        row.changes.append(f"lớp: {old} → {row.class_name if row.new_class else row.school_class.name}")
    row.status = "moved" if moved else "update" if row.changes else "unchanged"


def _absent(rows, school, classes):
    """Students studying in the school year's classes whom no row names."""
    named = {row.student.id for row in rows if row.student is not None}
    ids = db.session.execute(select(Student.id).where(
        Student.school_id == school.id, Student.left_at.is_(None),
        Student.class_id.in_([c.id for c in classes]))).scalars()
    return sum(1 for student_id in ids if student_id not in named)


# Commit -------------------------------------------------------------------------------

def commit_csdl(actor, preview, *, school):
    """Write the good rows in the caller's transaction (the caller commits once):
    classes, new students (with accounts), updates and moves, and students who left
    (their accounts locked; a student back at school gets theirs back). Returns the
    counts by status, and "classes" for the classes created."""
    made = {name: create_class(actor, school, name=name, grade=grade, school_year=preview.school_year)
            for name, grade in preview.new_classes}
    created, now = [], utcnow()
    for row in preview.good_rows:
        student = row.student
        if row.status in ("unchanged", "skipped"):
            continue
        if row.status == "left":
            student.left_at, student.left_reason = now, row.left_reason
            if student.user is not None and student.user.active:
                set_active(actor, student.user, False)
            continue
        if student is None:
            student = Student(school_id=school.id, code=row.code or generated_code(row.full_name, row.birth_date))
            db.session.add(student)
            created.append(student)
        elif student.has_left:
            student.left_at = student.left_reason = None
            if student.user is not None and not student.user.active:
                set_active(actor, student.user, True)
        student.set_name(row.full_name)
        student.birth_date = row.birth_date
        if row.gender:
            student.gender = row.gender
        if row.code:
            student.moet_code = row.code
        student.class_id = made[row.class_name].id if row.new_class else row.school_class.id
    db.session.flush()
    ensure_student_accounts(actor, created, school)
    counts = {status: preview.count(status) for status in STATUSES}
    counts["classes"] = len(made)
    record(actor, "import", "roster", None, school.id,
           f"Nhập danh sách từ CSDL ngành năm học {preview.school_year}-{preview.school_year + 1}: "
           f"{counts['new']} mới, {counts['update']} cập nhật, {counts['moved']} chuyển lớp, "
           f"{counts['left']} nghỉ học, {counts['unchanged']} không đổi, {counts['skipped']} bỏ qua, "
           f"{len(made)} lớp mới, {counts['error']} dòng lỗi bỏ qua")
    return counts
