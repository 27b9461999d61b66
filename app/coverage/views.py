"""Coverage dashboards and reports. Every page is a unit, school or class the viewer
may see (scope), with the same selection (contest or school year, dates) in the
query string, so a report downloaded from a page holds the page's numbers."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from app.core import scope
from app.core.errors import DomainError
from app.core.text import nfc
from app.core.timeutil import local_today, parse_vn_date, school_year_of, utcnow
from app.coverage import access, reports, rollup
from app.coverage.forms import TargetForm
from app.coverage.models import STAGES
from app.coverage.targets import set_target, targets_of
from app.extensions import db
from app.org import access as org_access
from app.org.models import Unit
from app.quiz import access as quiz_access
from app.quiz.models import Contest

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


def _date_arg(name):
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_vn_date(value)
    except ValueError:
        raise DomainError(f"Ngày “{value}” không đúng dạng ngày/tháng/năm.") from None


def _selection():
    """The contest (if any, in the viewer's reach), school year and dates from the query string."""
    contests = db.session.execute(quiz_access.contests_query(current_user)
                                  .order_by(Contest.school_year.desc(), Contest.code)).scalars().all()
    contest = None
    if request.args.get("contest"):
        contest = next((c for c in contests if str(c.id) == request.args["contest"]), None)
        if contest is None:
            abort(404)
    try:
        year = int(request.args.get("year") or 0) or (contest.school_year if contest else school_year_of(local_today()))
        date_from, date_to = _date_arg("from"), _date_arg("to")
    except (ValueError, DomainError) as exc:
        flash(getattr(exc, "message", "Năm học không hợp lệ."), "error")
        year, date_from, date_to = school_year_of(local_today()), None, None
    if contest is not None:
        year = contest.school_year
    return rollup.Selection(year, contest, date_from, date_to), contests


def _query_args(selection):
    args = {"year": selection.school_year}
    if selection.contest is not None:
        args["contest"] = selection.contest.id
    if selection.date_from:
        args["from"] = selection.date_from.isoformat()
    if selection.date_to:
        args["to"] = selection.date_to.isoformat()
    return args


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


def _page_data(unit, selection):
    root_id = rollup.root_of(unit.id)
    stage_targets = rollup.targets(root_id, selection.school_year)
    if unit.is_school:
        visible = access.visible_class_ids(current_user)
        rows, total = rollup.class_rows(unit, selection, visible, stage_targets)
    else:
        visible = access.visible_school_ids(current_user)
        rows, total = rollup.unit_rows(unit, selection, visible, stage_targets)
    total_target = rollup.target_gap(total, stage_targets)
    return rows, total, stage_targets, total_target


@bp.route("/units/<int:unit_id>")
@login_required
def unit(unit_id):
    """A unit's children (or a school's classes) against the target, worst first."""
    _staff()
    unit = org_access.get_unit_or_404(current_user, unit_id)
    selection, contests = _selection()
    rows, total, stage_targets, total_target = _page_data(unit, selection)
    schools = access.visible_schools_under(current_user, unit)
    classes = access.visible_class_ids(current_user)  # a teacher: only theirs
    ancestors = db.session.execute(access.visible_ancestors(current_user, unit)).scalars().all()
    return render_template("coverage/unit.html", unit=unit, rows=rows, total=total, stage_targets=stage_targets,
                           total_target=total_target, selection=selection, contests=contests,
                           args=_query_args(selection), weeks=rollup.weekly(selection, schools, classes),
                           computed_at=utcnow(), ancestors=ancestors, stages=STAGES,
                           can_report=current_user.role_enum.sees_student_reports)


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
                           selection=selection, contests=contests, args=_query_args(selection),
                           waiting=sum(1 for s in students if not s[3]), computed_at=utcnow())


def _report_args(unit_id):
    _staff(current_user.role_enum.sees_student_reports)
    unit = org_access.get_unit_or_404(current_user, unit_id)
    selection, _ = _selection()
    rows, total, stage_targets, _ = _page_data(unit, selection)
    signer = " ".join(nfc(request.args.get("signer") or "").split())[:120]  # printed under the position
    return unit, selection, rows, total, dict(stage_targets=stage_targets, signer=signer)


def _file_name(unit, selection, ext):
    from app.core.text import fold
    slug = "-".join(fold(unit.code or unit.name).split())[:40] or "don-vi"
    return f"bao-cao-tham-gia-{slug}-{selection.school_year}.{ext}"


@bp.route("/units/<int:unit_id>/report.xlsx")
@login_required
def report_xlsx(unit_id):
    unit, selection, rows, total, options = _report_args(unit_id)
    detail = None
    if request.args.get("detail"):
        detail = access.visible_schools_under(current_user, unit)
        if selection.contest is not None:
            detail = detail.where(Unit.id.in_(scope.subtree_ids(selection.contest.unit_id)))
    data = reports.xlsx_report(unit, selection, rows, total, utcnow(), detail_schools=detail, **options)
    return send_file(data, as_attachment=True, download_name=_file_name(unit, selection, "xlsx"),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/units/<int:unit_id>/report.pdf")
@login_required
def report_pdf(unit_id):
    import io
    unit, selection, rows, total, options = _report_args(unit_id)
    data = reports.pdf_report(unit, selection, rows, total, utcnow(), **options)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=_file_name(unit, selection, "pdf"),
                     mimetype="application/pdf")


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
