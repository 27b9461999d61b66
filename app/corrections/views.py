"""Corrections on the web: a student reports a question from the review of their own
attempt, staff from the question's page; the staff of the bank's unit read the
reports (per question, and a bank's reported questions), choose a correction, see its
dry run and apply it ("Áp dụng", POST).

Pages of other features show what corrections say through the template globals
registered here (`question_corrections`, `bank_report_count`, `review_corrections`,
`correction_notes`): those templates call them, their Python never imports this
package, so imports still go down the layers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.actions import run_action
from app.core.forms import EmptyForm
from app.core.timeutil import utcnow
from app.corrections import notes, reports, services
from app.corrections.models import CorrectionKind
from app.extensions import db
from app.org.access import students_query
from app.org.models import Student
from app.quiz import access
from app.quiz.contests.results import names

bp = Blueprint("corrections", __name__)


def _staff_question(question_id):
    """A question whose bank the user may edit: its reports and corrections."""
    question = access.get_question_or_404(current_user, question_id)
    if not access.can_edit_bank(current_user, question.bank):
        abort(404)
    return question


def may_apply(user, question):
    """Apply a correction: the bank's staff who also issue and revoke certificates (not
    teachers); every contest it changes is checked when applying."""
    return access.can_edit_bank(user, question.bank) and user.role_enum.manages_contests


def _checked_post():
    if not EmptyForm().validate_on_submit():
        abort(400)


# Reports -----------------------------------------------------------------------------------

@bp.route("/attempts/<int:attempt_id>/report", methods=["POST"])
@login_required
def report_from_attempt(attempt_id):
    """A student's report of a question of their own attempt (the review's button)."""
    if not current_user.role_enum.takes_quizzes:
        abort(404)
    attempt = access.get_attempt_or_404(current_user, attempt_id)
    _checked_post()
    position = request.form.get("position", type=int)
    reports.report_from_attempt(current_user, attempt, position, request.form.get("reason", ""), utcnow())
    flash(f"Em đã gửi báo lỗi câu {position}. Thầy cô sẽ xem xét; nếu câu hỏi sai, điểm của mọi bạn "
          "được tính lại.", "success")
    return redirect(url_for("attempts.result", attempt_id=attempt.id) + f"#cau-{position}")


@bp.route("/questions/<int:question_id>/report", methods=["POST"])
@login_required
def report_question(question_id):
    """A staff member's report of a question they see (its page)."""
    question = access.get_question_or_404(current_user, question_id)
    _checked_post()
    reports.report_question(current_user, question, request.form.get("reason", ""), utcnow())
    flash("Đã gửi báo lỗi câu hỏi tới cán bộ quản lý ngân hàng.", "success")
    return redirect(url_for("banks.question_detail", question_id=question.id) + "#bao-loi")


@bp.route("/questions/<int:question_id>/reports/dismiss", methods=["POST"])
@login_required
def dismiss_reports(question_id):
    question = _staff_question(question_id)
    _checked_post()
    count = reports.dismiss_reports(current_user, question, utcnow())
    flash(f"Đã đóng {count} báo lỗi: câu hỏi không cần điều chỉnh.", "success")
    return redirect(url_for("banks.question_detail", question_id=question.id) + "#bao-loi")


@bp.route("/banks/<int:bank_id>/reports")
@login_required
def bank_reports(bank_id):
    bank = access.get_bank_or_404(current_user, bank_id)
    if not access.can_edit_bank(current_user, bank):
        abort(404)
    return render_template("corrections/bank_reports.html", bank=bank, rows=reports.bank_reports(bank))


# Corrections -------------------------------------------------------------------------------

def _proposal(values):
    return services.Proposal(kind=values.get("kind", ""), right=values.getlist("right"),
                             reason=values.get("reason", ""), explanation=values.get("explanation", ""))


@bp.route("/questions/<int:question_id>/correction")
@login_required
def correction_form(question_id):
    question = _staff_question(question_id)
    return render_template("corrections/correct.html", question=question, bank=question.bank,
                           version=question.current, kinds=services.kinds_for(question),
                           chosen=_proposal(request.args), history=services.corrections_of(question),
                           can_apply=may_apply(current_user, question))


@bp.route("/questions/<int:question_id>/correction/dry-run")
@login_required
def dry_run(question_id):
    """What the chosen correction would change everywhere the question was drawn; writes nothing."""
    question = _staff_question(question_id)
    if not request.args.get("kind"):
        return redirect(url_for("corrections.correction_form", question_id=question.id))
    proposal = _proposal(request.args)
    plan = run_action(lambda: services.dry_run(question, proposal))
    if plan is None:
        return redirect(url_for("corrections.correction_form", question_id=question.id, **request.args.to_dict(flat=False)))
    changed = [change for _, change in plan.prize_changes]
    visible = set(db.session.execute(students_query(current_user).with_only_columns(Student.id).where(
        Student.id.in_({c.student_id for c in changed}))).scalars()) if changed else set()
    manageable = {c.id for c in plan.contests if access.can_manage_contest(current_user, c)}
    return render_template("corrections/dry_run.html", question=question, bank=question.bank, plan=plan,
                           proposal=plan.proposal, kind=CorrectionKind(plan.proposal.kind),
                           version=question.current, students=names(changed), visible=visible,
                           manageable=manageable,
                           right=services.right_texts(services.corrected_version(question, plan.proposal)),
                           can_apply=may_apply(current_user, question) and len(manageable) == len(plan.contests))


@bp.route("/questions/<int:question_id>/correction", methods=["POST"])
@login_required
def apply(question_id):
    question = _staff_question(question_id)
    if not may_apply(current_user, question):
        abort(403)
    _checked_post()
    applied = services.apply(current_user, question, _proposal(request.form),
                             request.form.get("base", type=int), utcnow())
    flash(applied.message, "success")
    return redirect(url_for("banks.question_detail", question_id=question.id))


# What other pages show ----------------------------------------------------------------------

@bp.app_template_global()
def question_corrections(question):
    """For a question's page: the viewer's rights, their own open report, and for the
    bank's staff the open reports (with who sent them, as they may read it) and the
    corrections applied."""
    can_edit = access.can_edit_bank(current_user, question.bank)
    found = {"can_edit": can_edit, "can_report": current_user.role_enum.is_staff,
             "reported": bool(reports.reported_question_ids(current_user, [question.id])),
             "reports": [], "labels": {}, "history": []}
    if can_edit:
        found["reports"] = reports.open_reports(question)
        found["labels"] = reports.reporter_labels(current_user, found["reports"])
        found["history"] = services.corrections_of(question)
    return found


@bp.app_template_global()
def bank_report_count(bank):
    """Open reports of a bank's questions, for its staff (None for others)."""
    if not access.can_edit_bank(current_user, bank):
        return None
    return reports.open_report_count(bank)


@bp.app_template_global()
def review_corrections(attempt):
    """For a student's review: a line for each corrected question, whether they may report
    (their own finished attempt) and the questions they reported and nobody closed yet."""
    own = (current_user.is_authenticated and current_user.role_enum.takes_quizzes
           and attempt.student_id == current_user.student_id and attempt.submitted_at is not None)
    return {"notes": notes.review_notes(attempt), "can_report": own,
            "reported": reports.reported_question_ids(current_user, {i.question_id for i in attempt.questions})
            if own else set()}


@bp.app_template_global()
def correction_notes(round=None, contest=None):  # noqa: A002 (the templates' names)
    """The public notes of a round's or a contest's results pages."""
    return notes.public_notes(utcnow(), round_=round, contest=contest)
