"""Accounts: creating users, passwords, login with limits, student accounts."""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ROLES, SCHOOL_ROLES, LoginAttempt, User
from app.core.errors import DomainError
from app.core.models import record
from app.core.text import fold, nfc, split_name
from app.core.timeutil import utcnow
from app.extensions import db

MIN_PASSWORD_LENGTH = 8
# No 0/O, 1/l/I: first passwords are read off paper and typed on phones.
_FIRST_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def first_password():
    return "".join(secrets.choice(_FIRST_PASSWORD_ALPHABET) for _ in range(8))


def normalize_username(username):
    return fold(username or "").replace(" ", "")


def check_new_password(password, user=None):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if user is not None and normalize_username(password) == user.username:
        raise DomainError("Mật khẩu không được trùng tên đăng nhập.")


def create_user(actor, *, username, password, full_name, role, unit=None,
                must_change_password=True):
    username = normalize_username(username)
    full_name = nfc(full_name)
    if role not in ROLES or role == "student":
        raise DomainError("Vai trò không hợp lệ.")
    if not username or not full_name:
        raise DomainError("Cần nhập tên đăng nhập và họ tên.")
    if not all(ch.isalnum() or ch in "._-" for ch in username):
        raise DomainError("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ -")
    if role in SCHOOL_ROLES and (unit is None or not unit.is_school):
        raise DomainError("Giáo viên và quản trị trường phải thuộc một trường.")
    if role in ("department", "unit") and (unit is None or unit.is_school):
        raise DomainError("Cán bộ Sở / Phòng phải thuộc một đơn vị (không phải trường).")
    if role == "admin":
        unit = None
    check_new_password(password)
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise DomainError(f"Tên đăng nhập “{username}” đã có người dùng.")
    user = User(username=username, password_hash=hash_password(password), full_name=full_name,
                role=role, unit_id=unit.id if unit else None,
                must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", "user", user.id, user.unit_id,
           f"Tạo tài khoản {username} ({ROLES[role]})")
    return user


def set_password(user, password, *, must_change=False):
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_version = (user.session_version or 1) + 1


def change_own_password(user, current, new, confirm):
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Mật khẩu hiện tại không đúng.")
    if new != confirm:
        raise DomainError("Hai lần nhập mật khẩu mới không khớp.")
    check_new_password(new, user)
    if check_password_hash(user.password_hash, new):
        raise DomainError("Mật khẩu mới phải khác mật khẩu cũ.")
    set_password(user, new)


def reset_password(actor, user):
    """Staff give a user a new first password (shown once)."""
    password = first_password()
    set_password(user, password, must_change=True)
    record(actor, "reset_password", "user", user.id, user.unit_id, f"Cấp lại mật khẩu cho {user.username}")
    return password


def set_active(actor, user, active):
    user.active = bool(active)
    record(actor, "activate" if active else "deactivate", "user", user.id, user.unit_id,
           f"{'Mở' if active else 'Khoá'} tài khoản {user.username}")


class LoginLimited(DomainError):
    pass


def _recent_failures(column, value, since):
    return db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    ).scalar_one()


def authenticate(username, password, address):
    """The user for these credentials, or a DomainError. Failures are counted per
    account and per address in a sliding window; past the limit even a right
    password is refused until the window passes."""
    config = current_app.config
    username = normalize_username(username)
    now = utcnow()
    since = now - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    if (_recent_failures(LoginAttempt.username, username, since) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or _recent_failures(LoginAttempt.address, address, since) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise LoginLimited(
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {config['LOGIN_WINDOW_MINUTES']} phút "
            "hoặc nhờ thầy cô cấp lại mật khẩu.")
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = user is not None and check_password_hash(user.password_hash, password or "")
    db.session.add(LoginAttempt(username=username[:64], address=address[:64], success=ok, at=now))
    if not ok:
        db.session.commit()
        raise DomainError("Tên đăng nhập hoặc mật khẩu không đúng.")
    if not user.active:
        db.session.commit()
        raise DomainError("Tài khoản đã bị khoá. Vui lòng liên hệ quản trị trường.")
    user.last_login_at = now
    db.session.commit()
    return user


def purge_login_attempts(older_than_days=30):
    cutoff = utcnow() - timedelta(days=older_than_days)
    count = db.session.query(LoginAttempt).filter(LoginAttempt.at < cutoff).delete()
    db.session.commit()
    return count


# Student accounts

def student_username_base(student, school):
    """'anhnt.c3lqd' for Nguyễn Thị Ánh at school code C3LQD: short, no diacritics."""
    rest, given = split_name(student.full_name)
    initials = "".join(word[0] for word in fold(rest).split() if word)
    base = "".join(ch for ch in fold(given) + initials if ch.isalnum()) or "hs"
    suffix = "".join(ch for ch in fold(school.code) if ch.isalnum())
    return f"{base}.{suffix}"


def _username_candidates(base, count=40):
    name, _, school = base.partition(".")
    return [base] + [f"{name}{number}.{school}" for number in range(2, count + 2)]


def _free_username(base, taken):
    for candidate in _username_candidates(base):
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    name, _, school = base.partition(".")
    candidate = f"{name}{secrets.randbelow(10**6)}.{school}"
    taken.add(candidate)
    return candidate


def ensure_student_accounts(actor, students, school):
    """Give each student without an account one, with an unusable random password
    until the teacher prints login cards. Returns the accounts created."""
    students = [s for s in students if s.user is None]
    if not students:
        return []
    bases = {s.id: student_username_base(s, school) for s in students}
    # Exact lookups on the unique index, not a LIKE scan over every account.
    candidates = sorted({c for base in set(bases.values()) for c in _username_candidates(base)})
    taken = set()
    for start in range(0, len(candidates), 500):
        taken.update(db.session.execute(
            select(User.username).where(User.username.in_(candidates[start:start + 500]))).scalars())
    # One hash for the placeholder: nobody knows it and cards replace it.
    placeholder = hash_password(secrets.token_urlsafe(24))
    created = []
    for student in students:
        user = User(username=_free_username(bases[student.id], taken), password_hash=placeholder,
                    full_name=student.full_name, role="student", student_id=student.id,
                    must_change_password=True)
        db.session.add(user)
        student.user = user
        created.append(user)
    db.session.flush()
    return created


def issue_first_passwords(actor, school_class, students):
    """New first passwords for the students of a class who have not set their own,
    for the login cards. Returns [(student, username, password or None)]: None for
    students who already changed theirs (their card shows no password)."""
    ensure_student_accounts(actor, students, school_class.school)
    rows = []
    for student in students:
        user = student.user
        if user.must_change_password:
            password = first_password()
            set_password(user, password, must_change=True)
            rows.append((student, user.username, password))
        else:
            rows.append((student, user.username, None))
    record(actor, "print_cards", "class", school_class.id, school_class.school_id,
           f"In thẻ đăng nhập lớp {school_class.name} ({len(rows)} học sinh)")
    return rows


def authenticate_student_by_birth_date(student, birth_date, address):
    """A student without their password joins a class session by confirming their
    birth date; failures count against the account like wrong passwords."""
    user = student.user
    if user is None:
        raise DomainError("Em chưa có tài khoản: nhờ thầy cô tạo tài khoản cho lớp.")
    config = current_app.config
    now = utcnow()
    since = now - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    if (_recent_failures(LoginAttempt.username, user.username, since) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or _recent_failures(LoginAttempt.address, address, since) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise LoginLimited(f"Nhập sai quá nhiều lần. Em thử lại sau {config['LOGIN_WINDOW_MINUTES']} phút "
                           "hoặc nhờ thầy cô.")
    ok = birth_date is not None and student.birth_date == birth_date and user.active
    db.session.add(LoginAttempt(username=user.username[:64], address=address[:64], success=ok, at=now))
    if not ok:
        db.session.commit()
        raise DomainError("Ngày sinh không khớp với danh sách lớp.")
    user.last_login_at = now
    db.session.commit()
    return user
