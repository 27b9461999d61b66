"""Accounts: creating users, passwords, login with limits, server-side logins, student accounts."""
import functools
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import LoginAttempt, LoginThrottle, User, UserLogin
from app.accounts.roles import Role
from app.core.errors import DomainError
from app.core.audit import record
from app.core.text import fold, nfc, split_name
from app.core.timeutil import utcnow
from app.extensions import db

MIN_PASSWORD_LENGTH = 8
# No 0/O, 1/l/I: first passwords are read off paper and typed on phones.
_FIRST_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def first_password():
    while True:  # a random draw could in theory spell a listed password
        password = "".join(secrets.choice(_FIRST_PASSWORD_ALPHABET) for _ in range(8))
        if password not in weak_passwords():
            return password


def normalize_username(username):
    return fold(username or "").replace(" ", "")


@functools.cache
def weak_passwords():
    """The shipped list of common passwords (weak_passwords.txt), folded: lower case,
    no diacritics. Lines starting with # are comments."""
    lines = (Path(__file__).with_name("weak_passwords.txt").read_text(encoding="utf-8").splitlines())
    return frozenset(fold(line).strip() for line in lines if line.strip() and not line.startswith("#"))


def _letters_and_digits(value):
    return "".join(ch for ch in value if ch.isalnum())


def check_new_password(password, username=None):
    """Refuse a password too short, on the list of common ones, or made of the username
    (compared without case, diacritics, spaces or punctuation)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    folded = fold(password).strip()
    if folded in weak_passwords() or folded.replace(" ", "") in weak_passwords():
        raise DomainError("Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác "
                          "(ví dụ ghép vài từ với số và ký hiệu).")
    name = normalize_username(username)
    if name:
        name_core, password_core = _letters_and_digits(name), _letters_and_digits(folded)
        if name in folded or (len(name_core) >= 4 and name_core in password_core) or password_core == name_core:
            raise DomainError("Mật khẩu không được trùng hoặc chứa tên đăng nhập.")


def create_user(actor, *, username, password, full_name, role, unit=None,
                must_change_password=True):
    username = normalize_username(username)
    full_name = nfc(full_name)
    if role not in set(Role) or role == Role.STUDENT:
        raise DomainError("Vai trò không hợp lệ.")
    role = Role(role)
    if not username or not full_name:
        raise DomainError("Cần nhập tên đăng nhập và họ tên.")
    if not all(ch.isalnum() or ch in "._-" for ch in username):
        raise DomainError("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ -")
    if role.works_in_school and (unit is None or not unit.is_school):
        raise DomainError("Giáo viên và quản trị trường phải thuộc một trường.")
    if role.oversees_units and (unit is None or unit.is_school):
        raise DomainError("Cán bộ Sở / Phòng phải thuộc một đơn vị (không phải trường).")
    if role.sees_all:
        unit = None
    check_new_password(password, username)
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise DomainError(f"Tên đăng nhập “{username}” đã có người dùng.")
    user = User(username=username, password_hash=hash_password(password), full_name=full_name,
                role=role, unit_id=unit.id if unit else None,
                must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", "user", user.id, user.unit_id,
           f"Tạo tài khoản {username} ({role.label})")
    return user


def set_password(user, password, *, must_change=False):
    """A new password ends every login of the user (the caller opens a new one for the
    device that changed it)."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_all_logins(user)


def change_own_password(user, current, new, confirm):
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Mật khẩu hiện tại không đúng.")
    if new != confirm:
        raise DomainError("Hai lần nhập mật khẩu mới không khớp.")
    check_new_password(new, user.username)
    if check_password_hash(user.password_hash, new):
        raise DomainError("Mật khẩu mới phải khác mật khẩu cũ.")
    set_password(user, new)


def reset_password(actor, user):
    """Staff give a user a new first password (shown once)."""
    password = first_password()
    set_password(user, password, must_change=True)
    clear_login_lock(user)
    record(actor, "reset_password", "user", user.id, user.unit_id, f"Cấp lại mật khẩu cho {user.username}")
    return password


def set_active(actor, user, active):
    user.active = bool(active)
    if not user.active:
        end_all_logins(user)
    record(actor, "activate" if active else "deactivate", "user", user.id, user.unit_id,
           f"{'Mở' if active else 'Khoá'} tài khoản {user.username}")


# Server-side logins

LOGIN_SEEN_EVERY_MINUTES = 10


def end_login(token):
    """Logout: end this device's login only."""
    db.session.execute(update(UserLogin).where(UserLogin.token == token, UserLogin.ended_at.is_(None))
                       .values(ended_at=utcnow()))


def end_all_logins(user):
    db.session.execute(update(UserLogin).where(UserLogin.user_id == user.id, UserLogin.ended_at.is_(None))
                       .values(ended_at=utcnow()))


def user_of_login(user_id, token):
    """The active user whose open login this is, or None; marks the login seen now and
    then (a write every few minutes, not every request)."""
    row = db.session.execute(
        select(User, UserLogin.id, UserLogin.last_seen_at).join(UserLogin, UserLogin.user_id == User.id)
        .where(UserLogin.token == token, UserLogin.user_id == user_id, UserLogin.ended_at.is_(None),
               User.active.is_(True))).first()
    if row is None:
        return None
    user, login_id, last_seen_at = row
    now = utcnow()
    if last_seen_at < now - timedelta(minutes=LOGIN_SEEN_EVERY_MINUTES):
        # Its own short transaction: the request may commit nothing (a GET). Only a hint
        # for the purge, so a busy database does not fail the request over it.
        try:
            with db.engine.begin() as connection:
                connection.execute(update(UserLogin.__table__).where(UserLogin.__table__.c.id == login_id)
                                   .values(last_seen_at=now))
        except OperationalError:
            current_app.logger.warning("login %s: last seen not recorded", login_id)
    user.login_token = token
    return user


# Login limits

class LoginLimited(DomainError):
    pass


def _wait(seconds):
    time.sleep(seconds)


def _slow_down_busy_address(address, since):
    """Past LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS failures from one address in the
    window, every login from it waits LOGIN_ADDRESS_DELAY_SECONDS first. A whole
    school shares one address: it is slowed, never refused."""
    config = current_app.config
    failures = db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.address == address, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    ).scalar_one()
    if failures >= config["LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS"]:
        db.session.commit()  # wait holding no transaction (on SQLite a reader blocks writers)
        _wait(config["LOGIN_ADDRESS_DELAY_SECONDS"])


def _reserve_guess(username, now, window):
    """Count this guess as a failure of `username` before checking it and return the
    failures in the window, this one included. One upsert: the row lock it takes
    (PostgreSQL) or the write lock (SQLite) makes concurrent guesses queue, so each
    sees the others' counts. A window past its end starts again at this guess."""
    table = LoginThrottle.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    expired = table.c.window_start < now - window
    statement = (dialect.insert(table).values(username=username, failures=1, window_start=now)
                 .on_conflict_do_update(index_elements=[table.c.username], set_={
                     "failures": case((expired, 1), else_=table.c.failures + 1),
                     "window_start": case((expired, now), else_=table.c.window_start)})
                 .returning(table.c.failures))
    return db.session.execute(statement).scalar_one()


def _forgive_guess(username):
    """A guess that turned out right is not a failure."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.username == username)
                       .values(failures=LoginThrottle.failures - 1))


def clear_login_lock(user):
    """A staff reset lets the user in at once with the new password."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.username == user.username))


# Whom to ask when locked out: who may reset the account's password.
_LOCKED_ADVICE = {
    Role.STUDENT: "nhờ thầy cô cấp lại mật khẩu",
    Role.TEACHER: "nhờ quản trị trường (Ban giám hiệu) cấp lại mật khẩu",
    Role.SCHOOL_ADMIN: "nhờ quản trị trường khác hoặc cán bộ Sở GD&ĐT cấp lại mật khẩu",
    Role.DEPARTMENT: "nhờ cán bộ Sở GD&ĐT khác hoặc quản trị hệ thống cấp lại mật khẩu",
    Role.UNIT: "nhờ cán bộ Sở GD&ĐT hoặc quản trị hệ thống cấp lại mật khẩu",
    Role.JUDGE: "nhờ cán bộ Sở GD&ĐT hoặc quản trị hệ thống cấp lại mật khẩu",
    Role.ADMIN: "nhờ quản trị hệ thống khác cấp lại mật khẩu",
}
# An unknown name is told what a staff member would be: no hint that it does not exist.
_LOCKED_ADVICE_UNKNOWN = "nhờ người quản lý tài khoản của bạn cấp lại mật khẩu"


def _dummy_hash():
    """A hash of a random password with the configured method, made once per method:
    an unknown username costs the same check as a known one."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    cache = current_app.extensions.setdefault("dummy_password_hashes", {})
    if method not in cache:
        cache[method] = hash_password(secrets.token_urlsafe(16))
    return cache[method]


def _guarded_check(username, address, check, locked_message):
    """The login limits around one check of a secret. `check(user)` says whether the
    secret is right for the user (None: unknown username). Returns the user when it is;
    raises LoginLimited past the per-account limit, DomainError otherwise."""
    config = current_app.config
    now = utcnow()
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    _slow_down_busy_address(address, now - window)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    failures = _reserve_guess(username, now, window)
    db.session.commit()  # the reservation is seen by the next guess, before this one is checked
    attempt = LoginAttempt(username=username[:64], address=address[:64], success=False, at=now)
    db.session.add(attempt)
    if failures > config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        db.session.commit()
        raise LoginLimited(locked_message(user))
    ok = check(user)
    if ok:
        attempt.success = True
        _forgive_guess(username)
        user.last_login_at = now
    db.session.commit()
    return user if ok else None


def authenticate(username, password, address):
    """The user for these credentials, or a DomainError. Failures are counted per
    account in a window: past the limit even a right password is refused until the
    window passes or staff reset the password. An address with many failures (a
    guesser, or a whole school behind one address) is slowed down, never locked."""
    config = current_app.config
    username = normalize_username(username)[:64]

    def check(user):
        stored = user.password_hash if user is not None else _dummy_hash()
        return check_password_hash(stored, password or "") and user is not None

    def locked_message(user):
        advice = _LOCKED_ADVICE.get(user.role) if user is not None else _LOCKED_ADVICE_UNKNOWN
        return (f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {config['LOGIN_WINDOW_MINUTES']} phút "
                f"hoặc {advice}.")

    user = _guarded_check(username, address, check, locked_message)
    if user is None:
        raise DomainError("Tên đăng nhập hoặc mật khẩu không đúng.")
    if not user.active:
        raise DomainError("Tài khoản đã bị khoá. Vui lòng liên hệ quản trị trường.")
    return user


def purge_login_attempts(older_than_days=30):
    """Delete the login log, ended or unused logins and finished throttle windows older
    than the given days. Returns (log rows, logins) deleted."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    attempts = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
    logins = db.session.execute(delete(UserLogin).where(
        or_(UserLogin.ended_at < cutoff, UserLogin.last_seen_at < cutoff))).rowcount
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < utcnow() - window))
    db.session.commit()
    return attempts, logins


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
                    full_name=student.full_name, role=Role.STUDENT, student_id=student.id,
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

    def check(user):
        return birth_date is not None and student.birth_date == birth_date and user.active

    def locked_message(user):
        return f"Nhập sai quá nhiều lần. Em thử lại sau {config['LOGIN_WINDOW_MINUTES']} phút hoặc nhờ thầy cô."

    if _guarded_check(user.username, address, check, locked_message) is None:
        raise DomainError("Ngày sinh không khớp với danh sách lớp.")
    return user
