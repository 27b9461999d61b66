"""The way a view calls a service that may refuse: commit when it succeeds, roll back
and show its Vietnamese message when it raises a DomainError."""
from flask import flash

from app.core.errors import DomainError
from app.extensions import db

DONE = object()


def run_action(action, success=None):
    """Call `action()`. On DomainError: roll back, flash the message, return None.
    Otherwise: commit, flash `success` (a string, or a function of the result) and
    return the result (DONE when the action returns None)."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    db.session.commit()
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return DONE if result is None else result
