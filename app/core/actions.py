"""Views act one way (as Indico's RH.process): one transaction per request, committed
when the view answered without error and rolled back otherwise; a DomainError is shown
in one place. Views write no commit, rollback or `except DomainError` of their own."""
from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, request, url_for

from app.core.errors import DomainError
from app.extensions import db

DONE = object()


def run_action(action, success=None):
    """Call `action()` where the view goes on after a refusal (a form shown again with
    what was typed). On DomainError: roll back, flash the message, return None.
    Otherwise flash `success` (a string, or a function of the result) and return the
    result (DONE when the action returns None); the request commits at its end."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return DONE if result is None else result


def init_app(app):
    @app.after_request
    def commit_or_roll_back(response):
        # A redirect (3xx) is a success; a streamed body is read after this, and only reads.
        # A request that committed itself (the answer save) has no transaction left: no COMMIT sent.
        if response.status_code < 400:
            if db.session().in_transaction():
                db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def roll_back_on_exception(exc):
        if exc is not None:
            db.session.rollback()

    app.register_error_handler(DomainError, show_domain_error)


def show_domain_error(exc):
    """A refusal no view caught: nothing it wrote is kept; JSON gets {"ok": false,
    "error": message} (400), a page gets the message as a flash on the page the form
    came from."""
    db.session.rollback()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(ok=False, error=exc.message), 400
    flash(exc.message, "error")
    return redirect(_page_the_form_came_from())


def _page_the_form_came_from():
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host and parts.path != request.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method != "GET":
        return request.full_path.rstrip("?")  # the form posted to its own page
    return url_for("accounts.index")
