"""The access sweep's world: schools A and B staffed alike (a class, its teacher, a
bank, a round, an attempt, a class session, a creative entry, a certificate), a
second Sở, and one person of each kind; a student's upload under way (tests/core/test_scope.py, test_access.py)."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.entries import uploads
from app.entries.models import Assignment
from app.jobs.services import start_job
from app.org.services import set_class_teachers
from app.quiz.attempts.services import start_attempt
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import parse
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.sessions.services import open_session

# The people of school A's side (and beyond) who must not reach school B's objects.
OUTSIDERS = ["teacher_a", "school_admin_a", "unit_a", "student_a", "judge", "other_department"]


@pytest.fixture(params=OUTSIDERS)
def outsider(request):
    """Each outsider in turn: the name of their attribute of `world`."""
    return request.param


@pytest.fixture(name="_staffed_school")
def staffed_school_fixture(creative_entry, make_certificate):
    def _staffed_school(school, make_class, make_student, make_user):
        """A class of two students with accounts, its teacher, and a school admin."""
        school_class = make_class(school, "10A1")
        students = [make_student(school_class, "Nguyễn Văn An"), make_student(school_class, "Trần Thị Bình")]
        ensure_student_accounts(None, students, school)
        teacher = make_user("teacher", school)
        set_class_teachers(None, school_class, [teacher])
        bank = create_bank(None, school, code=f"NH-{school.code}", name=f"Ngân hàng {school.name}")
        question = import_questions(None, bank, parse(
            "::q1::Ứng dụng định danh điện tử quốc gia là gì?{=VNeID ~VssID}".encode(), "gift")).questions[0]
        contest = create_contest(None, school, bank, code=f"THI-{school.code}", name="Thi cấp trường", school_year=2026)
        round_ = add_round(None, contest, name="Vòng trường", opens_at=utcnow() - timedelta(days=1),
                           closes_at=utcnow() + timedelta(days=1), question_count=1)
        attempt = start_attempt(students[0], round_, utcnow())
        session = open_session(teacher, school_class, round_, utcnow())
        creative, entry, judge = creative_entry(school, teacher, students[0], make_user)
        certificate = make_certificate(contest, students[0])
        upload = uploads.begin(students[0].user, entry, filename="ap-phich.pdf", size=1000)  # an upload under way
        return SimpleNamespace(upload=upload, certificate=certificate, session=session, school_class=school_class, students=students, teacher=teacher,
                               admin=make_user("school_admin", school), bank=bank, question=question,
                               round=round_, attempt=attempt, creative=creative, entry=entry, file=entry.files[0],
                               assignment=Assignment(entry_id=entry.id, judge_id=judge.id, scores={}, comment=""))
    return _staffed_school


@pytest.fixture
def world(tree, make_unit, make_class, make_student, make_user, db, TEST_PASSWORD, _staffed_school):
    """Schools A (cluster A) and B (cluster B), staffed; in A a second class its teacher
    does not teach; in cluster B an empty unit (deletable); a second Sở with a school;
    and one person of each kind."""
    a = _staffed_school(tree.school_a, make_class, make_student, make_user)
    b = _staffed_school(tree.school_b, make_class, make_student, make_user)
    db.session.add_all([a.assignment, b.assignment])
    db.session.flush()
    a.other_class = make_class(tree.school_a, "10A2")
    a.other_student = make_student(a.other_class, "Lê Văn Cường")
    b.empty_unit = make_unit("commune", "Xã trống", parent=tree.cluster_b)
    so2 = make_unit("department", "Sở GD&ĐT Khác")
    student_a = a.students[0].user
    set_password(student_a, TEST_PASSWORD)
    world = SimpleNamespace(
        tree=tree, a=a, b=b, so2=so2, so2_school=make_unit("school", "Trường Sở khác", parent=so2),
        admin=make_user("admin"), department=make_user("department", tree.so),
        other_department=make_user("department", so2), unit_a=make_user("unit", tree.cluster_a),
        school_admin_a=a.admin, teacher_a=a.teacher, student_a=student_a, judge=make_user("judge"))
    db.session.commit()
    b.job = start_job(b.admin, "test.count", {"n": 2}, "Xuất của trường B")  # a job of school B's staff, with a file
    return world
