"""Views act one way: the request commits at its end when the view answered without
error, and rolls back on a refusal (DomainError, shown as a flash) or any exception."""
import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.audit import AuditLog
from app.extensions import db as _db


@pytest.fixture
def acting_app(database_uri, tmp_path):
    """An app with routes that write an audit row, then answer or raise."""
    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri, "UPLOAD_DIR": str(tmp_path),
        "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "PROPAGATE_EXCEPTIONS": False,
    })

    def write(action):
        _db.session.add(AuditLog(action=action, object_type="test"))
        _db.session.flush()

    @application.post("/t/ok")
    def ok():
        write("ok")
        return "done"

    @application.post("/t/redirect")
    def redirected():
        write("redirect")
        return application.redirect("/t/page")

    @application.post("/t/refused")
    def refused():
        write("refused")
        raise DomainError("Vòng thi đã đóng.")

    @application.post("/t/kept-form")
    def kept_form():
        write("before")
        run_action(lambda: (write("refused"), _raise(DomainError("Mã đã có."))))
        return "form again", 200

    @application.post("/t/broken")
    def broken():
        write("broken")
        raise RuntimeError("bug")

    @application.post("/t/bad-sql")
    def bad_sql():
        write("bad-sql")
        _db.session.execute(text("SELECT * FROM no_such_table"))  # PostgreSQL: the transaction is now aborted

    @application.context_processor
    def menu_from_the_database():
        # as the menu of a logged-in user does: the error page itself reads the database
        return {"probe": _db.session.execute(text("SELECT 1")).scalar()}

    @application.post("/t/not-found")
    def not_found():
        write("not-found")
        return "no", 404

    @application.get("/t/page")
    def page():
        from flask import get_flashed_messages
        return " | ".join(get_flashed_messages())

    return application


def _raise(exc):
    raise exc


def _actions(db):
    db.session.rollback()
    return sorted(db.session.scalars(select(AuditLog.action)).all())


def test_a_view_that_answers_commits_once_at_the_end(acting_app, db):
    client = acting_app.test_client()
    assert client.post("/t/ok").status_code == 200
    assert client.post("/t/redirect").status_code == 302
    assert _actions(db) == ["ok", "redirect"]


def test_a_domain_error_raised_in_a_view_is_rolled_back_and_shown_on_the_form_page(acting_app, db):
    client = acting_app.test_client()
    response = client.post("/t/refused", headers={"Referer": "http://localhost/t/page"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/page")
    assert client.get("/t/page").get_data(as_text=True) == "Vòng thi đã đóng."
    assert _actions(db) == []


def test_a_domain_error_asked_for_as_json_is_a_json_error(acting_app, db):
    response = acting_app.test_client().post("/t/refused", json={})
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "error": "Vòng thi đã đóng."}
    assert _actions(db) == []


def test_run_action_rolls_back_the_refusal_and_the_view_goes_on(acting_app, db):
    client = acting_app.test_client()
    response = client.post("/t/kept-form")
    assert response.get_data(as_text=True) == "form again"
    assert client.get("/t/page").get_data(as_text=True) == "Mã đã có."
    assert _actions(db) == []  # the refusal takes back the whole request's writes, as before


def test_an_unexpected_exception_rolls_back(acting_app, db):
    response = acting_app.test_client().post("/t/broken")
    assert response.status_code == 500
    assert _actions(db) == []


def test_an_error_status_rolls_back(acting_app, db):
    assert acting_app.test_client().post("/t/not-found").status_code == 404
    assert _actions(db) == []


def test_an_exception_that_propagates_rolls_back(acting_app, db):
    acting_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError):
        acting_app.test_client().post("/t/broken")
    assert _actions(db) == []


def test_the_error_page_of_a_failed_statement_still_renders(acting_app, db):
    """On PostgreSQL a failed statement aborts the transaction: the 500 page, which reads
    the database too, must roll back first or fail itself (InFailedSqlTransaction)."""
    response = acting_app.test_client().post("/t/bad-sql")
    assert response.status_code == 500
    assert "Hệ thống gặp lỗi" in response.get_data(as_text=True)
    assert _actions(db) == []
