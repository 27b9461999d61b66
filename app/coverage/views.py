"""Coverage dashboards and reports. Every page is a unit, school or class the viewer
may see (scope), with the same selection (contest or school year, dates) in the
query string, so a report downloaded from a page holds the page's numbers."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.timeutil import local_today, school_year_of, utcnow
from app.core.forms import EmptyForm
from app.core.spreadsheet import XLSX_MIMETYPE
from app.coverage import access, report_files, reports, rollup
from app.coverage.forms import TargetForm
from app.coverage.models import STAGES
from app.coverage.targets import set_target, targets_of
from app.extensions import db
from app.jobs.services import start_job
from app.org import access as org_access
from app.org import services as org_services
from app.org.models import MIDDLE_KINDS, Unit

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

NBSP = "\u00a0"


@bp.app_template_filter("rate_text")
def rate_text(value, digits=1):
    """50 -> '50,0 %' with a no-break space, so the sign never wraps to a line of its own;
    digits None: as few as needed (a target: '80 %', '82,5 %')."""
    if value is None:
        return "—"
    number = f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return number.replace(".", ",") + NBSP + "%"


@bp.app_template_filter("pct")
def pct(value, digits=1):
    """A rate (0-100) for the page: rate_text in a span the stylesheet keeps on one line."""
    return Markup(f'<span class="pct">{rate_text(value, digits)}</span>')

def _staff(allowed=True):
    """Staff pages; `allowed` narrows them to a capability of the user's role."""
    if not (current_user.role_enum.is_staff and allowed):
        abort(404)


def _selection():
    """The page's selection from its query string; a contest out of reach is 404, a bad
    year or date is said and the current school year shown instead."""
    try:
        selection, contests = report_files.selection_of(request.args, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        selection, contests = report_files.selection_of({"contest": request.args.get("contest", "")}, current_user)
    if selection is None:
        abort(404)
    return selection, contests


@bp.route("")
@login_required
def home():
    _staff()
    if current_user.unit_id is None:
        root = db.session.execute(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalar()
        if root is None:
            abort(404)
        return redirect(url_for("coverage.unit", unit_id=root, **request.args))
    return redirect(url_for("coverage.unit", unit_id=current_user.unit_id, **request.args))


@bp.route("/units/<int:unit_id>")
@login_required
def unit(unit_id):
    """A unit's children (or a school's classes) against the target, worst first."""
    _staff()
    unit = org_access.get_unit_or_404(current_user, unit_id)
    selection, contests = _selection()
    rows, total, stage_targets, total_target = report_files.page_data(current_user, unit, selection)
    schools = access.visible_schools_under(current_user, unit)
    classes = access.visible_class_ids(current_user)  # a teacher: only theirs
    ancestors = db.session.execute(access.visible_ancestors(current_user, unit)).scalars().all()
    rows_label = "Lớp" if unit.is_school else (org_services.children_label(unit) or "Đơn vị")
    return render_template("coverage/unit.html", unit=unit, rows=rows, total=total, stage_targets=stage_targets,
                           rows_label=rows_label, middle_kinds=MIDDLE_KINDS,
                           total_target=total_target, selection=selection, contests=contests,
                           args=report_files.query_args(selection), weeks=rollup.weekly(selection, schools, classes),
                           computed_at=utcnow(), ancestors=ancestors, stages=STAGES,
                           can_report=current_user.role_enum.sees_student_reports, form=EmptyForm())


@bp.route("/classes/<int:class_id>")
@login_required
def school_class(class_id):
    """A class: who has taken part and who has not yet, so the teacher can remind them."""
    _staff()
    school_class = org_access.get_class_or_404(current_user, class_id)
    selection, contests = _selection()
    selection.school_year = school_class.school_year if selection.contest is None else selection.school_year
    students = rollup.class_students(school_class, selection)
    return render_template("coverage/class.html", school_class=school_class, students=students,
                           selection=selection, contests=contests, args=report_files.query_args(selection),
                           waiting=sum(1 for s in students if not s[3]), computed_at=utcnow())


def _report_args(unit_id):
    _staff(current_user.role_enum.sees_student_reports)
    unit = org_access.get_unit_or_404(current_user, unit_id)
    selection, _ = _selection()
    return unit, selection


@bp.route("/units/<int:unit_id>/report.xlsx", methods=["GET", "POST"])
@login_required
def report_xlsx(unit_id):
    """The summary is made at once; with every student's row (`detail`), a province's
    worth, the file is made by a background job: GET shows the button, POST starts it."""
    unit, selection = _report_args(unit_id)
    args = {**report_files.query_args(selection), "signer": report_files.signer_of(request.values)}
    if request.values.get("detail"):
        form = EmptyForm()
        if request.method == "POST" and form.validate_on_submit():
            back = url_for("coverage.unit", unit_id=unit.id, **report_files.query_args(selection))
            job = start_job(current_user, "coverage.report_xlsx",
                            {"unit_id": unit.id, "args": args, "back_url": back, "back_label": "Về trang tham gia"},
                            f"Báo cáo Excel kèm danh sách học sinh: {unit.name}")
            return redirect(url_for("jobs.job_page", job_id=job.id))
        return render_template("coverage/report_job.html", unit=unit, selection=selection, form=form,
                               args=report_files.query_args(selection), signer=args["signer"])
    data, name = report_files.xlsx_file(current_user, unit, selection, args["signer"], detail=False)
    return send_file(data, as_attachment=True, download_name=name, mimetype=XLSX_MIMETYPE)


@bp.route("/units/<int:unit_id>/report.pdf")
@login_required
def report_pdf(unit_id):
    unit, selection = _report_args(unit_id)
    rows, total, stage_targets, _ = report_files.page_data(current_user, unit, selection)
    data = reports.pdf_report(unit, selection, rows, total, utcnow(), stage_targets=stage_targets,
                              signer=report_files.signer_of(request.args))
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=report_files.file_name(unit, selection, "pdf"), mimetype="application/pdf")


@bp.route("/rebuild", methods=["POST"])
@login_required
def rebuild():
    """Recompute participation from the attempts (a repair), as a background job."""
    _staff(current_user.role_enum.sees_all)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = start_job(current_user, "coverage.rebuild", {"back_url": url_for("coverage.home"),
                                                       "back_label": "Về trang tham gia"},
                    "Tính lại số liệu tham gia")
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets():
    """The Sở's targets per stage and year (over the national ones of Decision 1588)."""
    _staff(current_user.role_enum.sets_coverage_targets)
    root_id = rollup.root_of(current_user.unit_id)
    if root_id != current_user.unit_id:
        abort(404)  # only the Sở's own staff set its targets
    form = TargetForm()
    if form.validate_on_submit():
        flash(set_target(current_user, root_id, form.stage.data, form.year.data, form.percent.data), "success")
        return redirect(url_for("coverage.targets"))
    rows = targets_of(root_id)
    year = school_year_of(local_today())
    return render_template("coverage/targets.html", form=form, rows=rows, current=rollup.targets(root_id, year),
                           year=year)
