"""Creative contests: `creative`, a contest of the Sở with poster, model and video
categories, open for submissions now, whose school round ends in 10 days (tests move
`now` past it); `school_people` who make entries; `creative_entry` for the sweeps."""
import io
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.entries import services
from tests.plugins.files import png_bytes


@pytest.fixture
def creative(tree, app, db):
    now = utcnow()
    contest = services.create_contest(
        None, tree.so, code="AP2026", name="Áp phích, mô hình, video về dịch vụ công trực tuyến", school_year=2026,
        levels=("THCS", "THPT"), categories=("poster", "model", "video"), submit_opens_at=now - timedelta(days=1),
        submit_closes_at=now + timedelta(days=5), approval_closes_at=now + timedelta(days=10), max_team_size=3,
        advisor_required=True, judges_per_entry=2, prizes={"poster": {"nhat": 1, "nhi": 1}},
        file_rules={"poster": {"min_long_side": 200}, "model": {"min_long_side": 100}})
    db.session.commit()
    return contest


@pytest.fixture
def after_school_round(creative):
    return creative.approval_closes_at + timedelta(minutes=1)


@pytest.fixture
def school_people(tree, make_class, make_student, make_user, db):
    """Trường THPT A: class 10A1 with three students (one has an account), a teacher
    and the school admin; Trường THPT B: one student and a teacher."""
    from app.accounts.services import ensure_student_accounts
    c10a1 = make_class(tree.school_a, "10A1", year=2026)
    students = [make_student(c10a1, name) for name in ("Nguyễn Thị Phương Thảo", "Trần Văn Bình", "Lê Minh Châu")]
    teacher = make_user("teacher", tree.school_a, username="gv.ta")
    admin = make_user("school_admin", tree.school_a, username="bgh.ta")
    b_student = make_student(make_class(tree.school_b, "11B1", year=2026), "Phạm Đức Anh")
    b_teacher = make_user("teacher", tree.school_b, username="gv.tb")
    ensure_student_accounts(None, students, tree.school_a)
    db.session.commit()
    return type("People", (), dict(students=students, teacher=teacher, admin=admin, b_student=b_student,
                                   b_teacher=b_teacher, c10a1=c10a1))


@pytest.fixture
def creative_entry():
    """A school's poster contest with one entry (its file) and a judge of that school."""
    return make_creative_entry


def make_creative_entry(school, teacher, student, make_user):
    now = utcnow()
    creative = services.create_contest(
        None, school, code=f"AP-{school.code}", name="Áp phích", school_year=2026, levels=("THPT",),
        categories=("poster",), submit_opens_at=now - timedelta(days=1), submit_closes_at=now + timedelta(days=1),
        approval_closes_at=now + timedelta(days=2), file_rules={"poster": {"min_long_side": 100}})
    entry = services.create_entry(teacher, creative, category="poster", title="Áp phích", member_ids=[student.id])
    services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    return creative, entry, make_user("judge", school)
