"""The app and its database: one app and schema per run (built by the migrations),
a clean database for every test, and a test client.

The database is SQLite in a temporary folder, or the one DATABASE_URL names
(the CI run on PostgreSQL)."""
import os
from contextlib import contextmanager

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.config import database_url
from app.extensions import cache
from app.extensions import db as _db


def _reset_postgres_schema(url):
    from sqlalchemy import create_engine
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        url = database_url(url)
        if url.startswith("postgresql"):
            _reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class FreshRequestClient(FlaskClient):
    """Tests keep an app context pushed (for the factories), and Flask reuses it for
    requests, so `g` would carry the logged-in user from one request to the next.
    Each request here starts without it, as in production."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    from flask_migrate import upgrade
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "STORAGE_URL": "",  # the files in UPLOAD_DIR, whatever the environment names
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
    })
    application.test_client_class = FreshRequestClient
    with application.app_context():
        upgrade()
        with _db.engine.begin() as conn:  # a database kept from an earlier run: start clean
            conn.execute(text("DELETE FROM coverage_target"))
            _seed_national_targets(conn)
    return application


@pytest.fixture(autouse=True)
def db(app):
    """Every test starts from the tables a fresh migration leaves: empty but for the
    national coverage targets (Decision 1588), and from an empty page cache."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        cache.clear()
        with _db.engine.begin() as conn:
            empty_tables(conn)


def empty_tables(conn):
    """Every table as a fresh migration leaves it: empty but for the national targets."""
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    _seed_national_targets(conn)


def _seed_national_targets(conn):
    from app.coverage.models import NATIONAL_TARGETS, CoverageTarget
    conn.execute(CoverageTarget.__table__.insert(),
                 [dict(unit_id=None, stage=stage, year=year, percent=percent) for stage, year, percent in NATIONAL_TARGETS])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def count_statements(db):
    """`with count_statements() as statements:` lists the SQL statements sent meanwhile
    (SQLAlchemy's before_cursor_execute), after a commit, so that what the test loaded
    is read again rather than reused."""
    @contextmanager
    def counting():
        db.session.commit()
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return counting
