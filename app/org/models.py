"""The unit tree (Sở -> optional middle units -> schools), classes and students."""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from app.core.text import fold, name_sort_key, nfc, text_sort_key
from app.core.timeutil import utcnow
from app.core.vocabulary import Vocabulary
from app.extensions import db



class UnitKind(Vocabulary):
    DEPARTMENT = "department", "Sở GD&ĐT"
    OFFICE = "office", "Phòng GD&ĐT"
    CLUSTER = "cluster", "Cụm trường"
    COMMUNE = "commune", "Xã/phường"
    SCHOOL = "school", "Trường"


class SchoolLevel(Vocabulary):
    THCS = "THCS", "THCS"
    THPT = "THPT", "THPT"
    THCS_THPT = "THCS-THPT", "Liên cấp THCS - THPT"
    TH_THCS = "TH-THCS", "Liên cấp TH - THCS"
    GDNN_GDTX = "GDNN-GDTX", "TTGDNN-GDTX"


UNIT_KINDS = UnitKind.labels()
MIDDLE_KINDS = ("office", "cluster", "commune")


def kinds_label(kinds):
    """What to call units listed together (a page's rows, a report's column) when their
    middle units are communes, the two-level local government from 1/7/2025: "Xã/phường"
    (", trường" when schools sit beside them, as THPT schools under the Sở). None for
    any other tree, whose pages keep their word ("Đơn vị")."""
    kinds = set(kinds)
    if kinds & set(MIDDLE_KINDS) == {"commune"}:
        return "Xã/phường, trường" if "school" in kinds else "Xã/phường"
    return None


class LeftReason(Vocabulary):
    """Why a student no longer studies at the school: the Trạng thái of the sector
    database's (CSDL ngành) export other than "Đang học". A student with one is kept,
    with their history, but no longer counted (enrolment, coverage) and cannot log in."""

    DROPPED = "thoi_hoc", "Thôi học"
    TRANSFERRED = "chuyen_truong", "Chuyển trường"
    DEFERRED = "bao_luu", "Bảo lưu"
    GRADUATED = "tot_nghiep", "Đã tốt nghiệp"

# School level -> the grades its classes may have.
SCHOOL_LEVELS = {
    "THCS": range(6, 10),
    "THPT": range(10, 13),
    "THCS-THPT": range(6, 13),
    "TH-THCS": range(6, 10),
    "GDNN-GDTX": range(6, 13),
}
SCHOOL_LEVEL_LABELS = SchoolLevel.labels()


def student_stage(school_level, grade):
    """Which target a student counts toward: THCS, THPT or GDTX (continuing education)."""
    if school_level == "GDNN-GDTX":
        return "GDTX"
    return "THPT" if grade >= 10 else "THCS"


def stage_of(student):
    """The target a student counts toward, from the school's level and the class's grade."""
    school_class = student.school_class
    return student_stage(student.school.level, school_class.grade if school_class else 10)


class Unit(db.Model):
    """A node of the tree. Schools are the leaves (kind 'school', with a level)."""

    __tablename__ = "unit"
    __table_args__ = (
        UnitKind.check("kind"),
        SchoolLevel.check("level", nullable=True),
        CheckConstraint("(kind = 'school') = (level IS NOT NULL)", name="school_has_level"),
        CheckConstraint("(kind = 'department') = (parent_id IS NULL)", name="root_is_department"),
        Index("ix_unit_parent_sort", "parent_id", "sort_key"),
    )

    id = db.Column(db.Integer, primary_key=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    kind = db.Column(db.String(20), nullable=False)
    name = db.Column(db.String(200), nullable=False)
    code = db.Column(db.String(32), unique=True)
    level = db.Column(db.String(20))
    address = db.Column(db.String(255))
    sort_key = db.Column(db.String(1200), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    parent = db.relationship("Unit", remote_side=[id], backref=db.backref("children", lazy="dynamic"))

    def set_name(self, name):
        self.name = nfc(name)
        self.sort_key = text_sort_key(self.name)

    @property
    def is_school(self):
        return self.kind == "school"

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def level_label(self):
        return SCHOOL_LEVEL_LABELS.get(self.level, self.level or "")

    def __repr__(self):
        return f"<Unit {self.id} {self.kind} {self.name!r}>"


class UnitClosure(db.Model):
    """Closure table: one row for every (ancestor, descendant) pair, self included,
    so that 'all schools under U' is one indexed join on any database."""

    __tablename__ = "unit_closure"
    __table_args__ = (
        CheckConstraint("depth >= 0", name="depth_not_negative"),
        Index("ix_unit_closure_descendant", "descendant_id", "depth"),
    )

    ancestor_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    descendant_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    depth = db.Column(db.Integer, nullable=False)


class_teacher = db.Table(
    "class_teacher",
    db.Column("class_id", db.Integer, db.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_class_teacher_user", "user_id"),
)


class SchoolClass(db.Model):
    __tablename__ = "school_class"
    __table_args__ = (
        UniqueConstraint("school_id", "school_year", "name"),
        CheckConstraint("grade BETWEEN 6 AND 12", name="grade_range"),
        CheckConstraint("school_year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    school_year = db.Column(db.Integer, nullable=False)  # 2025 means 2025-2026
    grade = db.Column(db.Integer, nullable=False)
    name = db.Column(db.String(20), nullable=False)
    sort_key = db.Column(db.String(200), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    school = db.relationship("Unit")
    teachers = db.relationship("User", secondary=class_teacher, backref="classes")

    @property
    def year_label(self):
        return f"{self.school_year}-{self.school_year + 1}"

    def __repr__(self):
        return f"<SchoolClass {self.id} {self.name}>"


class Student(db.Model):
    __tablename__ = "student"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        UniqueConstraint("school_id", "moet_code"),
        CheckConstraint("gender IS NULL OR gender IN ('Nam', 'Nữ')", name="gender"),
        LeftReason.check("left_reason", nullable=True),
        CheckConstraint("(left_at IS NULL) = (left_reason IS NULL)", name="left_has_reason"),
        Index("ix_student_class_sort", "class_id", "sort_key"),
        Index("ix_student_school_sort", "school_id", "sort_key"),
    )

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    class_id = db.Column(db.Integer, db.ForeignKey("school_class.id", ondelete="SET NULL"))
    code = db.Column(db.String(32), nullable=False)
    full_name = db.Column(db.String(120), nullable=False)
    sort_key = db.Column(db.String(1200), nullable=False)
    search_name = db.Column(db.String(120), nullable=False, index=True)
    birth_date = db.Column(db.Date)
    gender = db.Column(db.String(3))
    # Mã định danh Bộ GD&ĐT from the sector database's export (CSDL ngành): how its
    # imports find the student again. The 12-digit personal number (số định danh cá
    # nhân) is never stored (README, "Roster from CSDL ngành").
    moet_code = db.Column(db.String(32))
    left_at = db.Column(db.DateTime)  # no longer studying here (LeftReason): not counted
    left_reason = db.Column(db.String(16))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    school = db.relationship("Unit")
    school_class = db.relationship("SchoolClass", backref=db.backref("students", lazy="dynamic"))

    def set_name(self, full_name):
        self.full_name = nfc(full_name)
        self.sort_key = name_sort_key(self.full_name)
        self.search_name = fold(self.full_name)

    @property
    def has_left(self):
        return self.left_at is not None

    @property
    def left_label(self):
        return LeftReason.label_of(self.left_reason) if self.left_reason else ""

    def __repr__(self):
        return f"<Student {self.id} {self.code}>"
