"""Taking a round on a phone: start (through the queue of deadline day, and its waiting
page), the attempt page (answers saved as they are chosen, by static/js/attempt.js, each
acknowledged with a signature), submit with the prediction, the result; and the
teacher's page that accepts an emergency receipt when a submit never arrived."""
import math

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.core.forms import EmptyForm
from app.accounts.views import session_login
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.org.access import students_query
from app.org.models import Student
from app.quiz import access
from app.quiz.attempts import acks, receipts
from app.quiz.attempts import queue as start_queue
from app.quiz.attempts import services as quiz
from app.quiz.attempts.forms import ReceiptForm
from app.quiz.models import Attempt, AttemptReceipt
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
    """Start (or resume). On deadline day a start beyond START_RATE gets a place in the
    queue and the waiting page; the attempt, and its clock, start when it is admitted."""
    student = _student()
    round_ = access.get_startable_round_or_404(student, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    now = utcnow()

    def begin():
        place = quiz.admit_start(student, round_, now)
        return place if place is not None else quiz.start_attempt(student, round_, now)
    result = run_action(begin)
    if isinstance(result, start_queue.Place):
        return redirect(url_for("attempts.waiting", round_id=round_.id))
    if result is None:
        return redirect(url_for("home.student_home"))
    return redirect(url_for("attempts.take", attempt_id=result.id))


@bp.route("/rounds/<int:round_id>/cho")
@login_required
def waiting(round_id):
    """The waiting page of a queued start: "Em đang ở vị trí n". Asked as JSON it is what
    static/js/waiting.js polls: {position, admitted, wait_seconds, poll_seconds} (gone:
    no place any more). Reloading it, or polling, never takes a new place. Staff who
    open it are shown the round's contest."""
    if not current_user.role_enum.takes_quizzes:
        round_ = access.get_round_or_404(current_user, round_id)
        return redirect(url_for("contests.contest_detail", contest_id=round_.contest_id))
    now = utcnow()
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json and current_user.student_id:
        # The busy case, a waiting student's poll: answered from the queue alone (a place is
        # only ever taken for a round the student may start), no query beyond the login's.
        place = start_queue.peek_place(round_id, current_user.student_id, now)
        if place is not None:
            return _place_json(place)
    student = _student()
    round_ = access.get_startable_round_or_404(student, round_id)
    place = start_queue.peek_place(round_.id, student.id, now)
    if place is None:
        current = quiz.resumable_attempt(student, round_, now)
        if wants_json:
            return jsonify(gone=True, admitted=False,
                           next=url_for("attempts.take", attempt_id=current.id) if current else None)
        if current is not None:
            return redirect(url_for("attempts.take", attempt_id=current.id))
        flash("Em chưa có chỗ trong hàng chờ (hoặc chỗ đã hết hạn): em bấm “Bắt đầu làm bài” lần nữa.", "info")
        return redirect(url_for("home.student_home"))
    if wants_json:
        return _place_json(place)
    window = quiz.window_for(round_, student.school_id)
    return render_template("quiz/waiting.html", round=round_, place=place, poll=_poll_seconds(place),
                           window=window, form=EmptyForm())


def _poll_seconds(place):
    """When the page asks again: when admitted (a little after, so the slot has surely come),
    at most every 10 s, at least every second."""
    return max(1.0, min(10.0, place.wait_seconds + 0.3)) if not place.admitted else 0


def _place_json(place):
    return jsonify(gone=False, admitted=place.admitted, position=place.position,
                   wait_seconds=math.ceil(place.wait_seconds), poll_seconds=_poll_seconds(place))


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
                           confirming=request.args.get("nop") == "1",
                           receipt_url=_public_url(url_for("attempts.receipt_for_attempt", attempt_id=attempt.id)))


def _public_url(path):
    """The address people open (a receipt's QR code): PUBLIC_URL when set, else this request's."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/") + path


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
def answer(attempt_id):
    """JSON {position, response, seq} -> {stored, seq} (and the X-Answer-Ack header when this
    answer is the one stored); 409 once the attempt is closed.
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
        stored, ack = quiz.save_answer_for_login(*claim, attempt_id, position, data.get("response"), seq, utcnow())
    except quiz.NoSuchQuestion:
        return _refuse_answer(attempt_id, bad_request=False)
    except quiz.AttemptClosed as exc:
        return jsonify(error=exc.message, closed=True), 409
    return _with_ack(jsonify(stored=stored, seq=seq), ack)


def _with_ack(response, ack):
    """The signed acknowledgement rides in a header (the body stays {stored, seq}):
    "<server ms>.<digest>.<signature>", kept by the page for a receipt."""
    if ack is not None:
        response.headers["X-Answer-Ack"] = f"{ack['t']}.{ack['d']}.{ack['m']}"
    return response


@bp.route("/attempts/<int:attempt_id>/prediction", methods=["POST"])
@login_required
def prediction_ack(attempt_id):
    """JSON {prediction, seq} -> {seq} and X-Answer-Ack: the prediction signed for the page's
    receipt (it is stored only by the submit); 409 once the attempt is closed."""
    attempt = _own_attempt(attempt_id)
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    value, seq = data.get("prediction"), data.get("seq")
    if not _small_int(seq) or not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEQ:
        return jsonify(error="Yêu cầu không hợp lệ."), 400
    now = utcnow()
    try:
        quiz.check_open(attempt.submitted_at, attempt.deadline_at, now)
    except quiz.AttemptClosed as exc:
        return jsonify(error=exc.message, closed=True), 409
    return _with_ack(jsonify(seq=seq), acks.sign_ack(attempt.id, acks.PREDICTION, value, seq, now))


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
            return _go(url_for("attempts.result", attempt_id=attempt.id))
        back = _ask_again(attempt, prediction)
        if back is not None:
            return _go(back)  # what the form brought is kept all the same
    quiz.submit_attempt(attempt, now, prediction=prediction)
    return _go(url_for("attempts.result", attempt_id=attempt.id), submitted=True)


def _go(url, submitted=False):
    """A redirect; the page's own submit (fetch, to tell a network failure from an answer)
    asks for JSON and gets {next, submitted} instead, the flash kept for the next page."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(next=url, submitted=submitted)
    return redirect(url)


def _ask_again(attempt, prediction):
    if attempt.round.ask_prediction and (prediction is None or prediction < 0):
        flash("Em hãy nhập dự đoán (một số từ 0 trở lên) trước khi nộp bài.", "error")
        return url_for("attempts.take", attempt_id=attempt.id) + "#nop-bai"
    unanswered = len(attempt.questions) - attempt.answered_count
    if unanswered > 0 and request.form.get("confirmed") != "1":
        flash(f"Em còn {unanswered}/{len(attempt.questions)} câu chưa trả lời. "
              "Nếu vẫn muốn nộp, em bấm “Nộp bài” lần nữa.", "error")
        return url_for("attempts.take", attempt_id=attempt.id, nop=1) + "#nop-bai"
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


# Emergency receipts (a teacher's pages) ----------------------------------------------

def _staff():
    if not current_user.role_enum.is_staff:
        abort(404)


def _receipt_attempt(receipt_text, round_):
    """The attempt a receipt names, if the teacher may see its student and it is of this round."""
    receipt = acks.parse_receipt(receipt_text)
    try:
        attempt = access.get_attempt_or_404(current_user, receipt.attempt_id)
    except NotFound:
        raise DomainError(f"Biên nhận là của bài thi số {receipt.attempt_id}, không phải bài của một học sinh "
                          "thầy cô quản lý: không nhận.") from None
    if attempt.round_id != round_.id:
        raise DomainError(f"Biên nhận là của bài thi số {attempt.id} ({attempt.round.name}), không phải của đợt thi "
                          "này: không nhận.")
    return attempt


def _accept(form, attempt_of):
    """Accept the uploaded receipt (None when refused: the page shows the form again)."""
    text = form.receipt_text()
    now = utcnow()

    def act():
        if not text:
            raise DomainError("Chọn tệp biên nhận hoặc dán mã biên nhận.")
        attempt = attempt_of(text)
        return receipts.accept_receipt(
            current_user, attempt, text, now, confirm_published=form.confirm_published.data,
            may_change_published=access.can_manage_contest(current_user, attempt.round.contest))
    return run_action(act, lambda record: (
        f"Đã nhận biên nhận: bài thi của {record.attempt.student.full_name} được nộp lúc "
        f"{to_local(record.signed_until):%H:%M:%S %d/%m/%Y} (giờ ký cuối) với {record.answers} câu trả lời đã ký, điểm "
        f"{record.attempt.score:g}/{record.attempt.max_score:g}."
        + (" Kết quả đã công bố trước đó: cần công bố lại để bảng xếp hạng có bài này."
           if record.after_publication else "")))


@bp.route("/attempts/<int:attempt_id>/bien-nhan", methods=["GET", "POST"])
@login_required
def receipt_for_attempt(attempt_id):
    """Upload an emergency receipt for one attempt (the link in the receipt's QR code)."""
    _staff()
    attempt = access.get_attempt_or_404(current_user, attempt_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        record = _accept(form, lambda text: attempt)
        if record:
            return redirect(url_for("attempts.result", attempt_id=attempt.id))
    return render_template("quiz/receipt_upload.html", form=form, attempt=attempt, round=attempt.round,
                           accepted=_accepted(attempt.round, attempt.id))


@bp.route("/rounds/<int:round_id>/bien-nhan", methods=["GET", "POST"])
@login_required
def receipt_for_round(round_id):
    """Upload an emergency receipt for any attempt of the round the teacher may see."""
    _staff()
    round_ = access.get_round_or_404(current_user, round_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        record = _accept(form, lambda text: _receipt_attempt(text, round_))
        if record:
            return redirect(url_for("attempts.receipt_for_round", round_id=round_.id))
    return render_template("quiz/receipt_upload.html", form=form, attempt=None, round=round_,
                           accepted=_accepted(round_))


def _accepted(round_, attempt_id=None):
    """Receipts accepted for the round's attempts of the students the user may see."""
    query = (select(AttemptReceipt).join(Attempt, Attempt.id == AttemptReceipt.attempt_id)
             .where(Attempt.round_id == round_.id,
                    Attempt.student_id.in_(students_query(current_user).with_only_columns(Student.id)))
             .order_by(AttemptReceipt.uploaded_at.desc()).limit(200))
    if attempt_id is not None:
        query = query.where(Attempt.id == attempt_id)
    return db.session.execute(query).scalars().all()
