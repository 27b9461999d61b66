"""Contests for staff: list and create, a contest with its rounds, add a round, and a
round's ranking (staff see the students of their part of the tree, with their rank
among all participants)."""
import io

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file,
                   session, url_for)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.core.forms import EmptyForm
from app.core import pagecache
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.vocabulary import Prize
from app.core.spreadsheet import XLSX_MIMETYPE, simple_workbook
from app.core.template_helpers import score, score_cell
from app.core.timeutil import local_to_utc, local_today, school_year_of, to_local, utcnow
from app.extensions import db
from app.org import access as org_access
from app.org.models import Unit
from app.quiz import access
from app.quiz.contests import calibration, results
from app.quiz.contests import services as contests
from app.core.forms import PRIZE_FIELDS, prize_counts, set_prize_counts
from app.quiz.contests.forms import ContestEditForm, ContestForm, RoundForm, UnitWindowForm
from app.quiz.models import GRADING_METHODS, REVIEW_POLICIES, Attempt, Contest, Question, QuestionBank
from app.quiz.contests.statistics import round_statistics

bp = Blueprint("contests", __name__)
bp.add_app_template_global(Prize, "Prize")


def _staff():
    if not current_user.role_enum.is_staff:
        abort(404)


@bp.route("/contests", methods=["GET", "POST"])
@login_required
def contest_list():
    _staff()
    form = ContestForm()
    banks = db.session.execute(access.banks_query(current_user).order_by(QuestionBank.code)).scalars().all()
    form.bank_id.choices = [(b.id, f"{b.code} · {b.name}") for b in banks]
    can_create = current_user.unit_id is not None and bool(banks)
    if not form.is_submitted():
        form.school_year.data = school_year_of(local_today())
    if can_create and form.validate_on_submit():
        levels = [level for level, on in (("THCS", form.thcs.data), ("THPT", form.thpt.data),
                                          ("GDTX", form.gdtx.data)) if on]
        bank = next(b for b in banks if b.id == form.bank_id.data)
        contest = run_action(lambda: contests.create_contest(current_user, current_user.unit, bank,
                                                             code=form.code.data, name=form.name.data,
                                                             school_year=form.school_year.data, levels=levels),
                             lambda made: f"Đã tạo cuộc thi “{made.name}”. Thêm đợt thi để học sinh bắt đầu.")
        if contest:
            return redirect(url_for("contests.contest_detail", contest_id=contest.id))
    rows = db.session.execute(access.contests_query(current_user)
                              .order_by(Contest.school_year.desc(), Contest.code)).scalars().all()
    return render_template("quiz/contest_list.html", contests=rows, form=form, can_create=can_create)


def _round_form(contest):
    form = RoundForm()
    topics = db.session.execute(select(Question.topic).where(
        Question.bank_id == contest.bank_id, Question.retired_at.is_(None)).group_by(Question.topic)
        .order_by(Question.topic)).scalars().all()
    form.topic.choices = [("", "Mọi chủ đề")] + [(t, t) for t in topics]
    form.grading_method.choices = list(GRADING_METHODS.items())
    form.review_policy.choices = list(REVIEW_POLICIES.items())
    return form


def _round_kwargs(form):
    """The round's settings as the form gives them (the draw: one topic, counts per difficulty)."""
    rules = [{"topic": form.topic.data or None, "difficulty": level, "count": count}
             for level, count in (("easy", form.easy.data), ("medium", form.medium.data),
                                  ("hard", form.hard.data)) if count]
    if not rules:
        raise DomainError("Đợt thi cần ít nhất một câu hỏi.")
    return dict(name=form.name.data, opens_at=local_to_utc(form.opens_at.data),
                closes_at=local_to_utc(form.closes_at.data), time_limit_minutes=form.time_limit_minutes.data,
                draw_rules=rules, attempts_allowed=form.attempts_allowed.data,
                grading_method=form.grading_method.data, passing_score=float(form.passing_score.data or 0),
                ask_prediction=form.ask_prediction.data, review_policy=form.review_policy.data,
                shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                practice=form.practice.data, prizes=prize_counts(form.prizes))


def _local_minute(value):
    """A stored time as the naive local minute a datetime-local field shows."""
    return to_local(value).replace(tzinfo=None, second=0, microsecond=0)


def _fill_round_form(form, round_):
    for name in ("name", "time_limit_minutes", "attempts_allowed", "grading_method", "review_policy",
                 "ask_prediction", "shuffle_questions", "shuffle_options", "practice"):
        getattr(form, name).data = getattr(round_, name)
    form.opens_at.data, form.closes_at.data = _local_minute(round_.opens_at), _local_minute(round_.closes_at)
    form.passing_score.data = int(round_.passing_score)
    rules = round_.draw_rules or []
    form.topic.data = next((r.get("topic") for r in rules if r.get("topic")), "")
    for level in ("easy", "medium", "hard"):
        getattr(form, level).data = sum(int(r["count"]) for r in rules if r.get("difficulty") == level)
    set_prize_counts(form.prizes, round_.prizes)


@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@login_required
def contest_detail(contest_id):
    contest = access.get_contest_or_404(current_user, contest_id)
    can_manage = access.can_manage_contest(current_user, contest)
    form = _round_form(contest)
    if can_manage and form.validate_on_submit():
        if run_action(lambda: contests.add_round(current_user, contest, **_round_kwargs(form)), "Đã thêm đợt thi."):
            return redirect(url_for("contests.contest_detail", contest_id=contest.id))
    counts = dict(db.session.execute(
        select(Attempt.round_id, func.count(func.distinct(Attempt.student_id)))
        .where(Attempt.round_id.in_([r.id for r in contest.rounds]), Attempt.submitted_at.is_not(None))
        .group_by(Attempt.round_id)).all()) if contest.rounds else {}
    return render_template("quiz/contest_detail.html", contest=contest, form=form, can_manage=can_manage,
                           counts=counts, now=utcnow(), grading=GRADING_METHODS, review=REVIEW_POLICIES,
                           prize_labels=dict(PRIZE_FIELDS), action_form=EmptyForm(),
                           practice_per_hour=current_app.config["PRACTICE_STARTS_PER_HOUR"])


def _managed_contest(contest_id):
    contest = access.get_contest_or_404(current_user, contest_id)
    if not access.can_manage_contest(current_user, contest):
        abort(404)
    return contest


def _managed_round(round_id):
    round_ = access.get_round_or_404(current_user, round_id)
    if not access.can_manage_contest(current_user, round_.contest):
        abort(404)
    return round_


@bp.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
@login_required
def contest_edit(contest_id):
    """Name, levels, visibility, and the overall and collective prize counts."""
    contest = _managed_contest(contest_id)
    form = ContestEditForm()
    if not form.is_submitted():
        form.name.data, form.description.data, form.published.data = contest.name, contest.description, contest.published
        form.participation_rule.data = contest.participation_rule
        for level in contest.level_list:
            getattr(form, level.lower()).data = True
        set_prize_counts(form.prizes, contest.prizes)
        set_prize_counts(form.school_prizes, (contest.collective_prizes or {}).get("schools"))
        set_prize_counts(form.unit_prizes, (contest.collective_prizes or {}).get("units"))
    elif form.validate_on_submit():
        levels = [level for level in ("THCS", "THPT", "GDTX") if getattr(form, level.lower()).data]
        if run_action(lambda: contests.update_contest(
                current_user, contest, name=form.name.data, levels=levels, description=form.description.data,
                published=form.published.data, prizes=prize_counts(form.prizes),
                school_prizes=prize_counts(form.school_prizes), unit_prizes=prize_counts(form.unit_prizes),
                participation_rule=form.participation_rule.data), "Đã lưu cuộc thi."):
            return redirect(url_for("contests.contest_detail", contest_id=contest.id))
    return render_template("quiz/contest_edit.html", contest=contest, form=form)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def round_edit(round_id):
    round_ = _managed_round(round_id)
    form = _round_form(round_.contest)
    started = contests.round_started(round_)
    if not form.is_submitted():
        _fill_round_form(form, round_)
    elif form.validate_on_submit():
        if run_action(lambda: contests.update_round(current_user, round_, **_round_kwargs(form)), "Đã lưu đợt thi."):
            return redirect(url_for("contests.contest_detail", contest_id=round_.contest_id))
    return render_template("quiz/round_edit.html", round=round_, contest=round_.contest, form=form,
                           started=started, delete_form=EmptyForm())


@bp.route("/rounds/<int:round_id>/windows", methods=["GET", "POST"])
@login_required
def round_windows(round_id):
    """"Giờ mở theo đơn vị": the round opens at its own time for some units or schools."""
    round_ = _managed_round(round_id)
    units = contests.window_units(round_.contest)
    form = UnitWindowForm()
    form.unit_id.choices = [(u.id, f"{u.name}{' (' + u.code + ')' if u.code else ''}") for u in units]
    if request.method == "POST" and request.form.get("remove"):
        if not EmptyForm().validate_on_submit():
            abort(400)
        run_action(lambda: contests.remove_unit_window(current_user, round_, request.form.get("remove", type=int)),
                   "Đã bỏ giờ riêng của đơn vị.")
        return redirect(url_for("contests.round_windows", round_id=round_.id))
    if form.validate_on_submit():
        unit = next((u for u in units if u.id == form.unit_id.data), None)
        closes_at = local_to_utc(form.closes_at.data) if form.closes_at.data else None
        if unit is not None and run_action(lambda: contests.set_unit_window(
                current_user, round_, unit, local_to_utc(form.opens_at.data), closes_at), "Đã lưu giờ mở."):
            return redirect(url_for("contests.round_windows", round_id=round_.id))
    return render_template("quiz/round_windows.html", round=round_, contest=round_.contest, form=form,
                           rows=round_.unit_windows, action_form=EmptyForm())


@bp.route("/rounds/<int:round_id>/delete", methods=["POST"])
@login_required
def round_delete(round_id):
    round_ = _managed_round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    contest_id, name = round_.contest_id, round_.name
    if run_action(lambda: contests.delete_round(current_user, round_), f"Đã xóa đợt thi “{name}”."):
        return redirect(url_for("contests.contest_detail", contest_id=contest_id))
    return redirect(url_for("contests.round_edit", round_id=round_id))


def _page_arg():
    return request.args.get("page", 1, type=int)


@bp.route("/rounds/<int:round_id>/ranking")
@login_required
def round_ranking_page(round_id):
    round_ = access.get_round_or_404(current_user, round_id)
    board = results.round_results(round_)
    page = board.page(access.results_scope(current_user, round_.contest), _page_arg())
    return render_template("quiz/round_ranking.html", round=round_, contest=round_.contest, ranking=page.items,
                           page=page, students=results.names(page.items), total=board.total,
                           full_marks=board.full_marks,
                           can_manage=access.can_manage_contest(current_user, round_.contest), form=EmptyForm(),
                           now=utcnow())


@bp.route("/contests/<int:contest_id>/ranking")
@login_required
def overall_ranking(contest_id):
    """All ranked rounds together; each viewer sees their own students with their overall rank and prize."""
    contest = access.get_contest_or_404(current_user, contest_id)
    board = results.contest_results(contest)
    page = board.page(access.results_scope(current_user, contest), _page_arg())
    return render_template("quiz/overall_ranking.html", contest=contest, ranking=page.items, page=page,
                           students=results.names(page.items), total=board.total,
                           can_manage=access.can_manage_contest(current_user, contest), form=EmptyForm(), now=utcnow())


@bp.route("/contests/<int:contest_id>/schools")
@login_required
def school_ranking(contest_id):
    """Collective ranking by participation rate: the ranks are among all of the contest's
    schools and units; the viewer sees the ones in their part of the tree."""
    contest = access.get_contest_or_404(current_user, contest_id)
    schools, units = results.collective_results(contest)
    visible = set(db.session.execute(org_access.units_query(current_user).with_only_columns(Unit.id)).scalars())
    return render_template("quiz/school_ranking.html", contest=contest,
                           schools=[r for r in schools if r.unit_id in visible],
                           units=[r for r in units if r.unit_id in visible])


@bp.route("/contests/<int:contest_id>/publish", methods=["POST"])
@login_required
def contest_publish(contest_id):
    contest = _managed_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_action(lambda: contests.publish_contest_results(current_user, contest, utcnow()),
               "Đã công bố kết quả chung và giải tập thể.")
    return redirect(url_for("contests.overall_ranking", contest_id=contest.id))


def _public(kind, owner_id, render):
    """A public results page of a round or contest: not for search engines (the pupils
    are minors). Anonymous visitors share one copy of each page, kept
    RESULTS_CACHE_SECONDS under a key that carries the publication time; a logged-in
    viewer, who sees their own rows too, gets the page made for them and never cached."""
    if current_user.is_authenticated:
        response = make_response(render())
        response.headers["Cache-Control"] = "private, no-store"
    elif session.get("_flashes"):  # a message for this visitor only
        response = make_response(render())
    else:
        key = results.page_key(kind, owner_id, results.published_at(kind, owner_id), _page_arg())
        response = make_response(pagecache.cached(key, render, current_app.config["RESULTS_CACHE_SECONDS"]))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/ket-qua/cuoc-thi/<int:contest_id>")
def public_contest_results(contest_id):
    """Published overall results and collective prizes, for everyone: the prize winners
    (name, class, school, total score), a page at a time, and the units by participation rate."""
    def render():
        contest = access.get_published_contest_or_404(contest_id)
        winners = results.contest_results(contest).winners_page(_page_arg())
        schools, units = results.collective_results(contest)
        return render_template("quiz/public_contest_results.html", contest=contest, winners=winners,
                               students=results.names(winners.items), schools=schools, units=units)
    return _public("contest", contest_id, render)


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@login_required
def publish(round_id):
    round_ = _managed_round(round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_action(lambda: contests.publish_results(current_user, round_, utcnow()),
               "Đã công bố kết quả: ai cũng xem được danh sách đạt giải; học sinh xem hạng của mình.")
    return redirect(url_for("contests.round_ranking_page", round_id=round_.id))


@bp.route("/ket-qua/<int:round_id>")
def public_results(round_id):
    """Published results. Everyone sees the prize winners (name, class, school, prize), a
    page at a time; a student also their own rank and score; staff also the whole
    ranking of the students in their part of the tree, page by page. Nobody else's
    name or score."""
    def render():
        round_ = access.get_published_round_or_404(round_id)
        board = results.round_results(round_)
        own = page = None
        if current_user.is_authenticated and current_user.role_enum.is_staff:
            # `page` pages their ranking, `giai` the winners
            page = board.page(access.results_scope(current_user, round_.contest), _page_arg())
            winners = board.winners_page(request.args.get("giai", 1, type=int))
        else:
            winners = board.winners_page(_page_arg())
            if current_user.is_authenticated and current_user.role_enum.takes_quizzes:
                own = board.own(current_user.student_id)
        return render_template("quiz/public_results.html", round=round_, contest=round_.contest,
                               winners_page=winners, own=own, page=page, total=board.total,
                               students=results.names(winners.items, [own], page.items if page else []))
    return _public("round", round_id, render)


@bp.route("/rounds/<int:round_id>/statistics")
@login_required
def round_statistics_page(round_id):
    round_ = access.get_round_or_404(current_user, round_id)
    can_calibrate = access.can_manage_contest(current_user, round_.contest)
    found = calibration.suggest(round_) if can_calibrate else None
    return render_template("quiz/round_statistics.html", round=round_, contest=round_.contest,
                           stats=round_statistics(round_), calibration=found,
                           suggested={s.question_id: s for s in found.suggestions} if found else {},
                           form=EmptyForm())


@bp.route("/rounds/<int:round_id>/calibrate", methods=["POST"])
@login_required
def round_calibrate(round_id):
    """Write the suggested difficulty labels as new versions of the questions of banks the
    user may edit; the others are named in the message and left as they are."""
    round_ = access.get_round_or_404(current_user, round_id)
    if not access.can_manage_contest(current_user, round_.contest) or not EmptyForm().validate_on_submit():
        abort(403)
    changed, skipped = calibration.apply(current_user, round_, calibration.suggest(round_),
                                         lambda question: access.can_edit_bank(current_user, question.bank))
    db.session.commit()
    message = f"Đã ghi mức độ mới cho {changed} câu (mỗi câu một phiên bản mới)."
    if skipped:
        message += f" {skipped} câu thuộc ngân hàng của đơn vị khác: chỉ cán bộ đơn vị đó sửa được."
    flash(message, "success")
    return redirect(url_for("contests.round_statistics_page", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/statistics.xlsx")
@login_required
def round_statistics_xlsx(round_id):
    round_ = access.get_round_or_404(current_user, round_id)
    stats = round_statistics(round_)
    header = ["Mã câu", "Câu hỏi", "Số lượt", "Độ dễ (%)", "Độ lệch chuẩn (%)", "Chỉ số phân biệt (%)",
              "Hiệu quả phân biệt (%)", "Cảnh báo"]
    rows = [[i.key or i.question_id, i.text, i.n, score_cell(i.facility), score_cell(i.sd),
             score_cell(i.discrimination), score_cell(i.efficiency), ", ".join(i.flags)] for i in stats.items]
    summary = [f"{round_.contest.name} · {round_.name}", f"Số bài (lần đầu): {stats.attempts}",
               f"Điểm trung bình: {score(stats.mean_score)}", f"Hệ số Cronbach alpha: {score(stats.alpha)}"]
    data = simple_workbook("Thống kê câu hỏi", summary, header, rows)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"thong-ke-{round_.id}.xlsx",
                     mimetype=XLSX_MIMETYPE)

