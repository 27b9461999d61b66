from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import issue_first_passwords, reset_password
from app.core import scope
from app.core.actions import run_action
from app.core.forms import ConfirmImportForm, EmptyForm, UploadForm
from app.core.text import fold
from app.core.timeutil import local_today, school_year_of
from app.core.uploads import EXPIRED_UPLOAD, drop_pending, save_pending, two_step_upload
from app.extensions import db
from app.core.spreadsheet import read_rows
from app.org import access, csdl, roster, services
from app.org.cards import login_cards_pdf
from app.org.forms import ClassForm, MoveForm, TeachersForm, UnitForm
from app.org.models import SchoolClass, Student, Unit, kinds_label
from app.org.school_import import import_schools

bp = Blueprint("org", __name__)
PAGE_SIZE = 100


def current_school_year():
    return school_year_of(local_today())


def _require(allowed):
    if not allowed:
        abort(404)


def _parent_choices(unit=None):
    visible = scope.unit_ids_visible(current_user)
    allowed = None if visible is None else set(db.session.execute(visible).scalars())
    return [(u.id, f"{u.name} ({u.kind_label})") for u in services.possible_parents(unit)
            if allowed is None or u.id in allowed]


# The unit tree

@bp.route("/units")
@login_required
def tree():
    _require(current_user.role_enum.works_above_schools)
    root_ids = None if current_user.role_enum.sees_all else {current_user.unit_id}
    return render_template("org/tree.html", rows=services.tree_rows(root_ids), form=EmptyForm(),
                           can_edit=access.can_manage_tree(current_user))


@bp.route("/units/new", methods=["GET", "POST"])
@login_required
def unit_create():
    _require(access.can_manage_tree(current_user))
    form = UnitForm()
    form.parent_id.choices = ([(0, "— (không có: đây là Sở)")] if current_user.role_enum.sees_all else []) \
        + _parent_choices()
    if request.method == "GET":
        form.parent_id.data = request.args.get("parent", type=int) or 0
        form.kind.data = request.args.get("kind", "school")
    if form.validate_on_submit():
        parent = access.get_unit_or_404(current_user, form.parent_id.data) if form.parent_id.data else None
        if run_action(lambda: services.create_unit(current_user, kind=form.kind.data, name=form.name.data,
                                                   parent=parent, code=form.code.data,
                                                   level=form.level.data or None, address=form.address.data),
                      lambda unit: f"Đã tạo “{unit.name}”."):
            return redirect(url_for("org.tree"))
    return render_template("org/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def unit_edit(unit_id):
    _require(access.can_manage_tree(current_user))
    unit = access.get_unit_or_404(current_user, unit_id)
    form = UnitForm(obj=unit)
    del form.kind, form.parent_id
    if request.method == "GET":
        form.level.data = unit.level or ""
    if form.validate_on_submit():
        if run_action(lambda: services.update_unit(current_user, unit, name=form.name.data, code=form.code.data,
                                                   level=form.level.data or None, address=form.address.data),
                      "Đã lưu."):
            return redirect(url_for("org.tree"))
    return render_template("org/unit_form.html", form=form, unit=unit)


@bp.route("/units/<int:unit_id>/move", methods=["GET", "POST"])
@login_required
def unit_move(unit_id):
    _require(access.can_manage_tree(current_user))
    unit = access.get_unit_or_404(current_user, unit_id)
    form = MoveForm()
    form.parent_id.choices = _parent_choices(unit)
    if request.method == "GET":
        form.parent_id.data = unit.parent_id
    if form.validate_on_submit():
        parent = access.get_unit_or_404(current_user, form.parent_id.data)
        if run_action(lambda: services.move_unit(current_user, unit, parent),
                      f"Đã chuyển “{unit.name}” về “{parent.name}”."):
            return redirect(url_for("org.tree"))
    return render_template("org/unit_move.html", form=form, unit=unit)


@bp.route("/units/<int:unit_id>/delete", methods=["POST"])
@login_required
def unit_delete(unit_id):
    _require(access.can_manage_tree(current_user))
    unit = access.get_unit_or_404(current_user, unit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if unit.id == current_user.unit_id:
        flash("Không thể xoá đơn vị của chính mình.", "error")
        return redirect(url_for("org.tree"))
    run_action(lambda: services.delete_unit(current_user, unit), "Đã xoá.")
    return redirect(url_for("org.tree"))


@bp.route("/units/import", methods=["GET", "POST"])
@login_required
def schools_import():
    _require(access.can_manage_tree(current_user))
    form = UploadForm()
    roots = [u for u in db.session.execute(
        access.units_query(current_user).where(Unit.kind == "department")).scalars()]
    if not current_user.role_enum.sees_all:
        roots = [access.get_unit_or_404(current_user, current_user.unit_id)]
    result = None
    if form.validate_on_submit():
        root = access.get_unit_or_404(current_user, request.form.get("root_id", type=int) or 0)
        if root.kind != "department" and current_user.role_enum.sees_all:
            abort(400)
        result = run_action(lambda: import_schools(current_user, form.file.data.read(), form.file.data.filename,
                                                   root=root))
        if result and result.errors:
            db.session.rollback()  # a file with a bad row writes nothing, yet its page shows the rows
            flash(f"Tệp có {len(result.errors)} dòng lỗi, chưa nhập trường nào.", "error")
        elif result:
            flash(f"Đã nhập: {result.created} trường mới, {result.updated} cập nhật, "
                  f"{result.moved} chuyển đơn vị, {result.unchanged} không đổi.", "success")
    return render_template("org/schools_import.html", form=form, roots=roots, result=result)


# Units, schools and classes

def _student_counts_by_school(school_ids, year):
    rows = db.session.execute(
        select(SchoolClass.school_id, func.count(Student.id))
        .join(Student, Student.class_id == SchoolClass.id)
        .where(SchoolClass.school_id.in_(school_ids), SchoolClass.school_year == year, Student.left_at.is_(None))
        .group_by(SchoolClass.school_id)
    ).all()
    return dict(rows)


@bp.route("/units/<int:unit_id>")
@login_required
def unit_detail(unit_id):
    unit = access.get_unit_or_404(current_user, unit_id)
    if unit.is_school:
        return redirect(url_for("org.school_detail", school_id=unit.id))
    year = request.args.get("year", type=int) or current_school_year()
    children = list(db.session.execute(
        access.units_query(current_user).where(Unit.parent_id == unit.id).order_by(Unit.kind != "school",
                                                                                  Unit.sort_key)
    ).scalars())
    schools = list(db.session.execute(services.schools_under(unit.id).order_by(Unit.sort_key)).scalars())
    counts = _student_counts_by_school([s.id for s in schools], year)
    return render_template("org/unit_detail.html", unit=unit, children=children, schools=schools,
                           counts=counts, year=year, ancestors=services.ancestors(unit),
                           middle_label=kinds_label(c.kind for c in children if not c.is_school))


@bp.route("/schools/<int:school_id>")
@login_required
def school_detail(school_id):
    school = access.get_school_or_404(current_user, school_id)
    year = request.args.get("year", type=int) or current_school_year()
    classes = db.session.execute(
        access.classes_query(current_user).where(SchoolClass.school_id == school.id,
                                                SchoolClass.school_year == year)
        .order_by(SchoolClass.grade, SchoolClass.sort_key)).scalars().all()
    sizes = dict(db.session.execute(
        select(Student.class_id, func.count(Student.id)).where(Student.class_id.in_([c.id for c in classes]),
                                                              Student.left_at.is_(None))
        .group_by(Student.class_id)).all())
    staff = db.session.execute(access.staff_of_school(school).order_by(User.role, User.full_name)).scalars().all()
    years = sorted(set(db.session.execute(select(SchoolClass.school_year).where(
        SchoolClass.school_id == school.id).distinct()).scalars()) | {current_school_year()}, reverse=True)
    return render_template("org/school_detail.html", school=school, classes=classes, sizes=sizes,
                           staff=staff, year=year, years=years,
                           can_manage=access.can_manage_school(current_user, school),
                           ancestors=services.ancestors(school))


@bp.route("/schools/<int:school_id>/classes/new", methods=["GET", "POST"])
@login_required
def class_create(school_id):
    school = access.get_school_or_404(current_user, school_id)
    _require(access.can_manage_school(current_user, school))
    form = ClassForm()
    this_year = current_school_year()
    form.school_year.choices = [(y, f"{y}-{y + 1}") for y in (this_year + 1, this_year, this_year - 1)]
    if request.method == "GET":
        form.school_year.data = this_year
    if form.validate_on_submit():
        school_class = run_action(lambda: services.create_class(current_user, school, name=form.name.data,
                                                                grade=form.grade.data,
                                                                school_year=form.school_year.data),
                                  lambda made: f"Đã tạo lớp {made.name}.")
        if school_class:
            return redirect(url_for("org.school_detail", school_id=school.id, year=school_class.school_year))
    return render_template("org/class_form.html", form=form, school=school)


def _search_students(query, text):
    text = fold(text)
    if text:
        query = query.where(Student.search_name.contains(text, autoescape=True) |
                            (func.lower(Student.code) == text))
    return query


@bp.route("/classes/<int:class_id>")
@login_required
def class_detail(class_id):
    school_class = access.get_class_or_404(current_user, class_id)
    q = request.args.get("q", "")
    query = _search_students(access.students_query(current_user).where(Student.class_id == school_class.id), q)
    students = db.session.execute(query.order_by(Student.left_at.is_not(None), Student.sort_key, Student.id)
                                  ).scalars().all()  # those who left (CSDL ngành) last
    return render_template("org/class_detail.html", school_class=school_class, students=students, q=q,
                           can_manage=access.can_manage_class(current_user, school_class),
                           can_assign=access.can_manage_school(current_user, school_class.school),
                           form=EmptyForm())


@bp.route("/schools/<int:school_id>/students")
@login_required
def school_students(school_id):
    school = access.get_school_or_404(current_user, school_id)
    q = request.args.get("q", "")
    query = _search_students(access.students_query(current_user).where(Student.school_id == school.id), q)
    students = db.paginate(query.order_by(Student.sort_key, Student.id), page=request.args.get("page", 1, type=int),
                           per_page=PAGE_SIZE, error_out=False)
    return render_template("org/school_students.html", school=school, students=students, q=q)


@bp.route("/classes/<int:class_id>/teachers", methods=["GET", "POST"])
@login_required
def class_teachers(class_id):
    school_class = access.get_class_or_404(current_user, class_id)
    _require(access.can_manage_school(current_user, school_class.school))
    teachers = db.session.execute(access.teachers_of_school(school_class.school_id).order_by(User.full_name)
                                  ).scalars().all()
    form = TeachersForm()
    form.teacher_ids.choices = [(t.id, f"{t.full_name} ({t.username})") for t in teachers]
    if request.method == "GET":
        form.teacher_ids.data = [t.id for t in school_class.teachers]
    if form.validate_on_submit():
        chosen = [t for t in teachers if t.id in set(form.teacher_ids.data or [])]
        services.set_class_teachers(current_user, school_class, chosen)
        flash("Đã lưu phân công giáo viên.", "success")
        return redirect(url_for("org.class_detail", class_id=school_class.id))
    return render_template("org/class_teachers.html", form=form, school_class=school_class)


@bp.route("/teacher")
@login_required
def teacher_home():
    _require(current_user.role_enum.teaches_classes)
    classes = db.session.execute(access.classes_query(current_user).order_by(
        SchoolClass.school_year.desc(), SchoolClass.grade, SchoolClass.sort_key)).scalars().all()
    sizes = dict(db.session.execute(
        select(Student.class_id, func.count(Student.id)).where(Student.class_id.in_([c.id for c in classes]),
                                                              Student.left_at.is_(None))
        .group_by(Student.class_id)).all())
    return render_template("org/teacher_home.html", classes=classes, sizes=sizes)


# Roster import

def _movable_class_ids(school):
    if access.can_manage_school(current_user, school):
        return None
    return {c.id for c in db.session.execute(access.classes_query(current_user)).scalars()}


def _roster_import(school, school_class, back_url):
    """Upload -> preview (nothing written) -> confirm (good rows, one transaction)."""
    year = school_class.school_year if school_class else current_school_year()
    upload, confirm = UploadForm(), ConfirmImportForm()
    data, token, expired = two_step_upload(current_user.id, upload, confirm)
    if expired:
        flash(EXPIRED_UPLOAD, "error")
        return redirect(request.path)
    if data is None:
        return render_template("org/roster_upload.html", form=upload, school=school,
                               school_class=school_class, back_url=back_url, year=year)
    preview = run_action(lambda: _preview_roster(data, school, school_class, year, kept=token is not None))
    if preview is None:
        drop_pending(current_user.id, token)
        return render_template("org/roster_upload.html", form=upload, school=school,
                               school_class=school_class, back_url=back_url, year=year)
    csdl_export = getattr(preview, "kind", None) == "csdl"
    if "token" in request.form and request.form.get("action") == "commit":
        if csdl_export:
            counts = csdl.commit_csdl(current_user, preview, school=school)
        else:
            counts = roster.commit_roster(current_user, preview, school=school)
        db.session.commit()  # the rows are kept before their upload is thrown away
        drop_pending(current_user.id, token)
        flash(_imported_message(counts), "success")
        return redirect(back_url)
    # An export of the sector database is kept as read, without the personal numbers.
    confirm.token.data = token or save_pending(current_user.id, preview.export.to_bytes() if csdl_export else data)
    return render_template("org/roster_preview.html", preview=preview, form=confirm, school=school,
                           school_class=school_class, back_url=back_url, year=year)


def _preview_roster(data, school, school_class, year, kept):
    """The preview of a roster file, or of an export of the sector database (CSDL
    ngành): told apart by its header (app/org/csdl.py); `kept`: the bytes were kept
    by the preview (an export is kept as read, never an upload taken for one)."""
    movable = _movable_class_ids(school)
    export = csdl.Export.from_bytes(data) if kept else None
    if export is None:
        rows = read_rows(data)
        export = csdl.read_export(rows)
        if export is None:
            return roster.preview_roster(data, "", school=school, school_year=year, target_class=school_class,
                                         movable_class_ids=movable, rows=rows)
    return csdl.preview_csdl(export, school=school, school_year=year, target_class=school_class,
                             movable_class_ids=movable)


def _imported_message(counts):
    parts = [f"{counts['new']} học sinh mới", f"{counts['update']} cập nhật"]
    if "moved" in counts:
        parts += [f"{counts['moved']} chuyển lớp", f"{counts['left']} nghỉ học"]
    parts.append(f"{counts['unchanged']} không đổi")
    if counts.get("classes"):
        parts.append(f"{counts['classes']} lớp mới")
    if counts.get("skipped"):
        parts.append(f"{counts['skipped']} đã nghỉ không có trong danh sách")
    return ("Đã nhập danh sách: " + ", ".join(parts)
            + (f", bỏ qua {counts['error']} dòng lỗi" if counts["error"] else "") + ".")


@bp.route("/classes/<int:class_id>/roster", methods=["GET", "POST"])
@login_required
def class_roster(class_id):
    school_class = access.get_class_or_404(current_user, class_id)
    _require(access.can_manage_class(current_user, school_class))
    return _roster_import(school_class.school, school_class,
                          url_for("org.class_detail", class_id=school_class.id))


@bp.route("/schools/<int:school_id>/roster", methods=["GET", "POST"])
@login_required
def school_roster(school_id):
    school = access.get_school_or_404(current_user, school_id)
    _require(access.can_manage_school(current_user, school))
    return _roster_import(school, None, url_for("org.school_detail", school_id=school.id))


# Student accounts

@bp.route("/classes/<int:class_id>/cards", methods=["POST"])
@login_required
def class_cards(class_id):
    school_class = access.get_class_or_404(current_user, class_id)
    _require(access.can_manage_class(current_user, school_class))
    if not EmptyForm().validate_on_submit():
        abort(400)
    students = db.session.execute(select(Student).where(Student.class_id == school_class.id, Student.left_at.is_(None))
                                  .order_by(Student.sort_key, Student.id)).scalars().all()
    if not students:
        flash("Lớp chưa có học sinh.", "error")
        return redirect(url_for("org.class_detail", class_id=school_class.id))
    rows = issue_first_passwords(current_user, school_class, students)
    pdf = login_cards_pdf(school_class, rows, login_url=request.host_url.rstrip("/") + url_for("accounts.login"))
    return send_file(pdf, mimetype="application/pdf", as_attachment=True,
                     download_name=f"the-dang-nhap-lop-{fold(school_class.name).replace(' ', '')}.pdf")


@bp.route("/students/<int:student_id>/reset-password", methods=["POST"])
@login_required
def student_reset_password(student_id):
    student = access.get_student_or_404(current_user, student_id)
    _require(student.school_class is not None and access.can_manage_class(current_user, student.school_class))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if student.user is None:
        flash("Học sinh chưa có tài khoản.", "error")
    else:
        password = reset_password(current_user, student.user)
        flash(f"Mật khẩu mới của {student.full_name} ({student.user.username}): {password}", "success")
    return redirect(url_for("org.class_detail", class_id=student.class_id))
