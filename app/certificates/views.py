"""Certificates on the web: the template and its preview, issuing, the lists and
downloads (one PDF, a merged PDF or a ZIP per class or school, written by
bundles.py), revocation, and the public verification page. Contests come through
app.core.scope; certificates through access.certificates_query, so a download holds
only what the user may see."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.certificates import access, bundles, jobs, services  # noqa: F401 (jobs: registers the job kinds)
from app.certificates.forms import ImageForm, IssueForm, RevokeForm, TemplateForm, VerifyForm
from app.certificates.models import Certificate, CertificateTemplate
from app.core import scope
from app.core.actions import DONE, run_action
from app.core.forms import EmptyForm
from app.core.text import file_safe, fold, nfc
from app.entries import access as entries_access
from app.entries.models import CreativeContest
from app.extensions import db
from app.jobs.models import JobStatus
from app.jobs.services import start_job
from app.org.models import Student
from app.quiz import access as quiz_access
from app.quiz.models import Contest

bp = Blueprint("certificates", __name__)

PAGE = 50
WEB_DOWNLOAD_LIMIT = 20000  # pages per download; a province's print run is `flask certificates export`
DIRECT_DOWNLOAD_LIMIT = 300  # pages written in the request; more are written by a background job


def _owner(contest_id=None, creative_id=None):
    if not current_user.role_enum.is_staff:
        abort(404)
    if contest_id is not None:
        return quiz_access.get_contest_or_404(current_user, contest_id)
    return entries_access.get_creative_contest_or_404(current_user, creative_id)


def _managed(contest_id=None, creative_id=None):
    owner = _owner(contest_id, creative_id)
    if not access.can_manage_certificates(current_user, owner):
        abort(404)
    return owner


def _owner_args(owner):
    return {"contest_id": owner.id} if isinstance(owner, Contest) else {"creative_id": owner.id}


def _visible(template):
    return access.certificates_query(current_user).where(Certificate.template_id == template.id)


@bp.route("/certificates")
@login_required
def home():
    if not current_user.role_enum.is_staff:
        abort(404)
    contests = db.session.execute(quiz_access.contests_query(current_user)
                                  .order_by(Contest.school_year.desc(), Contest.code)).scalars().all()
    creative = db.session.execute(entries_access.creative_contests_query(current_user)
                                  .order_by(CreativeContest.school_year.desc(), CreativeContest.code)).scalars().all()
    counts = dict(db.session.execute(
        select(Certificate.template_id, func.count()).where(
            Certificate.id.in_(access.certificates_query(current_user).with_only_columns(Certificate.id)),
            Certificate.revoked_at.is_(None)).group_by(Certificate.template_id)).all())
    templates = db.session.execute(select(CertificateTemplate).where(
        CertificateTemplate.contest_id.in_([c.id for c in contests])
        | CertificateTemplate.creative_contest_id.in_([c.id for c in creative]))).scalars().all()
    by_owner = {(t.contest_id, t.creative_contest_id): t for t in templates}
    rows = []
    for owner in contests:
        template = by_owner.get((owner.id, None))
        rows.append((owner, template, counts.get(template.id, 0) if template else 0))
    for owner in creative:
        template = by_owner.get((None, owner.id))
        rows.append((owner, template, counts.get(template.id, 0) if template else 0))
    return render_template("certificates/home.html", rows=rows)


def _routes(rule, **options):
    """Register a view under a quiz contest and under a creative contest."""
    def register(view):
        bp.add_url_rule(f"/contests/<int:contest_id>/certificates{rule}", view_func=view, **options)
        bp.add_url_rule(f"/creative/<int:creative_id>/certificates{rule}", view_func=view, **options)
        return view
    return register


@_routes("", methods=["GET", "POST"])
@login_required
def overview(contest_id=None, creative_id=None):
    owner = _owner(contest_id, creative_id)
    template = services.template_of(owner)
    manage = access.can_manage_certificates(current_user, owner)
    issue_form = IssueForm()
    issue_form.scope.choices = _issue_choices(owner)
    if manage and template and issue_form.validate_on_submit():
        round_ = _chosen_round(owner, issue_form.scope.data)
        back = url_for(".overview", **_owner_args(owner))
        job = start_job(current_user, "certificates.issue",
                        {"template_id": template.id, "round_id": round_.id if round_ else None, "back_url": back,
                         "back_label": "Về trang giấy chứng nhận"}, f"Cấp giấy chứng nhận: {owner.name}")
        return _after_job(job, back)
    groups, listing, total, all_valid = [], [], 0, 0
    q = nfc(request.args.get("q", ""))
    page = max(request.args.get("page", 1, type=int), 1)
    school_id = request.args.get("school_id", type=int)
    if template:
        # above a school, one row per school (its classes one click away), or the page would run to thousands of rows
        by_class = bool(school_id) or current_user.role_enum.works_in_school
        visible = access.certificates_query(current_user)
        groups = [{**group, "params": {**_owner_args(owner), **group["narrowing"]}}
                  for group in bundles.download_groups(template, visible, by_class=by_class, school_id=school_id)]
        all_valid = scope.count_rows(bundles.valid_certificates(template, visible))
        query = _visible(template)
        if school_id:
            query = query.where(Certificate.school_id == school_id)
        if q:
            folded = f"%{fold(q)}%"
            query = query.where(func.lower(Certificate.serial).like(f"%{q.lower()}%")
                                | func.lower(Certificate.recipient_name).like(f"%{q.lower()}%")
                                | Certificate.recipient_name.in_(_names_folded_like(template, folded)))
        listing = db.paginate(query.order_by(Certificate.school_name, Certificate.class_name,
                                             Certificate.recipient_name, Certificate.seq),
                              page=page, per_page=PAGE, error_out=False)
        total = listing.total
    return render_template("certificates/overview.html", owner=owner, template=template, manage=manage,
                           issue_form=issue_form, groups=groups, listing=listing, total=total, q=q,
                           args=_owner_args(owner), school_id=school_id,
                           limit=WEB_DOWNLOAD_LIMIT, all_valid=all_valid)


def _names_folded_like(template, folded):
    """Recipient names matching the accent-folded search (the certificate table keeps
    names as issued, so the folded form comes from the students)."""
    return (select(Student.full_name).join(Certificate, Certificate.student_id == Student.id)
            .where(Certificate.template_id == template.id, Student.search_name.like(folded)))


def _issue_choices(owner):
    if isinstance(owner, CreativeContest):
        return [("all", "Toàn cuộc thi (bài đạt giải và bài vào vòng chung khảo)")]
    choices = [(str(r.id), f"{r.name} (giải và học sinh đạt của đợt)") for r in owner.rounds if not r.practice]
    return choices + [("all", "Toàn cuộc thi (giải chung, giải tập thể, học sinh đạt)")]


def _chosen_round(owner, value):
    if value == "all" or isinstance(owner, CreativeContest):
        return None
    for round_ in owner.rounds:
        if str(round_.id) == value and not round_.practice:
            return round_
    abort(400)


# Template -------------------------------------------------------------------------------

@_routes("/template", methods=["GET", "POST"])
@login_required
def template_edit(contest_id=None, creative_id=None):
    owner = _managed(contest_id, creative_id)
    template = services.template_of(owner) or services.default_template(owner)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in services.TEMPLATE_FIELDS}
        if run_action(lambda: services.save_template(current_user, owner, template, fields), "Đã lưu mẫu giấy."):
            return redirect(url_for(".template_edit", **_owner_args(owner)))
    return render_template("certificates/template.html", owner=owner, template=template, form=form,
                           image_form=ImageForm(), slots=services.IMAGE_SLOTS, args=_owner_args(owner))


@_routes("/template/<any(logo, background, signature):slot>", methods=["POST"])
@login_required
def template_image(slot, contest_id=None, creative_id=None):
    owner = _managed(contest_id, creative_id)
    template = services.template_of(owner)
    if template is None:
        flash("Hãy lưu mẫu giấy trước khi tải ảnh lên.", "error")
        return redirect(url_for(".template_edit", **_owner_args(owner)))
    form = ImageForm()
    if form.validate_on_submit():
        if request.form.get("remove"):
            run_action(lambda: services.remove_image(current_user, template, slot), "Đã bỏ ảnh.")
        elif not form.image.data:
            flash("Chọn một ảnh PNG hoặc JPEG.", "error")
        else:
            upload = form.image.data
            run_action(lambda: services.set_image(current_user, template, slot, upload.stream, upload.filename),
                       f"Đã tải lên: {services.IMAGE_SLOTS[slot].lower()}.")
    return redirect(url_for(".template_edit", **_owner_args(owner)))


@_routes("/preview.pdf")
@login_required
def template_preview(contest_id=None, creative_id=None):
    owner = _managed(contest_id, creative_id)
    template = services.template_of(owner) or services.default_template(owner)
    buffer = io.BytesIO()
    bundles.renderer_for(template).write(services.sample_sheets(template), buffer,
                                         title=f"Xem trước - {template.contest_title}")
    return _send(buffer, f"xem-truoc-{file_safe(owner.code)}.pdf", inline=True)


def _after_job(job, back):
    """Where a started job leads: back with its message when it has already ended (no
    Redis: it ran in this request), else to its page with the progress bar."""
    if job.status == JobStatus.DONE:
        flash(job.message, "success")
        return redirect(back)
    if job.status == JobStatus.FAILED:
        flash(job.message, "error")
        return redirect(back)
    return redirect(url_for("jobs.job_page", job_id=job.id))


def _send(buffer, name, inline=False):
    """A written PDF or ZIP, kept out of shared caches."""
    buffer.seek(0)
    response = send_file(buffer, mimetype=bundles.MIMETYPES[name.rsplit(".", 1)[-1]], as_attachment=not inline,
                         download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Downloads ------------------------------------------------------------------------------

@_routes("/download.<any(pdf, zip):bundle>", methods=["GET", "POST"])
@login_required
def download(bundle, contest_id=None, creative_id=None):
    """The visible valid certificates of a contest, narrowed to ?school_id= or ?class_id=."""
    owner = _owner(contest_id, creative_id)
    template = services.template_of(owner)
    if template is None:
        flash("Cuộc thi chưa có mẫu giấy, chưa có giấy nào để tải.", "error")
        return redirect(url_for(".overview", **_owner_args(owner)))
    school_id, class_id = request.args.get("school_id", type=int), request.args.get("class_id", type=int)
    query = bundles.valid_certificates(template, access.certificates_query(current_user),
                                       school_id=school_id, class_id=class_id)
    count = scope.count_rows(query)
    if not count:
        flash(bundles.NOTHING_TO_DOWNLOAD, "error")
        return redirect(url_for(".overview", **_owner_args(owner)))
    if count > WEB_DOWNLOAD_LIMIT:
        flash(f"Có {count} giấy, quá {WEB_DOWNLOAD_LIMIT} giấy cho một lần tải: hãy tải theo từng trường, "
              "hoặc dùng lệnh flask certificates export trên máy chủ.", "error")
        return redirect(url_for(".overview", **_owner_args(owner)))
    if count > DIRECT_DOWNLOAD_LIMIT:  # longer than a request should take: a background job writes it
        form = EmptyForm()
        if request.method == "POST" and form.validate_on_submit():
            back = url_for(".overview", **_owner_args(owner))
            job = start_job(current_user, "certificates.bundle",
                            {"template_id": template.id, "kind": bundle, "school_id": school_id,
                             "class_id": class_id, "back_url": back, "back_label": "Về trang giấy chứng nhận"},
                            f"Tệp {bundle.upper()} {count} giấy: {owner.name}")
            return redirect(url_for("jobs.job_page", job_id=job.id))
        return render_template("certificates/download_job.html", owner=owner, bundle=bundle, count=count,
                               form=form, owner_args=_owner_args(owner),
                               args={**_owner_args(owner), **request.args.to_dict()})
    buffer = io.BytesIO()
    bundles.write_bundle(template, query, bundle, buffer)
    return _send(buffer, f"{bundles.bundle_name(owner.code, school_id, class_id)}.{bundle}")


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id):
    cert = access.get_certificate_or_404(current_user, certificate_id)
    buffer = io.BytesIO()
    bundles.write_pdf(bundles.renderer_for(cert.template), [cert], buffer)
    return _send(buffer, bundles.certificate_file_name(cert))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(certificate_id):
    cert = access.get_certificate_or_404(current_user, certificate_id)
    owner = cert.template.owner
    if not access.can_manage_certificates(current_user, owner):
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        result = run_action(lambda: services.revoke(current_user, cert, form.reason.data, reissue=form.reissue.data))
        if result is not None:
            message = f"Đã thu hồi giấy {cert.serial}."
            if result is not DONE:
                message += f" Đã cấp giấy mới {result.serial}."
            elif form.reissue.data:
                message += " Không cấp giấy mới: kết quả hiện tại không còn đủ điều kiện."
            flash(message, "success")
            return redirect(url_for(".overview", **_owner_args(owner), q=cert.serial))
    return render_template("certificates/revoke.html", cert=cert, owner=owner, form=form, args=_owner_args(owner))


# Public verification ------------------------------------------------------------------

@bp.route("/xac-minh")
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify", serial=form.serial.data.strip().upper(), ma=form.ma.data.strip()))
    return render_template("certificates/verify.html", form=form, cert=None, looked=False)


@bp.route("/xac-minh/<serial>")
def verify(serial):
    code = request.args.get("ma", "")
    cert = services.find_for_verification(serial, code)
    form = VerifyForm(data={"serial": serial, "ma": code})
    issuer = services.issuer_label(cert.template) if cert else None
    response = render_template("certificates/verify.html", form=form, cert=cert, looked=True, issuer=issuer)
    return response, (200 if cert else 404), {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

