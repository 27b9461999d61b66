"""Users, roles and login attempts."""
import secrets

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index

from app.accounts.roles import Role
from app.core.timeutil import utcnow
from app.extensions import db

_ROLES_SQL = ", ".join(f"'{role.value}'" for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            f"role IN ({_ROLES_SQL})",
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
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)

    unit = db.relationship("Unit")
    student = db.relationship("Student", backref=db.backref("user", uselist=False))

    @property
    def is_active(self):
        return self.active

    # The login this request came with (set by the user loader), or the one just opened.
    login_token = None

    def start_login(self):
        """Open a server-side login for this user and return the session's id for it,
        "user id:token". Flask-Login's `id_attribute`: every `login_user()` calls it, so
        no way of logging in can skip the record that logout ends."""
        login = UserLogin(user_id=self.id, token=secrets.token_urlsafe(32))
        db.session.add(login)
        db.session.commit()  # the login must outlive whatever the request does next
        self.login_token = login.token
        return f"{self.id}:{login.token}"

    @property
    def role_enum(self):
        """The stored role as a `Role`, to ask what it may do: `user.role_enum.manages_tree`."""
        return Role(self.role)

    @property
    def role_label(self):
        return self.role_enum.label

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


class LoginThrottle(db.Model):
    """Failed logins of one username (known or not) in the current window. One row per
    name, counted by one upsert before the password is checked, so that two requests
    at once cannot both slip under the limit."""

    __tablename__ = "login_throttle"

    username = db.Column(db.String(64), primary_key=True)
    failures = db.Column(db.Integer, nullable=False)
    window_start = db.Column(db.DateTime, nullable=False)


class UserLogin(db.Model):
    """A login on one device: the session cookie carries its random token, logout ends
    it, a password change or reset and deactivation end all of the user's."""

    __tablename__ = "user_login"
    __table_args__ = (
        Index("ix_user_login_user_id_ended_at", "user_id", "ended_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    ended_at = db.Column(db.DateTime)
