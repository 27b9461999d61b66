"""Certificates: `finished`, a Sở contest whose first round has closed with its results published: in Trường
THPT A, class 10A1, Thảo wins the round's first prize, Ngọc passes, Bình fails; in
Trường THPT B, Đức Anh passes. The overall results (one first prize, a collective
first prize for the school with the best participation) are published too; and
`make_certificate`, one valid certificate made directly."""
from datetime import timedelta

import pytest

from app.certificates import services
from app.core.timeutil import utcnow
from app.quiz.contests.services import add_round, create_contest, publish_contest_results, publish_results
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions
from tests.plugins.quiz import finish_attempt as _finish

LONG_NAMES = ("Nguyễn Thị Phương Thảo", "Đặng Lê Hoàng Khánh Ngọc")


@pytest.fixture
def finished(tree, make_class, make_student, make_user, db):
    from app.accounts.services import ensure_student_accounts
    bank = create_bank(None, tree.so, code="DVC-C", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
                     answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="", source="")
        for i in range(2)])
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Cuộc thi tìm hiểu dịch vụ công trực tuyến",
                             school_year=2026, levels=("THPT",))
    contest.prizes = {"nhat": 1}
    contest.collective_prizes = {"schools": {"nhat": 1}}
    start = utcnow() - timedelta(days=3)
    round_ = add_round(None, contest, name="Đợt 1", opens_at=start, closes_at=utcnow() + timedelta(days=1),
                       question_count=2, prizes={"nhat": 1}, passing_score=50)
    c10a1 = make_class(tree.school_a, "10A1", year=2026)
    thao, ngoc = (make_student(c10a1, name) for name in LONG_NAMES)
    binh = make_student(c10a1, "Trần Văn Bình")
    duc_anh = make_student(make_class(tree.school_b, "11B1", year=2026), "Phạm Đức Anh")
    ensure_student_accounts(None, [thao, ngoc, binh], tree.school_a)
    _finish(thao, round_, True, start + timedelta(hours=1))
    _finish(ngoc, round_, True, start + timedelta(hours=2))
    _finish(binh, round_, False, start + timedelta(hours=3))
    _finish(duc_anh, round_, True, start + timedelta(hours=4))
    round_.closes_at = utcnow() - timedelta(minutes=5)
    publish_results(None, round_, utcnow())
    publish_contest_results(None, contest, utcnow())
    template = services.save_template(None, contest, services.default_template(contest),
                                      {"signer_name": "Nguyễn Văn Giám"})
    db.session.commit()
    officer = make_user("department", tree.so)
    teacher = make_user("teacher", tree.school_a)
    from app.org.services import set_class_teachers
    set_class_teachers(None, c10a1, [teacher])
    db.session.commit()
    return type("Finished", (), dict(contest=contest, round=round_, template=template, thao=thao, ngoc=ngoc,
                                     binh=binh, duc_anh=duc_anh, c10a1=c10a1, officer=officer, teacher=teacher))


@pytest.fixture(name="make_certificate")
def make_certificate_fixture():
    return make_certificate


def make_certificate(contest, student, place="Cần Thơ"):
    """A contest's template and one valid passing certificate for a student, made
    directly (for the access and CSRF sweeps, which need an id)."""
    from app.certificates.models import Certificate
    template = services.save_template(None, contest, services.default_template(contest), {"place": place})
    cert = Certificate(template_id=template.id, seq=1, serial=services.serial_of(template, 1), check_code="ABCDEF",
                       key=f"c:pass:s{student.id}", kind="pass", title=template.pass_title, student_id=student.id,
                       school_id=student.school_id, class_id=student.class_id, recipient_name=student.full_name,
                       class_name=student.school_class.name, school_name=student.school.name,
                       achievement=f"Đã tham gia và đạt yêu cầu {template.contest_title}", issued_on=utcnow().date())
    from app.extensions import db
    db.session.add(cert)
    db.session.flush()
    return cert
