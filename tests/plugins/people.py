"""Factories for the unit tree, classes, students and users, and logging in.

Every user the factories make has the password TEST_PASSWORD (a fixture too, for the
tests that type it)."""
import itertools
import re
from datetime import date

import pytest

from app.extensions import db as _db

TEST_PASSWORD = "Matkhau@123"
_counter = itertools.count(1)


@pytest.fixture(name="TEST_PASSWORD")
def test_password():
    """The password of every user the factories make."""
    return TEST_PASSWORD


@pytest.fixture
def post_login():
    """Post the login form from a given address (the throttle counts per address)."""
    def post(client, username, password, address="10.0.0.1"):
        return client.post("/login", data={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return post

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


@pytest.fixture
def teacher(tree, make_user, make_class, db):
    """gv.lan, a teacher of Trường THPT A (the browser tests have their own)."""
    user = make_user("teacher", tree.school_a, username="gv.lan")
    db.session.commit()
    return user
