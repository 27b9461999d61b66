"""Class sessions on the web. Teacher: open a session for a class and a round, the live
board (refreshed by static/js/board.js), extra time, close. Student: join with the
code (or the QR code's link); without a password, pick their name and confirm the
birth date."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from markupsafe import Markup
from sqlalchemy import select

from app.accounts.forms import EmptyForm
from app.accounts.services import authenticate_student_by_birth_date
from app.core import scope
from app.core.errors import DomainError
from app.core.timeutil import parse_vn_date, utcnow
from app.extensions import db
from app.org.models import Student
from app.quiz import attempts as quiz
from app.quiz import sessions
from app.quiz.attempt_views import go_to_attempt
from app.quiz.models import ClassSession, Contest, Round

bp = Blueprint("session", __name__)


def _get_session_or_404(session_id):
    """A session of a class the user may manage (the teacher of the class, school staff)."""
    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    school_class = scope.get_class_or_404(current_user, session.class_id)
    if not scope.can_manage_class(current_user, school_class):
        abort(404)
    return session


def _open_rounds_for(school_class, now):
    rounds = db.session.execute(
        select(Round).join(Contest, Round.contest_id == Contest.id)
        .where(Round.opens_at <= now, Round.closes_at > now, Round.practice.is_(False))
        .where(Contest.id.in_(scope.contests_query(current_user).with_only_columns(Contest.id)))
        .order_by(Round.closes_at)).scalars().all()
    return [r for r in rounds if scope.is_within(school_class.school_id, r.contest.unit_id)]


@bp.route("/classes/<int:class_id>/sessions", methods=["GET", "POST"])
@login_required
def session_new(class_id):
    school_class = scope.get_class_or_404(current_user, class_id)
    if not scope.can_manage_class(current_user, school_class):
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
            try:
                session = sessions.open_session(current_user, school_class, round_, now)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                return redirect(url_for("session.board_page", session_id=session.id))
    open_sessions = db.session.execute(select(ClassSession).where(
        ClassSession.class_id == school_class.id, ClassSession.closed_at.is_(None))).scalars().all()
    return render_template("quiz/session_new.html", school_class=school_class, rounds=rounds,
                           open_sessions=open_sessions, form=EmptyForm())


def _qr_svg(url):
    import segno
    return Markup(segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#0b2447"))


@bp.route("/sessions/<int:session_id>")
@login_required
def board_page(session_id):
    session = _get_session_or_404(session_id)
    join_url = url_for("session.join", code=session.code, _external=True)
    return render_template("quiz/session_board.html", session=session, rows=sessions.board(session),
                           join_url=join_url, qr=_qr_svg(join_url), form=EmptyForm(), now=utcnow())


@bp.route("/sessions/<int:session_id>/board")
@login_required
def board_fragment(session_id):
    session = _get_session_or_404(session_id)
    return render_template("quiz/_session_rows.html", session=session, rows=sessions.board(session),
                           form=EmptyForm(), now=utcnow())


@bp.route("/sessions/<int:session_id>/attempts/<int:attempt_id>/extra", methods=["POST"])
@login_required
def extra_time(session_id, attempt_id):
    session = _get_session_or_404(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    minutes = max(1, min(request.form.get("minutes", 5, type=int), 60))
    try:
        attempt = sessions.session_attempt(session, attempt_id)
        quiz.add_extra_time(attempt, minutes, utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Đã cho {attempt.student.full_name} thêm {minutes} phút.", "success")
    return redirect(url_for("session.board_page", session_id=session.id))


@bp.route("/sessions/<int:session_id>/close", methods=["POST"])
@login_required
def close(session_id):
    session = _get_session_or_404(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    finished = sessions.close_session(session, utcnow())
    db.session.commit()
    flash(f"Đã đóng phòng thi; {finished} bài đang làm được nộp với các câu đã lưu.", "success")
    return redirect(url_for("session.board_page", session_id=session.id))


# Students ------------------------------------------------------------------------------

@bp.route("/join", methods=["GET", "POST"])
@bp.route("/j/<code>", methods=["GET", "POST"])
def join(code=None):
    code = code or request.values.get("code", "")
    form = EmptyForm()
    session = sessions.find_open_session(code) if code else None
    if code and session is None:
        flash("Không có phòng thi nào đang mở với mã này.", "error")
    if session is None:
        return render_template("quiz/join.html", code=code, form=form)
    if current_user.is_authenticated:
        if current_user.role != "student":
            flash("Trang này dành cho học sinh. Thầy cô theo dõi lớp ở bảng theo dõi.", "info")
            return redirect(url_for("core.index"))
        if request.method == "POST" and not form.validate_on_submit():
            abort(400)
        return _enter(session, current_user.student)
    # Not logged in: pick a name from the class list and confirm the birth date.
    students = sorted(db.session.execute(select(Student).where(Student.class_id == session.class_id)).scalars(),
                      key=lambda s: s.sort_key)
    if request.method == "POST" and form.validate_on_submit():
        student = next((s for s in students if s.id == request.form.get("student_id", type=int)), None)
        try:
            birth_date = parse_vn_date(request.form.get("birth_date", ""))
        except ValueError:
            birth_date = None
        if student is None:
            flash("Em chọn tên mình trong danh sách lớp.", "error")
        else:
            try:
                user = authenticate_student_by_birth_date(student, birth_date, request.remote_addr or "unknown")
            except DomainError as exc:
                flash(exc.message, "error")
            else:
                login_user(user)
                return _enter(session, student)
    return render_template("quiz/join_pick.html", session=session, students=students, form=form)


def _enter(session, student):
    return go_to_attempt(lambda: sessions.join(session, student, utcnow()))
