"""The coverage report files (XLSX, PDF) of a unit for a user and a selection given as the
page's query arguments: the same numbers as the page, whether the file is made in the
request (the summary) or by a background job (the XLSX with every student, a province's
worth of rows)."""
from datetime import date

from app.core import scope
from app.core.errors import DomainError
from app.core.spreadsheet import XLSX_MIMETYPE
from app.core.text import fold, nfc
from app.core.timeutil import local_today, parse_vn_date, school_year_of, utcnow
from app.coverage import access, participation, reports, rollup
from app.extensions import db
from app.jobs.services import job_kind
from app.org import access as org_access
from app.org.models import Unit
from app.quiz import access as quiz_access
from app.quiz.models import Contest

def _date_arg(args, name):
    value = (args.get(name) or "").strip()
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


def selection_of(args, user):
    """(selection, contests in the user's reach) from the query arguments; None for a
    contest out of reach. A bad year or date raises DomainError."""
    contests = db.session.execute(quiz_access.contests_query(user)
                                  .order_by(Contest.school_year.desc(), Contest.code)).scalars().all()
    contest = None
    if args.get("contest"):
        contest = next((c for c in contests if str(c.id) == str(args["contest"])), None)
        if contest is None:
            return None, contests
    try:
        year = int(args.get("year") or 0) or (contest.school_year if contest else school_year_of(local_today()))
    except ValueError:
        raise DomainError("Năm học không hợp lệ.") from None
    date_from, date_to = _date_arg(args, "from"), _date_arg(args, "to")
    if contest is not None:
        year = contest.school_year
    return rollup.Selection(year, contest, date_from, date_to), contests


def query_args(selection):
    args = {"year": selection.school_year}
    if selection.contest is not None:
        args["contest"] = selection.contest.id
    if selection.date_from:
        args["from"] = selection.date_from.isoformat()
    if selection.date_to:
        args["to"] = selection.date_to.isoformat()
    return args


def page_data(user, unit, selection):
    """(rows, total, stage targets, total target) of a unit's page: its classes for a
    school, its children otherwise, as far as the user sees them."""
    root_id = rollup.root_of(unit.id)
    stage_targets = rollup.targets(root_id, selection.school_year)
    if unit.is_school:
        rows, total = rollup.class_rows(unit, selection, access.visible_class_ids(user), stage_targets)
    else:
        rows, total = rollup.unit_rows(unit, selection, access.visible_school_ids(user), stage_targets)
    return rows, total, stage_targets, rollup.target_gap(total, stage_targets)


def file_name(unit, selection, ext):
    slug = "-".join(fold(unit.code or unit.name).split())[:40] or "don-vi"
    return f"bao-cao-tham-gia-{slug}-{selection.school_year}.{ext}"


def signer_of(args):
    return " ".join(nfc(args.get("signer") or "").split())[:120]  # printed under the position


def xlsx_file(user, unit, selection, signer, detail):
    """(file object, name) of the XLSX report; `detail` adds a sheet of students per school."""
    rows, total, stage_targets, _ = page_data(user, unit, selection)
    schools = None
    if detail:
        schools = access.visible_schools_under(user, unit)
        if selection.contest is not None:
            schools = schools.where(Unit.id.in_(scope.subtree_ids(selection.contest.unit_id)))
    data = reports.xlsx_report(unit, selection, rows, total, utcnow(), detail_schools=schools,
                               stage_targets=stage_targets, signer=signer)
    return data, file_name(unit, selection, "xlsx")


@job_kind("coverage.report_xlsx")
def report_xlsx_job(context):
    """The XLSX with every student's row, made for the user who asked, with their access."""
    user, args = context.user, context.params["args"]
    unit = db.session.execute(org_access.units_query(user).where(Unit.id == context.params["unit_id"])).scalar()
    selection, _ = selection_of(args, user)
    if unit is None or selection is None or not user.role_enum.sees_student_reports:
        raise DomainError("Bạn không còn quyền xem báo cáo này.")
    context.progress(0, 1)
    data, name = xlsx_file(user, unit, selection, signer_of(args), detail=True)
    context.save_file(data, name, XLSX_MIMETYPE)
    context.progress(1, 1)
    return f"Đã tạo báo cáo Excel kèm danh sách học sinh của {unit.name}."


@job_kind("coverage.rebuild")
def rebuild_job(context):
    """`flask coverage rebuild` from the web, for the platform's admin."""
    if not context.user.role_enum.sees_all:
        raise DomainError("Chỉ quản trị hệ thống được tính lại số liệu tham gia.")
    rows = participation.rebuild(commit=db.session.commit, progress=context.progress)
    return f"Đã tính lại: {rows} học sinh tham gia."
