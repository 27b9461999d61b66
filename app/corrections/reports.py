"""Reports that a question is wrong: a student from the review of their own finished
attempt, staff from the question's page. One open report per person and question
(the unique index makes two at once one), and at most REPORTS_PER_DAY a day each.
The staff of the bank's unit read them (the reasons are for staff only); a student
reporter's name is shown only to staff who may see that student."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.errors import DomainError
from app.core.text import nfc
from app.corrections.models import QuestionReport, ReportResolution
from app.extensions import db
from app.org.access import students_query
from app.org.models import Student
from app.quiz.models import Question

REPORTS_PER_DAY = 20
REASON_MIN, REASON_MAX = 5, 1000


def report_from_attempt(user, attempt, position, reason, now):
    """A student's report of a question of their own finished attempt."""
    if not user.role_enum.takes_quizzes or attempt.student_id != user.student_id:
        raise DomainError("Chỉ báo lỗi được câu hỏi trong bài làm của chính em.")
    if attempt.submitted_at is None:
        raise DomainError("Em nộp bài rồi mới báo lỗi câu hỏi được.")
    item = next((i for i in attempt.questions if i.position == position), None)
    if item is None:
        raise DomainError("Không có câu hỏi này trong bài.")
    return _report(user, item.question_id, item.version_id, reason, now, attempt_id=attempt.id,
                   round_id=attempt.round_id, student_id=attempt.student_id)


def report_question(user, question, reason, now):
    """A staff member's report of a question they can see (its page)."""
    return _report(user, question.id, question.current.id, reason, now)


def _report(user, question_id, version_id, reason, now, **where):
    student = user.role_enum.takes_quizzes
    reason = " ".join(nfc(reason or "").split())
    if len(reason) < REASON_MIN:
        raise DomainError(("Em hãy" if student else "Hãy") + f" ghi rõ câu hỏi sai ở đâu (ít nhất {REASON_MIN} ký tự).")
    if _open_report(user.id, question_id) is not None:
        raise DomainError(_already(student))
    today = db.session.execute(select(func.count()).select_from(QuestionReport).where(
        QuestionReport.reporter_id == user.id, QuestionReport.created_at > now - timedelta(days=1))).scalar_one()
    if today >= REPORTS_PER_DAY:
        raise DomainError(f"Mỗi ngày chỉ gửi được {REPORTS_PER_DAY} báo lỗi. "
                          + ("Em" if student else "Bạn") + " gửi tiếp vào ngày mai nhé.")
    report = QuestionReport(question_id=question_id, version_id=version_id, reporter_id=user.id,
                            reason=reason[:REASON_MAX], created_at=now, **where)
    savepoint = db.session.begin_nested()
    try:
        db.session.add(report)
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()  # the same person's other tap won
        raise DomainError(_already(student)) from None
    if not student:
        question = db.session.get(Question, question_id)
        audit.record(user, "question.report", "question", question_id, question.bank.unit_id, reason[:200])
    return report


def _already(student):
    return ("Em đã báo lỗi câu này; thầy cô đang xem xét." if student
            else "Bạn đã báo lỗi câu này; báo lỗi đang chờ xử lý.")


def _open_report(user_id, question_id):
    return db.session.execute(select(QuestionReport).where(
        QuestionReport.reporter_id == user_id, QuestionReport.question_id == question_id,
        QuestionReport.closed_at.is_(None))).scalar_one_or_none()


def open_reports(question):
    return db.session.execute(select(QuestionReport).where(
        QuestionReport.question_id == question.id, QuestionReport.closed_at.is_(None))
        .order_by(QuestionReport.created_at)).scalars().all()


def reported_question_ids(user, question_ids):
    """Which of these questions the user has an open report on."""
    if not question_ids:
        return set()
    return set(db.session.execute(select(QuestionReport.question_id).where(
        QuestionReport.reporter_id == user.id, QuestionReport.question_id.in_(list(question_ids)),
        QuestionReport.closed_at.is_(None))).scalars())


def dismiss_reports(actor, question, now):
    """Close the open reports of a question without a correction. Returns how many."""
    reports = open_reports(question)
    for report in reports:
        report.closed_at, report.closed_by_id = now, actor.id
        report.resolution = ReportResolution.DISMISSED.value
    if reports:
        audit.record(actor, "question.reports_dismissed", "question", question.id, question.bank.unit_id,
                     f"{question.bank.code} #{question.id}: {len(reports)} báo lỗi không điều chỉnh")
    return len(reports)


def bank_reports(bank):
    """[(question, open reports, all reports)] of a bank's reported questions, most open first."""
    open_count = func.count(QuestionReport.id).filter(QuestionReport.closed_at.is_(None))
    rows = db.session.execute(
        select(QuestionReport.question_id, open_count, func.count(QuestionReport.id))
        .join(Question, Question.id == QuestionReport.question_id).where(Question.bank_id == bank.id)
        .group_by(QuestionReport.question_id)).all()
    questions = {q.id: q for q in db.session.execute(
        select(Question).where(Question.id.in_([r[0] for r in rows]))).scalars().unique()} if rows else {}
    found = [(questions[qid], opened, total) for qid, opened, total in rows]
    return sorted(found, key=lambda r: (-r[1], -r[2], r[0].id))


def open_report_count(bank):
    return db.session.execute(select(func.count(QuestionReport.id)).join(
        Question, Question.id == QuestionReport.question_id).where(
        Question.bank_id == bank.id, QuestionReport.closed_at.is_(None))).scalar_one()


def reporter_labels(viewer, reports):
    """{report id: who reported it, as this viewer may read it}: a student's name and class
    only for staff who may see that student; staff by name and unit."""
    students = {r.student_id for r in reports if r.student_id}
    visible = set(db.session.execute(students_query(viewer).with_only_columns(Student.id)
                                     .where(Student.id.in_(students))).scalars()) if students else set()
    labels = {}
    for report in reports:
        if report.student_id:
            if report.student_id in visible:
                student = report.student
                labels[report.id] = (f"{student.full_name} (học sinh"
                                     f"{' lớp ' + student.school_class.name if student.school_class else ''}, "
                                     f"{student.school.name})")
            else:
                labels[report.id] = "Một học sinh ngoài phạm vi của bạn"
        elif report.reporter is not None:
            unit = report.reporter.unit
            labels[report.id] = f"{report.reporter.full_name}{' · ' + unit.name if unit else ''}"
        else:
            labels[report.id] = "Tài khoản đã xóa"
    return labels
