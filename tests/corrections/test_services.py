"""Corrections through the services: a new key moves students across a prize boundary
(regraded attempts, rankings stored again, certificates revoked with the reason and
issued again, participation recounted, a note on the results pages); the dry run
writes nothing and names exactly the students whose prize changes; voids; composing
and re-applying; an attempt finished after a correction."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.corrections import services
from app.corrections.models import Correction, CorrectionNote, QuestionReport
from app.corrections.reports import report_question
from app.coverage.models import Participation
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round
from app.quiz.models import Attempt, AttemptQuestion, Award, Ranking, RankingRow
from tests.plugins.corrections import take

KEY_VNEID = services.Proposal(kind="key", right=[1], reason="Ứng dụng định danh điện tử quốc gia là VNeID.")


def snapshot(db):
    db.session.flush()
    return {table.name: sorted((tuple(row) for row in db.session.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables}


def prizes(round_id=None, contest_id=None):
    condition = Award.round_id == round_id if round_id else (Award.contest_id == contest_id) & Award.round_id.is_(None)
    from app.extensions import db
    return {a.student_id: a.label for a in db.session.execute(select(Award).where(condition, Award.student_id.is_not(None))).scalars()}


def valid_certificates(db, template):
    return {c.key: c for c in db.session.execute(select(Certificate).where(
        Certificate.template_id == template.id, Certificate.revoked_at.is_(None))).scalars()}


def test_a_new_key_moves_a_student_across_a_prize_boundary(wrong_key, db):
    w = wrong_key
    an, binh, cuong = w.an.id, w.binh.id, w.cuong.id
    assert prizes(w.round.id) == {binh: "Giải Nhất", an: "Giải Nhì"}
    before = valid_certificates(db, w.template)
    assert set(before) == {f"r{w.round.id}:prize:s{an}", f"r{w.round.id}:prize:s{binh}", f"c:prize:s{binh}",
                           f"c:pass:s{an}"}
    # when the Sở's officer corrects the key to VNeID
    applied = services.apply(w.officer, w.question, KEY_VNEID, w.question.version, utcnow())
    db.session.commit()
    # then the attempts are regraded from their answers, and the items point at the corrected version
    scores = {a.student_id: a.score for a in db.session.execute(select(Attempt)).scalars()}
    assert scores == {an: 3.0, binh: 2.0, cuong: 2.0}
    items = db.session.execute(select(AttemptQuestion).where(AttemptQuestion.question_id == w.question.id)).scalars().all()
    assert {i.version_id for i in items} == {w.question.current.id} and w.question.version == 2
    assert w.question.current.answers[1]["fraction"] == 1.0 and "VNeID" in w.question.current.note
    # the round's prizes moved across the boundary and its stored ranking follows
    assert prizes(w.round.id) == {an: "Giải Nhất", binh: "Giải Nhì"}
    assert prizes(contest_id=w.contest.id) == {an: "Giải Nhất"}
    header = db.session.execute(select(Ranking).where(Ranking.round_id == w.round.id)).scalar_one()
    rows = db.session.execute(select(RankingRow).where(RankingRow.ranking_id == header.id)
                              .order_by(RankingRow.position)).scalars().all()
    assert [(r.student_id, r.rank, r.score, r.prize) for r in rows] == [(an, 1, 3.0, "nhat"), (binh, 2, 2.0, "nhi"),
                                                                        (cuong, 3, 2.0, None)]
    assert header.full_marks == 1 and w.round.results_published_at is not None
    # participation: Cường passes now
    passed = {p.student_id for p in db.session.execute(select(Participation).where(
        Participation.passed_at.is_not(None))).scalars()}
    assert passed == {an, binh, cuong}
    # certificates: the changed ones revoked with the reason, what the new results earn issued
    after = valid_certificates(db, w.template)
    assert set(after) == {f"r{w.round.id}:prize:s{an}", f"r{w.round.id}:prize:s{binh}", f"r{w.round.id}:pass:s{cuong}",
                          f"c:prize:s{an}", f"c:pass:s{binh}", f"c:pass:s{cuong}"}
    assert "Giải Nhất" in after[f"r{w.round.id}:prize:s{an}"].achievement
    assert after[f"r{w.round.id}:prize:s{an}"].replaces_id == before[f"r{w.round.id}:prize:s{an}"].id
    revoked = db.session.execute(select(Certificate).where(Certificate.revoked_at.is_not(None))).scalars().all()
    assert {c.key for c in revoked} == {f"r{w.round.id}:prize:s{an}", f"r{w.round.id}:prize:s{binh}",
                                        f"c:prize:s{binh}", f"c:pass:s{an}"}
    assert all("điều chỉnh câu hỏi" in c.revoked_reason and "sửa đáp án" in c.revoked_reason for c in revoked)
    assert (applied.revoked, applied.issued) == (4, 6)
    # a note for the results pages, the correction recorded with what the dry run counted
    correction = db.session.execute(select(Correction)).scalar_one()
    assert correction.summary["prizes"] == 4 and correction.summary["certificates"] == 10
    notes = db.session.execute(select(CorrectionNote)).scalars().all()
    assert [(n.round_id, n.contest_id) for n in notes] == [(w.round.id, w.contest.id)]


def test_the_dry_run_writes_nothing_and_names_exactly_the_students_whose_prize_changes(wrong_key, db):
    w = wrong_key
    before = snapshot(db)
    plan = services.dry_run(w.question, KEY_VNEID)
    assert snapshot(db) == before
    changes = {(scope.round.name if scope.round else "chung", c.student_id, c.old_prize, c.new_prize)
               for scope, c in plan.prize_changes}
    assert changes == {("Đợt 1", w.an.id, "Giải Nhì", "Giải Nhất"), ("Đợt 1", w.binh.id, "Giải Nhất", "Giải Nhì"),
                       ("chung", w.an.id, None, "Giải Nhất"), ("chung", w.binh.id, "Giải Nhất", None)}
    round_scope, contest_scope = plan.scopes
    assert (round_scope.scores, round_scope.ranks, round_scope.passes) == (3, 2, 1)
    assert round_scope.certificates.count == 5 and contest_scope.certificates.count == 5
    # and what it announced is what applying does
    applied = services.apply(w.officer, w.question, KEY_VNEID, w.question.version, utcnow())
    assert applied.plan.summary() == plan.summary()
    assert applied.revoked + applied.issued == plan.certificate_count


def test_applying_a_stale_dry_run_or_the_same_correction_twice_is_refused_and_regrading_again_changes_nothing(
        wrong_key, db):
    w = wrong_key
    base = w.question.version
    services.apply(w.officer, w.question, KEY_VNEID, base, utcnow())
    db.session.commit()
    state = snapshot(db)
    with pytest.raises(DomainError, match="vừa được thay đổi"):
        services.apply(w.officer, w.question, KEY_VNEID, base, utcnow())  # a second officer, same dry run
    with pytest.raises(DomainError, match="đã đúng như vậy"):
        services.apply(w.officer, w.question, KEY_VNEID, w.question.version, utcnow())
    db.session.rollback()
    ids = [a.id for a in db.session.execute(select(Attempt)).scalars()]
    assert services.regrade_attempts(ids) == 0
    assert snapshot(db) == state


def test_two_corrections_compose(wrong_key, db):
    w = wrong_key
    # first the key is changed to VNeID, then VssID is accepted too (both earn the mark)
    services.apply(w.officer, w.question, KEY_VNEID, w.question.version, utcnow())
    accept = services.Proposal(kind="accept", right=[0, 1], reason="Cả hai cách hiểu đều được chấp nhận.")
    services.apply(w.officer, w.question, accept, w.question.version, utcnow())
    db.session.commit()
    scores = {a.student_id: a.score for a in db.session.execute(select(Attempt)).scalars()}
    assert scores == {w.an.id: 3.0, w.binh.id: 3.0, w.cuong.id: 2.0}
    # the accepted answers are a record on the corrected version: no version of their own
    assert w.question.version == 2
    assert {i.version_id for i in db.session.execute(select(AttemptQuestion).where(
        AttemptQuestion.question_id == w.question.id)).scalars()} == {w.question.current.id}
    with pytest.raises(DomainError, match="đã đúng như vậy"):
        services.dry_run(w.question, accept)


@pytest.mark.parametrize("kind, expected", [
    ("void_full", {"an": (3.0, 3.0), "binh": (3.0, 3.0), "cuong": (2.0, 3.0)}),
    ("void_drop", {"an": (2.0, 2.0), "binh": (2.0, 2.0), "cuong": (1.0, 2.0)}),
])
def test_a_void_gives_everyone_the_mark_or_drops_the_question_from_the_maximum(wrong_key, db, kind, expected):
    w = wrong_key
    version_id = w.question.current.id
    services.apply(w.officer, w.question, services.Proposal(kind=kind, reason="Câu hỏi có hai đáp án đúng."),
                   w.question.version, utcnow())
    db.session.commit()
    got = {name: (a.score, a.max_score) for name in ("an", "binh", "cuong")
           for a in [db.session.get(Attempt, getattr(w.attempts, name).id)]}
    assert got == expected
    # the void keeps the version; the question is no longer drawn
    assert w.question.version == 1 and w.question.current.id == version_id and w.question.retired_at is not None
    with pytest.raises(DomainError, match="đã bị hủy"):
        services.dry_run(w.question, KEY_VNEID)


def test_an_attempt_finished_after_the_correction_is_graded_with_it(wrong_key, make_student, db):
    w = wrong_key
    second = add_round(None, w.contest, name="Đợt 2", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), question_count=3, shuffle_questions=False)
    late = make_student(w.c10a1, "Võ Thị Dung")
    started = quiz.start_attempt(late, second, utcnow())  # drew the question before the correction
    services.apply(w.officer, w.question, services.Proposal(kind="void_drop", reason="Câu hỏi sai."),
                   w.question.version, utcnow())
    db.session.commit()
    for item in started.questions:
        quiz.save_answer(started, item.position, {"choices": [0]}, 1, utcnow())
    quiz.submit_attempt(started, utcnow(), prediction=0)
    db.session.commit()
    assert started.max_score == 2.0
    dropped = next(i for i in started.questions if i.question_id == w.question.id)
    assert dropped.mark == 0.0
    # and a student of an untouched round is graded as before
    assert take(make_student(w.c10a1, "Đỗ Văn Em"), second, {"q0": "VssID", "q1": "dichvucong.gov.vn",
                                                              "q2": "Không"}, utcnow(), 60).max_score == 2.0


def test_applying_closes_the_open_reports_of_the_question(wrong_key, db):
    w = wrong_key
    report = report_question(w.officer, w.question, "Đáp án phải là VNeID.", utcnow())
    correction = services.apply(w.officer, w.question, KEY_VNEID, w.question.version, utcnow()).correction
    assert report.closed_at is not None and report.resolution == "corrected" and report.correction_id == correction.id
    assert db.session.execute(select(QuestionReport).where(QuestionReport.closed_at.is_(None))).first() is None


def test_only_those_who_manage_every_affected_contest_may_apply(wrong_key, make_user, tree, db):
    w = wrong_key
    # a bank of school A used by the Sở's contest: the school's admin edits the bank but not the contest
    w.contest.bank.unit_id = tree.school_a.id
    admin_a = make_user("school_admin", tree.school_a)
    with pytest.raises(DomainError, match="không quản lý"):
        services.apply(admin_a, w.question, KEY_VNEID, w.question.version, utcnow())


def test_a_key_must_name_one_right_option_and_change_something(wrong_key):
    w = wrong_key
    with pytest.raises(DomainError, match="đúng một đáp án"):
        services.dry_run(w.question, services.Proposal(kind="key", right=[0, 1], reason="Hai đáp án"))
    with pytest.raises(DomainError, match="đã đúng như vậy"):
        services.dry_run(w.question, services.Proposal(kind="key", right=[0], reason="Giữ nguyên"))
    with pytest.raises(DomainError, match="lý do"):
        services.dry_run(w.question, services.Proposal(kind="key", right=[1], reason=""))


@pytest.mark.postgres
def test_two_officers_applying_at_once_apply_it_once(wrong_key, db, monkeypatch, at_once):
    """The question's row is the lock: the second waits, then finds the version it previewed
    gone and is refused (PostgreSQL; SQLite has a single writer)."""
    import time

    from app.extensions import db as _db
    from app.accounts.models import User
    from app.quiz.models import Question
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: run with DATABASE_URL on PostgreSQL")
    question_id, officer_id = wrong_key.question.id, wrong_key.officer.id
    original = services._plan

    def slow_plan(*args, **kwargs):
        found = original(*args, **kwargs)
        time.sleep(0.3)  # ranking a province takes a while: room for the other officer
        return found

    monkeypatch.setattr(services, "_plan", slow_plan)

    def apply_it():
        question = _db.session.get(Question, question_id)
        applied = services.apply(_db.session.get(User, officer_id), question, KEY_VNEID, 1, utcnow())
        _db.session.commit()
        return applied.revoked

    outcomes = at_once(apply_it, apply_it)
    assert sorted(outcomes, key=str)[0] == 4 and isinstance(sorted(outcomes, key=str)[1], DomainError), outcomes
    assert "vừa được thay đổi" in str(sorted(outcomes, key=str)[1])
    db.session.expire_all()
    assert len(db.session.execute(select(Correction)).scalars().all()) == 1
    assert db.session.get(Question, question_id).version == 2


def test_the_prediction_tie_break_is_made_against_the_new_number_of_full_marks(wrong_key, db):
    w = wrong_key
    # An predicted two full marks, Bình one; before the correction only Bình had every question right
    db.session.get(Attempt, w.attempts.an.id).prediction = 2
    db.session.get(Attempt, w.attempts.binh.id).prediction = 1
    void_full = services.Proposal(kind="void_full", reason="Câu hỏi có hai đáp án đúng.")
    plan = services.dry_run(w.question, void_full)
    assert [(c.student_id, c.old_prize, c.new_prize) for c in plan.scopes[0].prizes] == [
        (w.an.id, "Giải Nhì", "Giải Nhất"), (w.binh.id, "Giải Nhất", "Giải Nhì")]
    services.apply(w.officer, w.question, void_full, w.question.version, utcnow())
    # everyone gets the voided question: An and Bình both 3/3, two full marks, and An's
    # prediction is exact: An first although Bình was faster
    header = db.session.execute(select(Ranking).where(Ranking.round_id == w.round.id)).scalar_one()
    rows = db.session.execute(select(RankingRow).where(RankingRow.ranking_id == header.id)
                              .order_by(RankingRow.position)).scalars().all()
    assert header.full_marks == 2
    assert [(r.student_id, r.rank, r.score, r.prediction_error, r.prize) for r in rows] == [
        (w.an.id, 1, 3.0, 0, "nhat"), (w.binh.id, 2, 3.0, 1, "nhi"), (w.cuong.id, 3, 2.0, 1, None)]


def test_a_new_key_may_bring_a_new_explanation(wrong_key, db):
    w = wrong_key
    proposal = services.Proposal(kind="key", right=[1], reason="VNeID mới đúng",
                                 explanation="VNeID là ứng dụng định danh điện tử quốc gia của Bộ Công an.")
    services.apply(w.officer, w.question, proposal, 1, utcnow())
    assert w.question.current.explanation.startswith("VNeID là ứng dụng") and w.question.version == 2


def test_true_false_and_other_types(tree, db):
    from app.quiz.banks.formats import new_question, truefalse_answers
    from app.quiz.banks.services import create_bank, import_questions
    bank = create_bank(None, tree.so, code="TF", name="Đúng sai")
    truefalse, short = import_questions(None, bank, [
        new_question("truefalse", "Mã OTP được đưa cho người thân.", key="tf", topic="T", level="all",
                     difficulty="easy", answers=truefalse_answers(True)),
        new_question("shortanswer", "Tên ứng dụng định danh?", key="sa", topic="T", level="all", difficulty="easy",
                     answers=[{"text": "VNeID", "fraction": 1.0, "feedback": None}]),
    ]).questions
    assert [k.value for k in services.kinds_for(truefalse)] == ["key", "accept", "void_full", "void_drop"]
    assert [k.value for k in services.kinds_for(short)] == ["void_full", "void_drop"]
    flipped = services.corrected_version(truefalse, services.Proposal(kind="key", right=[1], reason="Sai mới đúng"))
    assert [a["fraction"] for a in flipped.answers] == [0.0, 1.0] and services.right_texts(flipped) == ["Sai"]
    with pytest.raises(DomainError, match="không điều chỉnh được"):
        services.dry_run(short, services.Proposal(kind="key", right=[0], reason="Sửa đáp án"))
    assert services.dry_run(short, services.Proposal(kind="void_full", reason="Câu sai")).finished == 0
