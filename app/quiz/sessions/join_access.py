"""The login a birth-date join gives (app.quiz.sessions.services.join_by_birth_date): kept in the
signed session as the join's id, it opens the pages of that session's attempt (take,
answer, submit, result) and logout, nothing else, and only while the teacher's
session is open and the join is not refused; then the student is logged out."""
from flask import abort, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, user_logged_in, user_logged_out

from app.accounts.views import log_out_this_device
from app.extensions import db
from app.quiz.sessions import services as sessions

KEY = "join_only"
ATTEMPT_PAGES = frozenset({"attempts.take", "attempts.answer", "attempts.submit", "attempts.result"})
ALWAYS_OPEN = frozenset({"accounts.logout", "static"})


def begin(join):
    """Make the login just made a join-only one (after login_user: a login clears it)."""
    session[KEY] = join.id


@user_logged_in.connect
def _forget_on_login(sender, **extra):
    session.pop(KEY, None)


@user_logged_out.connect
def _forget_on_logout(sender, **extra):
    session.pop(KEY, None)


def keep_join_logins_in_their_attempt():
    """before_app_request: nothing to do for any other login (no key, no query)."""
    join_id = session.get(KEY)
    if join_id is None or request.endpoint in ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated:
        session.pop(KEY, None)
        return None
    join, reason = sessions.check_join_login(join_id, current_user.student_id)
    if reason is not None:
        log_out_this_device()
        db.session.commit()  # kept even when the answer below is refused with 409 (which rolls back)
        session.pop(KEY, None)
        flash(reason, "error")
        if request.endpoint == "attempts.answer":
            return jsonify(error=reason, closed=True), 409  # the page goes on to the result, then to login
        return redirect(url_for("sessions.join"))
    if request.endpoint in ATTEMPT_PAGES and (request.view_args or {}).get("attempt_id") == join.attempt_id:
        return None
    if request.endpoint == "attempts.answer":
        return jsonify(error="Em chỉ làm được bài của phòng thi."), 403
    if request.method in ("GET", "HEAD"):
        if request.endpoint is not None:  # not for a stray /favicon.ico
            flash("Em vào bằng ngày sinh nên chỉ mở được bài thi của phòng này. Làm xong, em bấm Đăng xuất.", "info")
        return redirect(url_for("attempts.take", attempt_id=join.attempt_id))
    abort(403)
