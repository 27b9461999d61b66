"""CSRF, switched on as in production: every POST without the token answers 400 and
writes nothing; the login form works with the token from its page; the session
cookie is HttpOnly and SameSite=Lax."""
import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import create_app
from app.accounts.services import ensure_student_accounts
from app.core.timeutil import local_today, school_year_of, utcnow
from app.entries.models import Assignment
from app.extensions import db as _db
from app.org.services import set_class_teachers
from app.quiz.attempts.services import start_attempt
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import parse
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.sessions.services import open_session


@pytest.fixture(scope="module")
def csrf_app(app):
    protected = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "STORAGE_URL": app.config["STORAGE_URL"],
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    yield protected
    with protected.app_context():
        _db.engine.dispose()


@pytest.fixture
def things(tree, make_unit, make_class, make_student, make_user, db, creative_entry, make_certificate, TEST_PASSWORD,
           png_bytes):
    """An admin, and one object of each kind for the URLs: a class with its teacher and
    a student who has an account, and an empty (deletable) unit."""
    school_class = make_class(tree.school_a)
    student = make_student(school_class)
    ensure_student_accounts(None, [student], tree.school_a)
    teacher = make_user("teacher", tree.school_a)
    set_class_teachers(None, school_class, [teacher])
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng thử")
    question = import_questions(None, bank, parse("Câu hỏi? {=Có ~Không}".encode(), "gift")).questions[0]
    contest = create_contest(None, tree.so, bank, code="THI", name="Thi", school_year=2026)
    round_ = add_round(None, contest, name="Vòng 1", opens_at=utcnow() - timedelta(days=1),
                       closes_at=utcnow() + timedelta(days=1), question_count=1)
    attempt = start_attempt(student, round_, utcnow())
    session = open_session(teacher, school_class, round_, utcnow())
    creative, entry, judge = creative_entry(tree.school_a, teacher, student, make_user)
    assignment = Assignment(entry_id=entry.id, judge_id=judge.id, scores={}, comment="")
    db.session.add(assignment)
    db.session.flush()
    certificate = make_certificate(contest, student)
    found = SimpleNamespace(password=TEST_PASSWORD, png_bytes=png_bytes, certificate=certificate, creative=creative, entry=entry, file=entry.files[0], assignment=assignment, judge=judge,
                            tree=tree, school_class=school_class, student=student, teacher=teacher,
                            empty_unit=make_unit("commune", "Xã trống", parent=tree.cluster_a),
                            admin=make_user("admin"), bank=bank, question=question, round=round_,
                            attempt=attempt, session=session)
    db.session.commit()
    return found


IDS = {
    "unit_id": lambda t: t.empty_unit.id,
    "school_id": lambda t: t.tree.school_a.id,
    "class_id": lambda t: t.school_class.id,
    "student_id": lambda t: t.student.id,
    "user_id": lambda t: t.teacher.id,
    "bank_id": lambda t: t.bank.id,
    "question_id": lambda t: t.question.id,
    "action": lambda t: "retire",
    "round_id": lambda t: t.round.id,
    "contest_id": lambda t: t.round.contest_id,
    "session_id": lambda t: t.session.id,
    "code": lambda t: t.session.code,
    "attempt_id": lambda t: t.attempt.id,
    "creative_id": lambda t: t.creative.id,
    "entry_id": lambda t: t.entry.id,
    "file_id": lambda t: t.file.id,
    "assignment_id": lambda t: t.assignment.id,
    "category": lambda t: "poster",
    "certificate_id": lambda t: t.certificate.id,
    "slot": lambda t: "signature",
    "bundle": lambda t: "zip",
}


ROSTER = "Họ và tên,Ngày sinh,Lớp\nNguyễn Văn Mới,01/05/2010,10A1\n"  # the upload is kept for its preview


def _csv(text, name):
    return (io.BytesIO(text.encode()), name)


# Form data that would be accepted with a token, so that only the missing token stops it.
FORMS = {
    "accounts.login": lambda t: {"username": t.admin.username, "password": t.password},
    "accounts.change_password": lambda t: {"current": t.password, "new": "Matkhau@456", "confirm": "Matkhau@456"},
    "accounts.user_create": lambda t: {"full_name": "Giáo viên Mới", "username": "gv.moi", "role": "teacher",
                                       "unit_id": t.tree.school_a.id, "password": "Matkhau@456"},
    "org.unit_create": lambda t: {"kind": "cluster", "name": "Cụm mới", "code": "CM", "level": "",
                                  "parent_id": t.tree.so.id, "address": ""},
    "org.unit_edit": lambda t: {"name": "Tên mới", "code": "", "level": "", "address": ""},
    "org.unit_move": lambda t: {"parent_id": t.tree.cluster_b.id},
    "org.schools_import": lambda t: {"root_id": t.tree.so.id,
                                     "file": _csv("Mã trường,Tên trường,Cấp học\nTX,Trường X,THPT\n", "ds.csv")},
    "org.class_create": lambda t: {"name": "10A9", "grade": "10", "school_year": str(school_year_of(local_today()))},
    "org.class_teachers": lambda t: {"teacher_ids": [t.teacher.id]},
    "org.class_roster": lambda t: {"file": _csv(ROSTER, "lop.csv")},
    "org.school_roster": lambda t: {"file": _csv(ROSTER, "truong.csv")},
    "banks.bank_list": lambda t: {"code": "NH-MOI", "name": "Ngân hàng mới", "unit_id": t.tree.so.id},
    "banks.bank_import": lambda t: {"file": _csv("Câu mới? {=Có ~Không}", "cau.gift"), "format": "gift",
                                   "level": "all", "difficulty": "easy"},
    "contests.contest_list": lambda t: {"code": "THI2", "name": "Thi 2", "bank_id": t.bank.id,
                                       "school_year": "2026", "thpt": "y"},
    "contests.contest_detail": lambda t: {"name": "Đợt 2", "opens_at": "2026-12-01T08:00",
                                         "closes_at": "2026-12-02T08:00", "easy": "1", "attempts_allowed": "1",
                                         "grading_method": "highest", "review_policy": "after_close"},
    "contests.round_edit": lambda t: {"name": "Đổi tên", "opens_at": "2026-12-01T08:00",
                                     "closes_at": "2026-12-02T08:00", "easy": "1", "attempts_allowed": "3",
                                     "grading_method": "last", "review_policy": "after_close"},
    "contests.contest_edit": lambda t: {"name": "Đổi tên", "thpt": "y", "prizes-nhat": "1"},
    "banks.question_edit": lambda t: {"topic": "Mới", "level": "all", "difficulty": "easy", "text": "Sửa?",
                                     "options-0-text": "Có", "options-0-right": "y", "options-1-text": "Không"},
    "entries.file_upload": lambda t: {"file": (io.BytesIO(t.png_bytes()), "b.png")},
    "entries.entry_review": lambda t: {"decision": "approve"},
    "entries.rubric": lambda t: {"name0": "Nội dung", "weight0": "1", "max0": "10"},
    "entries.judge_entry": lambda t: {"noi_dung": "5", "action": "draft"},
    "certificates.revoke": lambda t: {"reason": "Điều chỉnh kết quả", "reissue": "y"},
    "certificates.template_image": lambda t: {"image": (io.BytesIO(t.png_bytes()), "logo.png")},
    "certificates.template_edit": lambda t: {"issuer_name": "Sở", "prize_title": "GIẤY KHEN",
                                             "pass_title": "GIẤY CHỨNG NHẬN", "contest_title": "Thi",
                                             "place": "Cần Thơ", "signer_title": "Giám đốc"},
    "certificates.overview": lambda t: {"scope": "all"},
    "corrections.report_from_attempt": lambda t: {"position": "1", "reason": "Đáp án sai rồi ạ"},
    "corrections.report_question": lambda t: {"reason": "Đáp án sai rồi"},
    "corrections.apply": lambda t: {"kind": "void_full", "reason": "Câu hỏi có hai đáp án đúng", "base": "1"},
}


def post_requests(app, things):
    """[(url, form)] for every rule that accepts POST, ids filled from `things`."""
    adapter, requests = app.url_map.bind("localhost"), []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            assert rule.arguments <= set(IDS), f"add ids for {sorted(rule.arguments - set(IDS))} to IDS"
            url = adapter.build(rule.endpoint, {name: IDS[name](things) for name in rule.arguments}, method="POST")
            requests.append((url, FORMS.get(rule.endpoint, lambda t: {})(things)))
    return requests


def csrf_token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture(name="log_in_with_token")
def log_in_with_token_fixture(TEST_PASSWORD):
    def log_in_with_token(client, user):
        token = csrf_token(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token})
    return log_in_with_token


def snapshot(db, app):
    """Every committed row of every table, and every file under UPLOAD_DIR."""
    db.session.rollback()
    rows = {table.name: sorted((tuple(row) for row in db.session.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables}
    return rows, sorted(Path(app.config["UPLOAD_DIR"]).rglob("*"))


def test_every_post_without_token_is_refused_and_writes_nothing(csrf_app, things, db, log_in_with_token):
    # given the admin, logged in through the login page and its token
    client = csrf_app.test_client()
    assert log_in_with_token(client, things.admin).status_code == 302
    requests = post_requests(csrf_app, things)
    before = snapshot(db, csrf_app)
    # when every POST route is sent its form without the token
    answers = [(url, client.post(url, data=form).status_code) for url, form in requests]
    # then each answers 400, nothing is written, and the admin is still logged in (logout was refused too)
    assert len(answers) > 10
    assert [answer for answer in answers if answer[1] != 400] == []
    assert snapshot(db, csrf_app) == before
    assert client.get("/units").status_code == 200


def test_login_with_the_token_from_the_page_succeeds(csrf_app, things, log_in_with_token):
    response = log_in_with_token(csrf_app.test_client(), things.admin)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/units")


def test_session_cookie_is_httponly_and_samesite_lax(csrf_app, things, log_in_with_token):
    # when the admin logs in
    response = log_in_with_token(csrf_app.test_client(), things.admin)
    # then the session cookie it sets cannot be read by scripts nor sent by other sites' POSTs
    name = csrf_app.config["SESSION_COOKIE_NAME"]
    cookie = next(header for header in response.headers.getlist("Set-Cookie") if header.startswith(name + "="))
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
