"""Class sessions: a teacher opens a round for a class with a short join code, students
join (logged in, or, without a password of their own, by picking their name and
confirming their birth date: a login for that session's attempt only, which the
teacher sees on the board and may refuse), the teacher watches a live board, gives
one student extra time, and closes it."""
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.services import authenticate_student_by_birth_date
from app.core import scope
from app.core.errors import DomainError
from app.core.audit import record
from app.core.text import name_sort_key
from app.coverage import participation
from app.extensions import db
from app.org.models import Student
from app.quiz.attempts import services as quiz
from app.quiz.models import Attempt, AttemptQuestion, ClassSession, SessionJoin

# No 0/O, 1/I/L: a code read from a projector at the back of the room.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def _new_code():
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = db.session.execute(select(ClassSession.id).where(
            ClassSession.code == code, ClassSession.closed_at.is_(None))).first()
        if not taken:
            return code
    raise DomainError("Không tạo được mã phòng thi, vui lòng thử lại.")


def open_session(teacher, school_class, round_, now):
    if not quiz.round_is_open(round_, now):
        raise DomainError("Đợt thi này không đang mở.")
    if not scope.is_within(school_class.school_id, round_.contest.unit_id):
        raise DomainError("Cuộc thi này không dành cho trường của lớp.")
    session = ClassSession(round=round_, school_class=school_class, teacher_id=teacher.id, code=_new_code(),
                           opened_at=now)
    db.session.add(session)
    db.session.flush()
    return session


def find_open_session(code):
    code = "".join((code or "").split()).upper()
    if len(code) != CODE_LENGTH:
        return None
    return db.session.execute(select(ClassSession).where(
        ClassSession.code == code, ClassSession.closed_at.is_(None))).scalars().first()


def _check_can_join(session, student):
    if not session.is_open:
        raise DomainError("Phòng thi đã đóng.")
    if student.class_id != session.class_id:
        raise DomainError("Mã này là của lớp khác. Em kiểm tra lại mã trên màn hình.")


def join(session, student, now):
    """The student's attempt in the session's round, linked to the session."""
    _check_can_join(session, student)
    attempt = quiz.start_attempt(student, session.round, now)
    if attempt.session_id is None:
        attempt.session_id = session.id
    return attempt


REFUSED_MESSAGE = ("Thầy cô đã từ chối lượt vào thi bằng ngày sinh của em. "
                   "Em đăng nhập bằng tài khoản của mình hoặc gặp thầy cô.")


def join_by_birth_date(session, student, birth_date, address, now):
    """Let a student who has no password of her own into the session by her birth date.
    Returns (user, join): the caller logs the user in for the join's attempt only
    (app.quiz.sessions.join_access); the teacher sees the join on the board and may refuse it."""
    _check_can_join(session, student)
    user = authenticate_student_by_birth_date(student, birth_date, address)  # counts failures, commits them
    if not user.must_change_password:
        # Her own password is what she logs in with: the birth date does not stand for it.
        raise DomainError("Em đã có mật khẩu riêng: em đăng nhập bằng tên đăng nhập và mật khẩu để vào thi.")
    refused = db.session.execute(select(SessionJoin.id).where(
        SessionJoin.session_id == session.id, SessionJoin.student_id == student.id,
        SessionJoin.refused_at.is_not(None))).first()
    if refused:
        raise DomainError(REFUSED_MESSAGE)
    attempt = join(session, student, now)
    entry = SessionJoin(session_id=session.id, student_id=student.id, attempt_id=attempt.id, joined_at=now)
    db.session.add(entry)
    db.session.flush()
    return user, entry


def check_join_login(join_id, student_id):
    """(join, None) while a birth-date join still lets its student in, else (join or
    None, the reason for the student): refused, or the session closed."""
    entry = db.session.execute(select(SessionJoin).options(joinedload(SessionJoin.session))
                               .where(SessionJoin.id == join_id)).scalar_one_or_none()
    if entry is None or entry.student_id != student_id:
        return None, "Lượt vào phòng thi này không còn hiệu lực."
    if entry.refused_at is not None or entry.attempt_id is None:
        return entry, REFUSED_MESSAGE
    if not entry.session.is_open:
        return entry, "Phòng thi đã đóng: bài của em đã được nộp với các câu đã lưu."
    return entry, None


def refuse_birth_date_joins(teacher, session, student, now):
    """End every birth-date join of the student into the session: their logins stop
    working, and the attempts begun through them are deleted, so they count nowhere
    (an attempt the student had begun before, and only resumed, is kept). Returns the
    number of attempts deleted."""
    entries = db.session.execute(select(SessionJoin).where(
        SessionJoin.session_id == session.id, SessionJoin.student_id == student.id,
        SessionJoin.refused_at.is_(None))).scalars().all()
    if not entries:
        raise DomainError(f"{student.full_name} không vào phòng thi bằng ngày sinh (hoặc đã bị từ chối).")
    first_join = min(entry.joined_at for entry in entries)
    attempt_ids = {entry.attempt_id for entry in entries if entry.attempt_id is not None}
    for entry in entries:
        entry.refused_at, entry.refused_by_id = now, teacher.id
    attempts = db.session.execute(select(Attempt).where(
        Attempt.id.in_(attempt_ids), Attempt.session_id == session.id,
        Attempt.started_at >= first_join)).scalars().all() if attempt_ids else []
    counted = any(attempt.submitted_at is not None for attempt in attempts)
    for attempt in attempts:
        for entry in entries:
            if entry.attempt_id == attempt.id:
                entry.attempt_id = None
        db.session.delete(attempt)
    db.session.flush()
    if counted:
        participation.recount([student.id], session.round.contest_id)
    record(teacher, "refuse_join", "class_session", session.id, session.school_class.school_id,
           f"Từ chối lượt vào thi bằng ngày sinh của {student.full_name} (phòng thi {session.code}, "
           f"lớp {session.school_class.name}); {len(attempts)} bài bị huỷ")
    return len(attempts)


def close_session(session, now):
    """Close the session and finish, with what was saved, the attempts made in it."""
    if session.closed_at is not None:
        return 0
    session.closed_at = now
    open_attempts = db.session.execute(select(Attempt).where(
        Attempt.session_id == session.id, Attempt.submitted_at.is_(None))).scalars().all()
    for attempt in open_attempts:
        quiz.submit_attempt(attempt, now, finished_by="teacher")
    return len(open_attempts)


@dataclass
class BoardRow:
    student: Student
    attempt: Attempt | None
    join: SessionJoin | None = None  # the latest birth-date join into this session
    question_count: int = 0  # of the attempt

    @property
    def by_birth_date(self):
        return self.join is not None and self.join.refused_at is None

    @property
    def refused(self):
        return self.join is not None and self.join.refused_at is not None

    @property
    def status(self):
        if self.attempt is None:
            return "refused" if self.refused else "waiting"
        return "submitted" if self.attempt.submitted_at else "answering"


def board(session):
    """Every student of the class with their attempt made in this session (the latest;
    not one made at home before it), its number of questions, and their birth-date
    join, in class-list order: three queries whatever the size of the class."""
    students = db.session.execute(select(Student).where(Student.class_id == session.class_id)).scalars().all()
    questions = (select(func.count(AttemptQuestion.id)).where(AttemptQuestion.attempt_id == Attempt.id)
                 .correlate(Attempt).scalar_subquery())
    attempts = {}
    for attempt, count in db.session.execute(select(Attempt, questions).where(Attempt.session_id == session.id)
                                             .order_by(Attempt.number).execution_options(populate_existing=True)):
        attempts[attempt.student_id] = attempt, count
    joins = {}
    for entry in db.session.execute(select(SessionJoin).where(SessionJoin.session_id == session.id)
                                    .order_by(SessionJoin.id).execution_options(populate_existing=True)).scalars():
        joins[entry.student_id] = entry
    rows = []
    for student in students:
        attempt, count = attempts.get(student.id, (None, 0))
        rows.append(BoardRow(student, attempt, joins.get(student.id), count))
    rows.sort(key=lambda r: name_sort_key(r.student.full_name))
    return rows


def session_student(session, student_id):
    student = db.session.execute(select(Student).where(
        Student.id == student_id, Student.class_id == session.class_id)).scalar_one_or_none()
    if student is None:
        raise DomainError("Không có học sinh này trong lớp.")
    return student


def session_attempt(session, attempt_id):
    attempt = db.session.execute(select(Attempt).where(
        Attempt.id == attempt_id, Attempt.session_id == session.id)).scalar_one_or_none()
    if attempt is None:
        raise DomainError("Không có bài này trong phòng thi.")
    return attempt

