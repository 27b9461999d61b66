"""Users, roles and login attempts."""
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index

from app.core.timeutil import utcnow
from app.extensions import db

ROLES = {
    "admin": "Quản trị hệ thống",
    "department": "Cán bộ Sở GD&ĐT",
    "unit": "Cán bộ Phòng / cụm",
    "school_admin": "Quản trị trường",
    "teacher": "Giáo viên",
    "judge": "Giám khảo",
    "student": "Học sinh",
}
# Roles whose scope is a unit of the tree (a school for school staff).
UNIT_ROLES = ("department", "unit", "school_admin", "teacher", "judge")
SCHOOL_ROLES = ("school_admin", "teacher")
STAFF_ROLES = ("admin", "department", "unit", "school_admin", "teacher")


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'department', 'unit', 'school_admin', 'teacher', 'judge', 'student')",
            name="role",
        ),
        CheckConstraint("(role = 'student') = (student_id IS NOT NULL)", name="student_link"),
        CheckConstraint(
            "role IN ('admin', 'student', 'judge') OR unit_id IS NOT NULL", name="staff_unit"
        ),
        Index("ix_user_unit_role", "unit_id", "role"),
    )

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    full_name = db.Column(db.String(120), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    must_change_password = db.Column(db.Boolean, nullable=False, default=False)
    # Bumped on password change: sessions made before it stop working.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)

    unit = db.relationship("Unit")
    student = db.relationship("Student", backref=db.backref("user", uselist=False))

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class LoginAttempt(db.Model):
    """Failed and successful logins, to limit guessing per account and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False)
    address = db.Column(db.String(64), nullable=False)
    success = db.Column(db.Boolean, nullable=False)
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
