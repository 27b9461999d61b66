"""Creative contests on the web: setting up, entries with their files, the school
round, blind judging, results and the public gallery. Every entry, file and
assignment is fetched through app.entries.access."""
import posixpath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.forms import EmptyForm
from app.accounts.models import User
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.storage import StorageMissing, get_storage
from app.core.timeutil import local_to_utc, local_today, school_year_of, to_local, utcnow
from app.entries import links
from app.entries import access, judging, services, uploads
from app.entries import jobs  # noqa: F401 (registers the entries' job kind and cleaner)
from app.entries.forms import CreativeContestForm, EntryForm, PanelForm, ReviewForm
from app.entries.models import CATEGORIES, DEFAULT_FILE_RULES, Assignment, CreativeContest, Entry, EntryUpload, Panel
from app.extensions import db
from app.jobs.models import JobStatus
from app.org import access as org_access
from app.org.models import SchoolClass, Student, Unit
from app.core.forms import PRIZE_FIELDS, prize_counts, set_prize_counts

bp = Blueprint("entries", __name__)

GALLERY_PAGE = 24


def _staff():
    if not current_user.role_enum.is_staff:
        abort(404)


def _managed(creative_id):
    contest = access.get_creative_contest_or_404(current_user, creative_id)
    if not access.can_manage_creative(current_user, contest):
        abort(404)
    return contest


# Contests -----------------------------------------------------------------------------

@bp.route("/creative")
@login_required
def contest_list():
    if not (current_user.role_enum.is_staff or current_user.role_enum.enters_as_team_member):
        abort(404)
    contests = db.session.execute(access.creative_contests_query(current_user)
                                  .order_by(CreativeContest.school_year.desc(), CreativeContest.code)).scalars().all()
    return render_template("entries/contest_list.html", contests=contests,
                           can_create=current_user.role_enum.creates_creative_contests)


def _file_rules(form):
    """The rules the form sets: a blank one keeps the default; video links, a checkbox, are always set."""
    rules = {category: {rule: value for rule, value in values.items() if value is not None}
             for category, values in form.file_rules.data.items()}
    return {category: values for category, values in rules.items() if values}


def _show_file_rules(form, rules_of):
    for category in form.file_rules:
        for rule in category:
            rule.data = rules_of(category.short_name).get(rule.short_name)


def _contest_kwargs(form):
    return dict(file_rules=_file_rules(form), levels=form.levels.data, categories=form.categories.data,
                submit_opens_at=local_to_utc(form.submit_opens_at.data),
                submit_closes_at=local_to_utc(form.submit_closes_at.data),
                approval_closes_at=local_to_utc(form.approval_closes_at.data), max_team_size=form.max_team_size.data,
                advisor_required=form.advisor_required.data, judges_per_entry=form.judges_per_entry.data,
                drop_extremes=form.drop_extremes.data, disagreement_points=form.disagreement_points.data,
                prizes={counts.short_name: prize_counts(counts) for counts in form.prizes})


@bp.route("/creative/new", methods=["GET", "POST"])
@login_required
def contest_new():
    if not current_user.role_enum.creates_creative_contests or current_user.unit_id is None:
        abort(404)
    form = CreativeContestForm()
    if request.method == "GET":
        form.school_year.data = school_year_of(local_today())
        _show_file_rules(form, DEFAULT_FILE_RULES.get)
    if form.validate_on_submit():
        contest = run_action(lambda: services.create_contest(
            current_user, current_user.unit, code=form.code.data, name=form.name.data,
            school_year=form.school_year.data, description=form.description.data, published=form.published.data,
            **_contest_kwargs(form)), "Đã tạo cuộc thi.")
        if contest:
            return redirect(url_for("entries.contest_detail", creative_id=contest.id))
    return render_template("entries/contest_form.html", form=form, contest=None)


@bp.route("/creative/<int:creative_id>/edit", methods=["GET", "POST"])
@login_required
def contest_edit(creative_id):
    contest = _managed(creative_id)
    form = CreativeContestForm(obj=contest if request.method == "GET" else None)
    del form.code
    if request.method == "GET":
        form.levels.data, form.categories.data = contest.level_list, contest.category_list
        for name in ("submit_opens_at", "submit_closes_at", "approval_closes_at"):
            getattr(form, name).data = to_local(getattr(contest, name)).replace(tzinfo=None)
        for counts in form.prizes:
            set_prize_counts(counts, (contest.prizes or {}).get(counts.short_name))
        _show_file_rules(form, contest.rules_for)
    if form.validate_on_submit():
        if run_action(lambda: services.update_contest(
                current_user, contest, name=form.name.data, description=form.description.data,
                published=form.published.data, **_contest_kwargs(form)), "Đã lưu cuộc thi."):
            return redirect(url_for("entries.contest_detail", creative_id=contest.id))
    return render_template("entries/contest_form.html", form=form, contest=contest)


@bp.route("/creative/<int:creative_id>")
@login_required
def contest_detail(creative_id):
    contest = access.get_creative_contest_or_404(current_user, creative_id)
    mine = db.session.execute(access.entries_query(current_user).where(Entry.contest_id == contest.id)
                              .order_by(Entry.id.desc()).limit(200)).scalars().all()
    counts = {}
    if current_user.role_enum.is_staff:
        visible = access.entries_query(current_user).where(Entry.contest_id == contest.id).subquery()
        for category, status, n in db.session.execute(select(visible.c.category, visible.c.status, func.count())
                                                      .group_by(visible.c.category, visible.c.status)):
            counts.setdefault(category, {})[status] = n
    now = utcnow()
    return render_template("entries/contest_detail.html", contest=contest, entries=mine, counts=counts, now=now,
                           stage=services.entry_stage, categories=CATEGORIES,
                           manage=access.can_manage_creative(current_user, contest),
                           can_make=current_user.role_enum.makes_entries and contest.submit_opens_at <= now
                           < contest.submit_closes_at, prize_labels=dict(PRIZE_FIELDS))


@bp.route("/creative/<int:creative_id>/rubric/<category>", methods=["GET", "POST"])
@login_required
def rubric(creative_id, category):
    contest = _managed(creative_id)
    if category not in contest.category_list:
        abort(404)
    if request.method == "POST":
        EmptyForm().validate_on_submit() or abort(400)
        criteria = [{"name": request.form.get(f"name{i}", ""), "weight": request.form.get(f"weight{i}"),
                     "max": request.form.get(f"max{i}")} for i in range(8)]
        if run_action(lambda: services.set_rubric(current_user, contest, category, criteria),
                      "Đã lưu tiêu chí chấm."):
            return redirect(url_for("entries.contest_detail", creative_id=contest.id))
    rows = list(contest.rubric_for(category)) + [{}] * (8 - len(contest.rubric_for(category)))
    return render_template("entries/rubric.html", contest=contest, category=category, rows=rows[:8],
                           locked=judging.judging_started(contest), form=EmptyForm(), categories=CATEGORIES)


# Entries ------------------------------------------------------------------------------

def _entry_choices(form, contest, school_id, entry=None):
    form.category.choices = [(c, CATEGORIES[c]) for c in contest.category_list]
    students = access.team_candidates_query(current_user, contest, school_id)
    rows = db.session.execute(students.order_by(SchoolClass.sort_key, Student.sort_key).limit(2000)).scalars().all()
    shown = {s.id for s in rows}
    rows += [m.student for m in (entry.members if entry else []) if m.student_id not in shown
             and m.student_id != current_user.student_id]  # a team across classes keeps its members on edit
    form.members.choices = [(s.id, f"{s.full_name} ({s.school_class.name if s.school_class else ''})") for s in rows]
    teachers = db.session.execute(org_access.advisors_of_school(school_id).order_by(User.full_name)).scalars()
    form.advisor_id.choices = [(0, "— Chưa chọn —")] + [(t.id, t.full_name) for t in teachers]


def _school_of_maker():
    if current_user.role_enum.enters_as_team_member:
        return current_user.student.school_id
    return current_user.unit_id


@bp.route("/creative/<int:creative_id>/entries/new", methods=["GET", "POST"])
@login_required
def entry_new(creative_id):
    if not current_user.role_enum.makes_entries:
        abort(404)
    contest = access.get_creative_contest_or_404(current_user, creative_id)
    form = EntryForm()
    _entry_choices(form, contest, _school_of_maker())
    if form.validate_on_submit():
        entry = run_action(lambda: services.create_entry(
            current_user, contest, category=form.category.data, title=form.title.data,
            description=form.description.data, member_ids=form.members.data,
            advisor_id=form.advisor_id.data or None, video_url=form.video_url.data),
            "Đã tạo bài dự thi (nháp). Tải tệp lên rồi bấm Nộp bài.")
        if entry:
            return redirect(url_for("entries.entry_detail", entry_id=entry.id))
    return render_template("entries/entry_form.html", form=form, contest=contest, entry=None)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def entry_edit(entry_id):
    entry = access.get_entry_or_404(current_user, entry_id)
    if not services.can_change(current_user, entry):
        abort(404)
    form = EntryForm(obj=entry if request.method == "GET" else None)
    _entry_choices(form, entry.contest, entry.school_id, entry)
    del form.category
    if request.method == "GET":
        form.members.data = [m.student_id for m in entry.members if m.student_id != current_user.student_id]
        form.advisor_id.data = entry.advisor_id or 0
    if form.validate_on_submit():
        if run_action(lambda: services.update_entry(
                current_user, entry, title=form.title.data, description=form.description.data,
                member_ids=form.members.data, advisor_id=form.advisor_id.data or None,
                video_url=form.video_url.data), "Đã lưu."):
            return redirect(url_for("entries.entry_detail", entry_id=entry.id))
    return render_template("entries/entry_form.html", form=form, contest=entry.contest, entry=entry)


@bp.route("/entries/<int:entry_id>")
@login_required
def entry_detail(entry_id):
    entry = access.get_entry_or_404(current_user, entry_id)
    editable = services.can_change(current_user, entry)
    return render_template("entries/entry_detail.html", entry=entry, contest=entry.contest, editable=editable,
                           stage=services.entry_stage(entry), missing=services.missing_for_submit(entry),
                           can_review=access.can_review_entry(current_user, entry)
                           and utcnow() < entry.contest.approval_closes_at and entry.status in ("submitted", "approved"),
                           review_form=ReviewForm(), form=EmptyForm(), categories=CATEGORIES,
                           rules=entry.contest.rules_for(entry.category),
                           embed=links.youtube_embed(entry.video_url),
                           pending=uploads.shown_on_entry(entry, current_user) if editable else [],
                           converts=services.media.available())


def _entry_action(entry_id):
    entry = access.get_entry_or_404(current_user, entry_id)
    if not current_user.role_enum.makes_entries:
        abort(404)
    return entry


@bp.route("/entries/<int:entry_id>/files", methods=["POST"])
@login_required
def file_upload(entry_id):
    """A file in one request: the form without JavaScript (the page's script sends chunks,
    below). An image or PDF is checked and kept at once; a video goes to the job that
    converts it (app.entries.uploads). Answers JSON to a script that asks for it."""
    entry = _entry_action(entry_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    upload = request.files.get("file")

    def add():
        if not EmptyForm().validate_on_submit():
            raise DomainError("Phiên làm việc đã hết hạn, hãy tải lại trang.")
        if upload is None or not upload.filename:
            raise DomainError("Chọn tệp để tải lên.")
        if entry.category == "video":
            return uploads.take_whole(current_user, entry, upload.stream, upload.filename)
        return services.add_file(current_user, entry, upload.stream, upload.filename)

    if wants_json:  # a refusal answers {"ok": false, "error": ...} (app.core.actions)
        record = add()
        if isinstance(record, EntryUpload):
            return jsonify(uploads.status(record))
        return jsonify(ok=True, id=record.id, name=record.original_name)
    record = run_action(add)
    if isinstance(record, EntryUpload):
        job = record.job
        if job.status == JobStatus.FAILED:
            flash(job.message, "error")
        elif job.status == JobStatus.DONE:
            flash(job.message, "success")
        else:
            flash(f"Đã nhận “{record.filename}”: video đang được xử lý, trang này sẽ hiện khi xong.", "success")
    elif record is not None:
        flash(f"Đã tải lên “{record.original_name}”.", "success")
    return redirect(url_for("entries.entry_detail", entry_id=entry.id))


# Chunked uploads (app.entries.uploads): begin, send chunks with their offset, ask where it stands.

@bp.route("/entries/<int:entry_id>/uploads", methods=["POST"])
@login_required
def upload_begin(entry_id):
    entry = _entry_action(entry_id)
    data = request.get_json(silent=True) or {}
    record = uploads.begin(current_user, entry, filename=data.get("name"), size=data.get("size"),
                           fingerprint=data.get("fingerprint"))
    return _no_store(jsonify(uploads.status(record))), 201


@bp.route("/entries/<int:entry_id>/uploads/<upload_id>", methods=["GET", "PATCH", "DELETE"])
@login_required
def upload_chunk(entry_id, upload_id):
    entry = _entry_action(entry_id)
    record = access.get_upload_or_404(current_user, upload_id)
    if record.entry_id != entry.id:
        abort(404)
    if request.method == "GET":
        return _no_store(jsonify(uploads.status(record)))
    if request.method == "DELETE":
        uploads.cancel(record)
        return jsonify(ok=True)
    offset = request.headers.get("Upload-Offset", type=int)
    if offset is None or request.content_length is None:
        raise DomainError("Thiếu vị trí (Upload-Offset) hoặc độ dài của phần tệp.")
    try:
        uploads.take_chunk(current_user, record, offset, request.stream, request.content_length)
    except uploads.OffsetMismatch as mismatch:  # not a refusal: the client goes on from the server's offset
        return _no_store(jsonify(ok=False, offset=mismatch.offset, state=record.state,
                                 error="Phần này không nối tiếp phần đã nhận.")), 409
    return _no_store(jsonify(uploads.status(record)))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/entries/<int:entry_id>/files/<int:file_id>/delete", methods=["POST"])
@login_required
def file_delete(entry_id, file_id):
    entry = _entry_action(entry_id)
    if EmptyForm().validate_on_submit():
        run_action(lambda: services.remove_file(current_user, entry, file_id), "Đã xóa tệp.")
    return redirect(url_for("entries.entry_detail", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/submit", methods=["POST"])
@login_required
def entry_submit(entry_id):
    entry = _entry_action(entry_id)
    if EmptyForm().validate_on_submit():
        run_action(lambda: services.submit_entry(current_user, entry), "Đã nộp bài. Nhà trường sẽ xét duyệt.")
    return redirect(url_for("entries.entry_detail", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/review", methods=["POST"])
@login_required
def entry_review(entry_id):
    entry = access.get_entry_or_404(current_user, entry_id)
    if not access.can_review_entry(current_user, entry):
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        run_action(lambda: services.review_entry(current_user, entry, approve=approve, reason=form.reason.data),
                   "Đã duyệt bài." if approve else "Đã trả lại bài kèm lý do.")
    return redirect(url_for("entries.entry_detail", entry_id=entry.id))


@bp.route("/creative/<int:creative_id>/school-entries")
@login_required
def school_entries(creative_id):
    """The entries staff may see, with the school round's actions for the school admin."""
    _staff()
    contest = access.get_creative_contest_or_404(current_user, creative_id)
    query = access.entries_query(current_user).where(Entry.contest_id == contest.id, Entry.status != "draft")
    status = request.args.get("status")
    if status in ("submitted", "returned", "approved"):
        query = query.where(Entry.status == status)
    entries = db.session.execute(query.order_by(Entry.school_id, Entry.category, Entry.id).limit(1000)).scalars().all()
    return render_template("entries/school_entries.html", contest=contest, entries=entries, status=status,
                           stage=services.entry_stage, categories=CATEGORIES)


# Files --------------------------------------------------------------------------------

@bp.route("/files/<int:file_id>")
@bp.route("/files/<int:file_id>/<any(thumb):variant>")
def entry_file(file_id, variant=None):
    record, entry = access.get_file_or_404(current_user, file_id)
    name = record.thumb_name if variant == "thumb" else record.stored_name
    if not name:
        abort(404)
    mime = "image/jpeg" if variant == "thumb" else record.mime
    download_name = f"{entry.blind_code}-{record.position}{posixpath.splitext(name)[1]}"
    # a pupil's work must not stay in a shared school computer's cache, unless it is public
    cache = "public, max-age=3600" if access.in_gallery(entry) else "no-store"
    try:
        response = get_storage().send(services.file_key(entry, name), download_name, mime, cache_control=cache)
    except StorageMissing:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Judging ------------------------------------------------------------------------------

@bp.route("/creative/<int:creative_id>/panels", methods=["GET", "POST"])
@login_required
def panels(creative_id):
    contest = _managed(creative_id)
    judges = db.session.execute(access.judges_query(current_user).order_by(User.full_name)).scalars().all()
    forms = {}
    for category in contest.category_list:
        form = PanelForm(prefix=category)
        form.judges.choices = [(j.id, f"{j.full_name} ({j.unit.name if j.unit else 'không thuộc trường'})")
                               for j in judges]
        form.head_id.choices = [(0, "— Chưa chọn —")] + [(j.id, j.full_name) for j in judges]
        panel = judging.panel_of(contest, category)
        if request.method == "GET" and panel is not None:
            form.judges.data = [pj.user_id for pj in panel.judges]
            form.head_id.data = panel.head_id or 0
        forms[category] = (form, panel)
    if request.method == "POST":
        category = request.form.get("category")
        if category not in forms:
            abort(400)
        form = forms[category][0]
        action = request.form.get("action")
        if form.validate_on_submit():
            if action == "assign":
                done = run_action(lambda: judging.assign_entries(current_user, contest, category),
                                  lambda added: f"Đã giao thêm {added} lượt chấm.")
            else:
                done = run_action(lambda: judging.set_panel(current_user, contest, category, form.judges.data,
                                                            form.head_id.data or None), "Đã lưu ban giám khảo.")
            if done is not None:
                return redirect(url_for("entries.panels", creative_id=contest.id))
    loads = dict(db.session.execute(select(Assignment.judge_id, func.count()).join(Entry, Entry.id == Assignment.entry_id)
                                    .where(Entry.contest_id == contest.id).group_by(Assignment.judge_id)).all())
    waiting = {c: len(judging.provincial_entries(contest, c)) for c in contest.category_list}
    return render_template("entries/panels.html", contest=contest, forms=forms, categories=CATEGORIES, loads=loads,
                           waiting=waiting, school_round_open=utcnow() < contest.approval_closes_at)


@bp.route("/creative/<int:creative_id>/close-school-round", methods=["POST"])
@login_required
def close_school_round(creative_id):
    contest = _managed(creative_id)
    if EmptyForm().validate_on_submit():
        run_action(lambda: services.close_school_round(current_user, contest),
                   "Đã kết thúc vòng trường: bài được trường duyệt vào vòng tỉnh.")
    return redirect(url_for("entries.panels", creative_id=contest.id))


@bp.route("/judging")
@login_required
def judge_list():
    if not current_user.role_enum.judges_entries:
        abort(404)
    assignments = db.session.execute(access.assignments_of(current_user)
                                     .order_by(Assignment.submitted_at.is_not(None), Assignment.id)).scalars().all()
    # a panel head sees the entries of their panel whose judges disagree widely (still blind)
    flagged = []
    for panel in db.session.execute(select(Panel).where(Panel.head_id == current_user.id)).scalars():
        flagged += [(panel.contest, r) for r in judging.aggregate(panel.contest, panel.category) if r.flagged]
    return render_template("entries/judge_list.html", assignments=assignments, categories=CATEGORIES,
                           flagged=flagged)


@bp.route("/judging/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def judge_entry(assignment_id):
    """The blind view: the work, its title and description; no names, school or advisor."""
    assignment = access.get_assignment_or_404(current_user, assignment_id)
    entry, contest = assignment.entry, assignment.entry.contest
    rubric = contest.rubric_for(entry.category)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        scores = {c["key"]: request.form.get(c["key"], "") for c in rubric}
        submit = request.form.get("action") == "submit"
        if run_action(lambda: judging.save_scores(current_user, assignment, scores, request.form.get("comment", ""),
                                                  submit=submit), "Đã nộp điểm." if submit else "Đã lưu nháp."):
            return redirect(url_for("entries.judge_list") if submit else request.path)
    total = judging.weighted_score(assignment.scores, rubric)
    return render_template("entries/judge_entry.html", assignment=assignment, entry=entry, contest=contest,
                           rubric=rubric, form=form, total=total, categories=CATEGORIES,
                           embed=links.youtube_embed(entry.video_url))


@bp.route("/creative/<int:creative_id>/results", methods=["GET", "POST"])
@login_required
def results(creative_id):
    """Scores per category with the judges' spread, flagged disagreements, and publishing."""
    contest = _managed(creative_id)
    if request.method == "POST" and EmptyForm().validate_on_submit():
        if run_action(lambda: judging.publish_results(current_user, contest),
                      "Đã công bố kết quả. Các bài vòng tỉnh hiện trong triển lãm, bài đạt giải trước."):
            return redirect(url_for("entries.results", creative_id=contest.id))
    tables = {c: judging.aggregate(contest, c) for c in contest.category_list}
    return render_template("entries/results.html", contest=contest, tables=tables, categories=CATEGORIES,
                           form=EmptyForm())


# Gallery (public) ---------------------------------------------------------------------

@bp.route("/trien-lam")
def gallery():
    """Published entries: the work, title, school, category and prize; filter and pages."""
    query = access.published_entries(select(Entry))
    contest_id, category, school_id = (request.args.get("contest", type=int), request.args.get("category"),
                                       request.args.get("school", type=int))
    if contest_id:
        query = query.where(Entry.contest_id == contest_id)
    if category in CATEGORIES:
        query = query.where(Entry.category == category)
    if school_id:
        query = query.where(Entry.school_id == school_id)
    entries = db.paginate(query.options(selectinload(Entry.files), selectinload(Entry.school))
                          .order_by(Entry.prize.is_(None), Entry.rank, Entry.id),
                          page=request.args.get("page", 1, type=int), per_page=GALLERY_PAGE, error_out=False)
    published = access.published_entries(select(Entry.school_id))
    schools = db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(published)).order_by(Unit.sort_key)).all()
    contests = db.session.execute(select(CreativeContest).where(CreativeContest.results_published_at.is_not(None))
                                  .order_by(CreativeContest.results_published_at.desc())).scalars().all()
    args = {k: v for k, v in (("contest", contest_id), ("category", category), ("school", school_id)) if v}
    return render_template("entries/gallery.html", entries=entries, schools=schools, contests=contests,
                           categories=CATEGORIES, args=args)


@bp.route("/trien-lam/<int:entry_id>")
def gallery_entry(entry_id):
    entry = access.get_gallery_entry_or_404(entry_id)
    return render_template("entries/gallery_entry.html", entry=entry, categories=CATEGORIES,
                           embed=links.youtube_embed(entry.video_url))
