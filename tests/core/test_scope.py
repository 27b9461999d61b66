"""The access sweep: every URL that takes an id answers 404, and writes nothing,
when the id names another school's object; the same people do get their own pages;
and the scope helpers return exactly what each role may see."""
import itertools
import re

import pytest

from app.org import access
from app.core.timeutil import local_today, school_year_of

OUTSIDERS = ["teacher_a", "school_admin_a", "unit_a", "student_a", "judge", "other_department"]

# Ids of school B's objects, by URL argument name. A route with an id argument that
# is not here fails test_every_id_argument_is_swept: add its ids before shipping it.
B_IDS = {
    "unit_id": lambda w: [w.tree.school_b.id, w.tree.cluster_b.id, w.b.empty_unit.id],
    "school_id": lambda w: [w.tree.school_b.id],
    "class_id": lambda w: [w.b.school_class.id],
    "student_id": lambda w: [student.id for student in w.b.students],
    "user_id": lambda w: [w.b.teacher.id, w.b.admin.id, w.b.students[0].user.id],
    "bank_id": lambda w: [w.b.bank.id],
    "question_id": lambda w: [w.b.question.id],
    "round_id": lambda w: [w.b.round.id],
    "contest_id": lambda w: [w.b.round.contest_id],
    "session_id": lambda w: [w.b.session.id],
    "attempt_id": lambda w: [w.b.attempt.id],
    "creative_id": lambda w: [w.b.creative.id],
    "entry_id": lambda w: [w.b.entry.id],
    "file_id": lambda w: [w.b.file.id],
    "assignment_id": lambda w: [w.b.assignment.id],
    "certificate_id": lambda w: [w.b.certificate.id],
    "job_id": lambda w: [w.b.job.id],
    "upload_id": lambda w: [w.b.upload.id],
}
# Pages public by design (published results: name, class, school, score, prize), checked
# in their own tests; the sweep skips them.
PUBLIC_ENDPOINTS = {"contests.public_results", "contests.public_contest_results", "entries.gallery_entry"}
# Pages for one role only (students and teachers making entries, judges scoring) or one
# person (a job's page and file, an upload under way: whoever started it), which the Sở's
# officer reaching school B's objects gets as 404 too; tests/entries and tests/jobs cover them.
ROLE_PAGES = {"entries.entry_new", "entries.entry_edit", "entries.judge_entry", "entries.upload_chunk", "jobs.job_page",
              "jobs.job_file"}
# Other URL arguments, one value each, so that every rule can be built.
OTHER_ARGS = {"fmt": "gift", "action": "retire", "category": "poster", "variant": "thumb", "bundle": "zip",
              "slot": "signature"}

# POST data that would succeed if the scope check were missing, so that
# "nothing changed" means something. Other POSTs need no data.
FORMS = {
    "org.unit_edit": lambda w: {"name": "Đổi tên", "code": "DOITEN", "level": "THPT", "address": ""},
    "org.unit_move": lambda w: {"parent_id": w.tree.cluster_a.id},
    "org.class_teachers": lambda w: {"teacher_ids": [w.b.teacher.id]},
    "org.class_create": lambda w: {"name": "10A9", "grade": "10",
                                   "school_year": str(school_year_of(local_today()))},
    "contests.contest_detail": lambda w: {"name": "Đợt lạ", "opens_at": "2026-12-01T08:00",
                                         "closes_at": "2026-12-02T08:00", "easy": "1", "attempts_allowed": "1",
                                         "grading_method": "highest", "review_policy": "after_close"},
    "contests.round_edit": lambda w: {"name": "Đổi tên", "opens_at": "2026-12-01T08:00",
                                     "closes_at": "2026-12-02T08:00", "easy": "1", "attempts_allowed": "3",
                                     "grading_method": "last", "review_policy": "after_close"},
    "contests.contest_edit": lambda w: {"name": "Đổi tên", "thpt": "y", "prizes-nhat": "1"},
    "certificates.revoke": lambda w: {"reason": "Điều chỉnh kết quả"},
    "certificates.template_edit": lambda w: {"issuer_name": "Khác", "prize_title": "GIẤY KHEN",
                                             "pass_title": "GIẤY CHỨNG NHẬN", "contest_title": "Thi",
                                             "place": "Cần Thơ", "signer_title": "Hiệu trưởng"},
    "banks.question_edit": lambda w: {"topic": "Đổi", "level": "all", "difficulty": "easy", "text": "Đổi?",
                                     "options-0-text": "X", "options-0-right": "y", "options-1-text": "Y"},
    "corrections.report_from_attempt": lambda w: {"position": "1", "reason": "Đáp án sai rồi ạ"},
    "corrections.report_question": lambda w: {"reason": "Đáp án sai rồi"},
    "corrections.apply": lambda w: {"kind": "void_full", "reason": "Câu hỏi có hai đáp án đúng", "base": "1"},
}


# Requests, each in its own app context as in production: no logged-in user in `g`
# and no database session is shared with the test or with another request.

def call(app, client, method, url, **kwargs):
    with app.app_context():
        return client.open(url, method=method, **kwargs)


@pytest.fixture(name="log_in")
def log_in_fixture(TEST_PASSWORD):
    def log_in(app, user):
        client = app.test_client()
        response = call(app, client, "POST", "/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert response.status_code == 302, user
        return client
    return log_in


def id_args(rule):
    """The rule's id arguments: int-converted ones, and any named *_id."""
    ints = set(re.findall(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule))
    return sorted(name for name in rule.arguments if name in ints or name.endswith("_id"))


def sweep(app, world, methods=("GET", "POST"), skip=()):
    """[(method, url, form)] for every rule with an id argument, filled with school B's ids
    (all built before any request, so that a wrongly allowed delete cannot break the list)."""
    adapter, requests = app.url_map.bind("localhost"), []
    for rule in app.url_map.iter_rules():
        names = id_args(rule)
        if not names or rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in skip:
            continue
        for ids in itertools.product(*(B_IDS[name](world) for name in names)):
            for method in (m for m in methods if m in rule.methods):
                values = dict(zip(names, ids), **{k: v for k, v in OTHER_ARGS.items() if k in rule.arguments})
                url = adapter.build(rule.endpoint, values, method=method)
                form = FORMS.get(rule.endpoint, lambda w: {})(world) if method == "POST" else None
                requests.append((method, url, form))
    return requests


def snapshot(db):
    """Every committed row of every table."""
    db.session.rollback()
    return {table.name: sorted((tuple(row) for row in db.session.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables}


def test_every_id_argument_is_swept(app):
    names = {name for rule in app.url_map.iter_rules() for name in id_args(rule)}
    assert names, "no route takes an id: the sweep would test nothing"
    assert names <= set(B_IDS), f"add school B ids for {sorted(names - set(B_IDS))} to B_IDS"


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_school_b_objects_answer_404_and_change_nothing(app, world, db, viewer, log_in):
    # given someone of school A / cluster A, a student, a judge or another Sở's officer
    client = log_in(app, getattr(world, viewer))
    before = snapshot(db)
    requests = sweep(app, world)
    # when they open, or POST to, every URL with an id of school B's objects
    answers = [(method, url, call(app, client, method, url, data=form).status_code)
               for method, url, form in requests]
    # then every answer is 404, and no row changed (no password_hash, no audit entry, ...)
    assert len(answers) > 20
    assert [answer for answer in answers if answer[2] != 404] == []
    assert snapshot(db) == before


def test_sweep_urls_name_real_objects(app, world, log_in):
    # given the officer of the Sở above both clusters
    client = log_in(app, world.department)
    # when they open every GET URL of the sweep
    answers = [(url, call(app, client, "GET", url).status_code) for _, url, _ in sweep(app, world, ("GET",), ROLE_PAGES)]
    # then none is 404 (a unit id of a school redirects to the school page)
    assert answers and [answer for answer in answers if answer[1] not in (200, 302)] == []


OWN_PAGES = {
    "teacher_a": lambda w: [f"/certificates/{w.a.certificate.id}.pdf",
                            f"/contests/{w.a.round.contest_id}/certificates", f"/classes/{w.a.school_class.id}", f"/banks/{w.a.bank.id}", f"/sessions/{w.a.session.id}",
                            f"/questions/{w.a.question.id}", f"/entries/{w.a.entry.id}/edit"],
    "school_admin_a": lambda w: [f"/schools/{w.tree.school_a.id}", f"/classes/{w.a.school_class.id}",
                                 f"/creative/{w.a.creative.id}/panels", f"/creative/{w.a.creative.id}/school-entries",
                                 f"/banks/{w.a.bank.id}/import", f"/questions/{w.a.question.id}/edit",
                                 f"/contests/{w.a.round.contest_id}/certificates/template",
                                 f"/certificates/{w.a.certificate.id}/revoke"],
    "unit_a": lambda w: [f"/units/{w.tree.cluster_a.id}", f"/schools/{w.tree.school_a.id}",
                         f"/banks/{w.a.bank.id}", f"/contests/{w.a.round.contest_id}",
                         f"/rounds/{w.a.round.id}/ranking"],
    "student_a": lambda w: ["/me", f"/attempts/{w.a.attempt.id}", f"/entries/{w.a.entry.id}",
                            f"/files/{w.a.file.id}", f"/certificates/{w.a.certificate.id}.pdf"],
    "judge": lambda w: ["/judging"],
    "other_department": lambda w: [f"/units/{w.so2.id}", f"/schools/{w.so2_school.id}"],
}


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_the_same_people_open_their_own_pages(app, world, viewer, log_in):
    client = log_in(app, getattr(world, viewer))
    for url in OWN_PAGES[viewer](world):
        assert call(app, client, "GET", url).status_code == 200, url


def test_department_officer_gets_404_under_another_so(app, world, log_in):
    # given the officers of two Sở
    first, second = log_in(app, world.department), log_in(app, world.other_department)
    # then each sees the schools of its own Sở only
    assert call(app, first, "GET", f"/schools/{world.so2_school.id}").status_code == 404
    assert call(app, first, "GET", f"/units/{world.so2.id}").status_code == 404
    assert call(app, second, "GET", f"/schools/{world.tree.school_a.id}").status_code == 404
    assert call(app, second, "GET", f"/units/{world.tree.so.id}").status_code == 404
    assert call(app, first, "GET", f"/schools/{world.tree.school_b.id}").status_code == 200


def expected_scope(w):
    """who -> (schools, students) they may see."""
    t = w.tree
    a_students = set(w.a.students) | {w.a.other_student}
    return {
        "admin": ({t.school_a, t.school_b, t.school_c, w.so2_school}, a_students | set(w.b.students)),
        "department": ({t.school_a, t.school_b, t.school_c}, a_students | set(w.b.students)),
        "other_department": ({w.so2_school}, set()),
        "unit_a": ({t.school_a}, a_students),
        "school_admin_a": ({t.school_a}, a_students),
        "teacher_a": ({t.school_a}, set(w.a.students)),  # not the class they do not teach
        "student_a": (set(), {w.a.students[0]}),
        "judge": (set(), set()),
    }


@pytest.mark.parametrize("who", ["admin", "department", "other_department", "unit_a", "school_admin_a",
                                 "teacher_a", "student_a", "judge"])
def test_scope_helpers_return_exactly_what_each_role_may_see(world, db, who):
    user = getattr(world, who)
    schools, students = expected_scope(world)[who]
    assert set(db.session.execute(access.schools_query(user)).scalars()) == schools
    assert set(db.session.execute(access.students_query(user)).scalars()) == students
