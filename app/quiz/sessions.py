"""Class sessions: a teacher opens a round for a class with a short join code, students
join (logged in, or by picking their name and confirming their birth date), the
teacher watches a live board, gives one student extra time, and closes it."""
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app.core import scope
from app.core.errors import DomainError
from app.core.text import name_sort_key
from app.extensions import db
from app.org.models import Student
from app.quiz import attempts as quiz
from app.quiz.models import Attempt, ClassSession

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


def join(session, student, now):
    """The student's attempt in the session's round, linked to the session."""
    if not session.is_open:
        raise DomainError("Phòng thi đã đóng.")
    if student.class_id != session.class_id:
        raise DomainError("Mã này là của lớp khác. Em kiểm tra lại mã trên màn hình.")
    attempt = quiz.start_attempt(student, session.round, now)
    if attempt.session_id is None:
        attempt.session_id = session.id
    return attempt


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

    @property
    def status(self):
        if self.attempt is None:
            return "waiting"
        return "submitted" if self.attempt.submitted_at else "answering"


def board(session):
    """Every student of the class with their attempt in this session's round (the
    latest), in class-list order."""
    students = db.session.execute(select(Student).where(Student.class_id == session.class_id)).scalars().all()
    attempts = {}
    for attempt in db.session.execute(select(Attempt).where(
            Attempt.round_id == session.round_id, Attempt.student_id.in_([s.id for s in students]))
            .order_by(Attempt.number).execution_options(populate_existing=True)).scalars():
        attempts[attempt.student_id] = attempt
    rows = [BoardRow(s, attempts.get(s.id)) for s in students]
    rows.sort(key=lambda r: name_sort_key(r.student.full_name))
    return rows


def session_attempt(session, attempt_id):
    attempt = db.session.execute(select(Attempt).where(
        Attempt.id == attempt_id, Attempt.round_id == session.round_id,
        Attempt.student_id.in_(select(Student.id).where(Student.class_id == session.class_id)))).scalar_one_or_none()
    if attempt is None:
        raise DomainError("Không có bài này trong phòng thi.")
    return attempt

