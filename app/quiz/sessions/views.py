"""Class sessions on the web. Teacher: open a session for a class and a round, the live
board (refreshed by static/js/board.js), extra time, refusing a birth-date join,
close. Student: join with the code (or the QR code's link: a GET shows the room and a
button, only a POST starts); without a password of their own, pick their name and
confirm the birth date, a login for that attempt only (app.quiz.sessions.join_access)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from markupsafe import Markup
from sqlalchemy import select

from app.core.forms import EmptyForm
from app.core import scope
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.timeutil import parse_vn_date, utcnow
from app.extensions import db
from app.org import access as org_access
from app.quiz import access
from app.quiz.sessions import join_access
from app.quiz.sessions import services as sessions
from app.quiz.attempts import services as quiz
from app.quiz.attempts.views import go_to_attempt
from app.quiz.models import ClassSession, Contest, Round

bp = Blueprint("sessions", __name__)
# First of the app's before-request hooks: a join-only login is never sent elsewhere,
# not even to the first-password page (its student has no password to change).
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(
    0, join_access.keep_join_logins_in_their_attempt))

# The QR code's side at most, in CSS pixels: a whole number of pixels per module,
# the 4-module quiet zone included, fits a 360 px phone.
QR_MAX_PX = 240


def _open_rounds_for(school_class, now):
    rounds = db.session.execute(
        select(Round).join(Contest, Round.contest_id == Contest.id)
        .where(Round.opens_at <= now, Round.closes_at > now, Round.practice.is_(False))
        .where(Contest.id.in_(access.contests_query(current_user).with_only_columns(Contest.id)))
        .order_by(Round.closes_at)).scalars().all()
    return [r for r in rounds if scope.is_within(school_class.school_id, r.contest.unit_id)]


@bp.route("/classes/<int:class_id>/sessions", methods=["GET", "POST"])
@login_required
def session_new(class_id):
    school_class = org_access.get_class_or_404(current_user, class_id)
    if not org_access.can_manage_class(current_user, school_class):
        abort(404)
    now = utcnow()
    rounds = _open_rounds_for(school_class, now)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        round_ = next((r for r in rounds if r.id == request.form.get("round_id", type=int)), None)
        if round_ is None:
            flash("Chọn một đợt thi đang mở.", "error")
        else:
            session = run_action(lambda: sessions.open_session(current_user, school_class, round_, now))
            if session:
                return redirect(url_for("sessions.board_page", session_id=session.id))
    open_sessions = db.session.execute(select(ClassSession).where(
        ClassSession.class_id == school_class.id, ClassSession.closed_at.is_(None))).scalars().all()
    return render_template("quiz/session_new.html", school_class=school_class, rounds=rounds,
                           open_sessions=open_sessions, form=EmptyForm())


def _qr_svg(url):
    """The join link as an inline SVG: a white 4-module quiet zone, drawn by its viewBox
    at a whole number of pixels per module (CSS may shrink it, never crop it)."""
    import segno
    qr = segno.make(url, error="m")
    modules = qr.symbol_size(scale=1, border=4)[0]
    side = modules * max(2, QR_MAX_PX // modules)
    svg = qr.svg_inline(scale=1, border=4, dark="#0b2447", light="#fff", omitsize=True)
    return Markup(svg.replace("<svg ", f'<svg width="{side}" height="{side}" aria-hidden="true" ', 1))


@bp.route("/sessions/<int:session_id>")
@login_required
def board_page(session_id):
    session = access.get_class_session_or_404(current_user, session_id)
    join_url = url_for("sessions.join", code=session.code, _external=True)
    return render_template("quiz/session_board.html", session=session, rows=sessions.board(session),
                           join_url=join_url, qr=_qr_svg(join_url), form=EmptyForm(), now=utcnow())


@bp.route("/sessions/<int:session_id>/board")
@login_required
def board_fragment(session_id):
    session = access.get_class_session_or_404(current_user, session_id)
    return render_template("quiz/_session_rows.html", session=session, rows=sessions.board(session),
                           form=EmptyForm(), now=utcnow())


@bp.route("/sessions/<int:session_id>/attempts/<int:attempt_id>/extra", methods=["POST"])
@login_required
def extra_time(session_id, attempt_id):
    session = access.get_class_session_or_404(current_user, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    minutes = max(1, min(request.form.get("minutes", 5, type=int), 60))
    def give():
        attempt = sessions.session_attempt(session, attempt_id)
        quiz.add_extra_time(attempt, minutes, utcnow())
        return attempt

    run_action(give, lambda attempt: f"Đã cho {attempt.student.full_name} thêm {minutes} phút.")
    return redirect(url_for("sessions.board_page", session_id=session.id))


@bp.route("/sessions/<int:session_id>/students/<int:student_id>/refuse", methods=["POST"])
@login_required
def refuse_join(session_id, student_id):
    session = access.get_class_session_or_404(current_user, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        student = sessions.session_student(session, student_id)
    except DomainError:
        abort(404)
    run_action(lambda: sessions.refuse_birth_date_joins(current_user, session, student, utcnow()),
               lambda removed: f"Đã từ chối lượt vào bằng ngày sinh của {student.full_name}"
               + (f"; {removed} bài làm qua lượt đó đã bị huỷ." if removed else "."))
    return redirect(url_for("sessions.board_page", session_id=session.id))


@bp.route("/sessions/<int:session_id>/close", methods=["POST"])
@login_required
def close(session_id):
    session = access.get_class_session_or_404(current_user, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    finished = sessions.close_session(session, utcnow())
    flash(f"Đã đóng phòng thi; {finished} bài đang làm được nộp với các câu đã lưu.", "success")
    return redirect(url_for("sessions.board_page", session_id=session.id))


# Students ------------------------------------------------------------------------------

@bp.route("/join", methods=["GET", "POST"])
@bp.route("/j/<code>", methods=["GET", "POST"])
def join(code=None):
    """/join: the code form. /j/<code>: the room, from the code form or the QR code.
    Only a POST starts an attempt (a link preview or a prefetch must not)."""
    form = EmptyForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    typed = code is None
    code = code or request.values.get("code", "")
    session = sessions.find_open_session(code) if code else None
    if code and session is None:
        flash("Không có phòng thi nào đang mở với mã này.", "error")
    if session is None:
        return render_template("quiz/join.html", code=code, form=form)
    student = None
    if current_user.is_authenticated:
        if not current_user.role_enum.takes_quizzes:
            flash("Trang này dành cho học sinh. Thầy cô theo dõi lớp ở bảng theo dõi.", "info")
            return redirect(url_for("accounts.index"))
        student = current_user.student
    if student is not None and request.method == "POST":
        return _enter(session, student)
    if typed:  # one address per room: the code form leads to the room's page
        return redirect(url_for("sessions.join", code=session.code))
    if student is not None:
        return render_template("quiz/join_student.html", session=session, student=student, form=form)
    # Not logged in: pick a name from the class list and confirm the birth date.
    students = sorted(db.session.execute(access.join_candidates_query(session)).scalars(), key=lambda s: s.sort_key)
    if request.method == "POST":
        picked = next((s for s in students if s.id == request.form.get("student_id", type=int)), None)
        try:
            birth_date = parse_vn_date(request.form.get("birth_date", ""))
        except ValueError:
            birth_date = None
        if picked is None:
            flash("Em chọn tên mình trong danh sách lớp.", "error")
        else:
            joined = run_action(lambda: sessions.join_by_birth_date(session, picked, birth_date,
                                                                    request.remote_addr or "unknown", utcnow()))
            if joined:
                user, entry = joined
                login_user(user)
                join_access.begin(entry)
                return redirect(url_for("attempts.take", attempt_id=entry.attempt_id))
    return render_template("quiz/join_pick.html", session=session, students=students, form=form)


def _enter(session, student):
    return go_to_attempt(lambda: sessions.join(session, student, utcnow()))
