"""Taking a round on a phone: start, the attempt page (answers saved as they are
chosen, by static/js/attempt.js), submit with the prediction, the result."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.forms import EmptyForm
from app.accounts.views import session_login
from app.core.actions import run_action
from app.core.timeutil import utcnow
from app.extensions import db
from app.quiz import access
from app.quiz.attempts import services as quiz
from app.quiz.qtypes import qtype_of

bp = Blueprint("attempts", __name__)


@bp.app_template_filter("countdown")
def countdown(seconds):
    """Time left as the clock shows it: m:ss, or h:mm:ss from an hour (attempt.js agrees)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _student():
    if not current_user.role_enum.takes_quizzes or current_user.student is None:
        abort(404)
    return current_user.student


@bp.route("/rounds/<int:round_id>/start", methods=["POST"])
@login_required
def start(round_id):
    student = _student()
    round_ = access.get_startable_round_or_404(student, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return go_to_attempt(lambda: quiz.start_attempt(student, round_, utcnow()))


def go_to_attempt(begin):
    """Start (or resume, or join) with `begin()`, then the attempt page; a refusal goes
    back to the student's page with its reason."""
    attempt = run_action(begin)
    if attempt is None:
        return redirect(url_for("home.student_home"))
    return redirect(url_for("attempts.take", attempt_id=attempt.id))


def _own_attempt(attempt_id):
    if not current_user.role_enum.takes_quizzes:  # the role only: answering is the busiest request
        abort(404)
    return access.get_attempt_or_404(current_user, attempt_id)


@bp.route("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id):
    if not current_user.role_enum.takes_quizzes:
        access.get_attempt_or_404(current_user, attempt_id)
        return redirect(url_for("attempts.result", attempt_id=attempt_id))
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if quiz.finish_if_expired(attempt, now):
        flash("Đã hết giờ: bài được nộp với các câu trả lời đã lưu.", "info")
    if attempt.submitted_at is not None:
        return redirect(url_for("attempts.result", attempt_id=attempt.id))
    # A practice round has no clock: its deadline is only the round's close.
    timed = attempt.deadline_at is not None and not attempt.round.practice
    remaining = int((attempt.deadline_at - now).total_seconds()) if timed else None
    return render_template("quiz/take.html", attempt=attempt, round=attempt.round, remaining=remaining,
                           last_seq=max((item.seq for item in attempt.questions), default=0), form=EmptyForm(),
                           confirming=request.args.get("nop") == "1")


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
def answer(attempt_id):
    """JSON {position, response, seq} -> {stored, seq}; 409 once the attempt is closed.
    The busiest request of a round: the session's login is checked in the save's own
    query instead of loading the user (login_required), so a valid request is two
    statements; anything refused goes through the usual checks."""
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    position, seq = data.get("position"), data.get("seq")
    claim = session_login()
    if claim is None or not _small_int(position) or not _small_int(seq):
        return _refuse_answer(attempt_id, bad_request=True)
    try:
        stored = quiz.save_answer_for_login(*claim, attempt_id, position, data.get("response"), seq, utcnow())
    except quiz.NoSuchQuestion:
        return _refuse_answer(attempt_id, bad_request=False)
    except quiz.AttemptClosed as exc:
        return jsonify(error=exc.message, closed=True), 409
    return jsonify(stored=stored, seq=seq)


# Both are 32-bit integer columns; the form's own save adds one to the stored seq.
MAX_SEQ = 2**31 - 2


def _small_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SEQ


def _refuse_answer(attempt_id, bad_request):
    """An answer not saved, refused as login_required and the attempt's door would:
    not logged in, someone else's attempt (404), then a bad request (400) or no such
    question (404)."""
    if not current_user.is_authenticated:
        # JSON, not the login page: the page must not mistake a redirect for a save.
        return jsonify(error="Phiên đăng nhập đã hết: em đăng nhập lại để gửi câu trả lời.", login=True), 401
    if not current_user.role_enum.takes_quizzes:
        abort(404)
    access.get_attempt_or_404(current_user, attempt_id)
    if not bad_request:
        abort(404)
    return jsonify(error="Yêu cầu không hợp lệ."), 400


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id):
    """Submit, once. The answers a page without JavaScript brings are kept first; then a
    missing prediction or unanswered questions send the student back to the submit card
    (a second press with `confirmed=1` submits with questions left blank)."""
    attempt = _own_attempt(attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    now = utcnow()
    prediction = request.form.get("prediction", type=int)
    if attempt.submitted_at is None and (attempt.deadline_at is None or now < attempt.deadline_at):
        try:
            if _save_form_answers(attempt, now):
                db.session.refresh(attempt, ["answered_count"])  # the saves counted themselves
        except quiz.AttemptClosed:
            # A second tap of "Nộp bài" closed it meanwhile: the result is the first one's, not these saves.
            db.session.rollback()
            return redirect(url_for("attempts.result", attempt_id=attempt.id))
        back = _ask_again(attempt, prediction)
        if back is not None:
            return back  # what the form brought is kept all the same
    quiz.submit_attempt(attempt, now, prediction=prediction)
    return redirect(url_for("attempts.result", attempt_id=attempt.id))


def _ask_again(attempt, prediction):
    if attempt.round.ask_prediction and (prediction is None or prediction < 0):
        flash("Em hãy nhập dự đoán (một số từ 0 trở lên) trước khi nộp bài.", "error")
        return redirect(url_for("attempts.take", attempt_id=attempt.id) + "#nop-bai")
    unanswered = len(attempt.questions) - attempt.answered_count
    if unanswered > 0 and request.form.get("confirmed") != "1":
        flash(f"Em còn {unanswered}/{len(attempt.questions)} câu chưa trả lời. "
              "Nếu vẫn muốn nộp, em bấm “Nộp bài” lần nữa.", "error")
        return redirect(url_for("attempts.take", attempt_id=attempt.id, nop=1) + "#nop-bai")
    return None


def _save_form_answers(attempt, now):
    """Without JavaScript the answers arrive with the submit form: keep those the
    page did not save already. Returns how many it stored."""
    stored = 0
    for item in attempt.questions:
        if item.response is not None:
            continue
        qtype = qtype_of(item.version.qtype)
        raw = qtype.from_form(request.form, f"q{item.position}")
        if raw is None:
            continue
        raw = qtype.from_displayed(item.option_order, raw)
        stored += quiz.save_answer(attempt, item.position, raw, min(item.seq + 1, MAX_SEQ + 1), now)
    if stored:
        db.session.expire(attempt, ["questions"])
    return stored


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id):
    attempt = access.get_attempt_or_404(current_user, attempt_id)
    now = utcnow()
    quiz.finish_if_expired(attempt, now)
    if attempt.submitted_at is None:
        if not current_user.role_enum.takes_quizzes:
            return render_template("quiz/result.html", attempt=attempt, round=attempt.round, review=False)
        return redirect(url_for("attempts.take", attempt_id=attempt.id))
    review = quiz.may_review(attempt, now) or not current_user.role_enum.takes_quizzes
    # Practice: the answers of questions an official round may still ask stay hidden, and
    # so does their mark (a mark alone tells the key after a few tries).
    hidden = quiz.practice_hidden_ids(attempt, now) if current_user.role_enum.takes_quizzes else set()
    shown_score = sum(item.mark or 0 for item in attempt.questions if item.question_id not in hidden)
    return render_template("quiz/result.html", attempt=attempt, round=attempt.round, review=review,
                           hidden=hidden, shown_score=shown_score)
