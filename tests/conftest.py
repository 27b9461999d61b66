"""Fixtures: one app and schema per run (built by the migrations), a clean
database for every test, and factories for the unit tree, classes, students and users.

The database is SQLite in a temporary folder, or the one DATABASE_URL names
(the CI run on PostgreSQL)."""
import itertools
import os
import re
from datetime import date

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.config import database_url
from app.extensions import db as _db

TEST_PASSWORD = "Matkhau@123"
_counter = itertools.count(1)


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
    national coverage targets (Decision 1588)."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
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


# Factories

@pytest.fixture
def make_unit(db):
    from app.org.services import create_unit

    def make(kind="department", name=None, parent=None, code=None, level=None):
        n = next(_counter)
        if kind == "school":
            level = level or "THPT"
            code = code or f"S{n:04d}"
        return create_unit(None, kind=kind, name=name or f"Đơn vị {n}", parent=parent, code=code, level=level)
    return make


@pytest.fixture
def tree(make_unit, db):
    """A Sở with two clusters and a school in each, plus one school right under the Sở."""
    so = make_unit("department", "Sở GD&ĐT Thử nghiệm", code="SO")
    cluster_a = make_unit("cluster", "Cụm A", parent=so, code="CA")
    cluster_b = make_unit("cluster", "Cụm B", parent=so, code="CB")
    school_a = make_unit("school", "Trường THPT A", parent=cluster_a, code="TA")
    school_b = make_unit("school", "Trường THPT B", parent=cluster_b, code="TB")
    school_c = make_unit("school", "Trường THCS C", parent=so, code="TC", level="THCS")
    db.session.commit()
    return type("Tree", (), dict(so=so, cluster_a=cluster_a, cluster_b=cluster_b,
                                 school_a=school_a, school_b=school_b, school_c=school_c))


@pytest.fixture
def make_class(db):
    from app.core.timeutil import local_today, school_year_of
    from app.org.services import create_class

    def make(school, name="10A1", grade=None, year=None):
        grade = grade or int(re.match(r"\d+", name).group())
        return create_class(None, school, name=name, grade=grade, school_year=year or school_year_of(local_today()))
    return make


@pytest.fixture
def make_student(db):
    from app.org.models import Student

    def make(school_class, full_name="Nguyễn Văn An", code=None, birth_date=date(2010, 5, 1)):
        student = Student(school_id=school_class.school_id, class_id=school_class.id,
                          code=code or f"HS{next(_counter):06d}", birth_date=birth_date)
        student.set_name(full_name)
        _db.session.add(student)
        _db.session.flush()
        return student
    return make


@pytest.fixture
def make_user(db):
    from app.accounts.services import create_user

    def make(role, unit=None, username=None, password=TEST_PASSWORD):
        return create_user(None, username=username or f"{role}{next(_counter)}", password=password,
                           full_name=f"Người dùng {role}", role=role, unit=unit, must_change_password=False)
    return make


@pytest.fixture
def login(client, db):
    def do(user, password=TEST_PASSWORD):
        db.session.commit()
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return do
