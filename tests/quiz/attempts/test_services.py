"""Taking a round on the server's clock: the draw, saving answers, the deadline,
double submit, attempts limit, rankings of rounds taken here, and practice beside an
official round. (Marks per type: test_grading.py; the ranking rules: test_ranking.py.)"""
import random
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app.core.errors import DomainError
from app.quiz.attempts import services as quiz
from app.quiz.attempts.services import AttemptClosed
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import Attempt, AttemptQuestion
from app.coverage.models import Participation
from sqlalchemy import select
from app.quiz.contests.ranking import round_ranking
from app.quiz.banks.services import create_bank, import_questions

T0 = datetime(2026, 11, 23, 1, 0)  # 08:00 in Vietnam


def mc(key, topic="VNeID", difficulty="easy", level="all"):
    return new_question("multichoice", f"Câu {key}?", key=key, topic=topic, level=level, difficulty=difficulty,
                        answers=[answer("Đúng", 1.0), answer("Sai 1", 0.0), answer("Sai 2", 0.0)],
                        general_feedback="Vì thế.", source="Nguồn")


@pytest.fixture
def contest(tree, make_class, make_student, db):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng thử")
    questions = [mc(f"e{i}") for i in range(6)] + [mc(f"h{i}", difficulty="hard") for i in range(4)]
    questions += [mc(f"thcs{i}", level="THCS") for i in range(3)]
    import_questions(None, bank, questions)
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu DVC 2026", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=T0, closes_at=T0 + timedelta(days=7),
                       time_limit_minutes=20, draw_rules=[{"difficulty": "easy", "count": 3},
                                                          {"difficulty": "hard", "count": 2}],
                       attempts_allowed=2, grading_method="highest")
    c10 = make_class(tree.school_a, "10A1")
    students = [make_student(c10, name) for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")]
    other = make_student(make_class(tree.school_b, "11A1"), "Phạm Thị Dung")
    db.session.commit()
    return SimpleNamespace(contest=contest, round=round_, students=students, other=other, bank=bank)


def answer_all(attempt, now, right=True):
    for item in attempt.questions:
        order = item.option_order
        choice = next(i for i in order if (item.version.answers[i]["fraction"] > 0) == right)
        quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, now)


def test_the_draw_follows_the_rules_and_a_reload_shows_the_same_questions(contest, db):
    student = contest.students[0]
    attempt = quiz.start_attempt(student, contest.round, T0 + timedelta(minutes=1), rng=random.Random(1))
    db.session.commit()
    keys = [item.version.question.key for item in attempt.questions]
    assert len(keys) == 5 and len(set(keys)) == 5
    assert sum(k.startswith("h") for k in keys) == 2
    assert not any(k.startswith("thcs") for k in keys)  # a THPT student gets no THCS-only question
    again = quiz.start_attempt(student, contest.round, T0 + timedelta(minutes=3))
    assert again.id == attempt.id
    assert [i.version_id for i in again.questions] == [i.version_id for i in attempt.questions]
    assert sorted(attempt.questions[0].option_order) == [0, 1, 2]


def test_the_deadline_is_start_plus_limit_and_never_after_the_close(contest, db):
    start = T0 + timedelta(minutes=5)
    attempt = quiz.start_attempt(contest.students[0], contest.round, start)
    assert attempt.deadline_at == start + timedelta(minutes=20)
    late = quiz.start_attempt(contest.students[1], contest.round, contest.round.closes_at - timedelta(minutes=7))
    assert late.deadline_at == contest.round.closes_at


def test_no_answer_is_taken_after_the_deadline_and_the_attempt_finishes_with_what_was_saved(contest, db):
    attempt = quiz.start_attempt(contest.students[0], contest.round, T0)
    first = attempt.questions[0]
    right = next(i for i in first.option_order if first.version.answers[i]["fraction"] > 0)
    quiz.save_answer(attempt, 1, {"choices": [right]}, 1, T0 + timedelta(minutes=19, seconds=59))
    with pytest.raises(AttemptClosed):
        quiz.save_answer(attempt, 2, {"choices": [0]}, 1, T0 + timedelta(minutes=20))
    # the next access after the deadline finishes it as it stood, at the deadline
    assert quiz.finish_if_expired(attempt, T0 + timedelta(minutes=45))
    assert (attempt.score, attempt.finished_by, attempt.submitted_at) == (1.0, "timeout", T0 + timedelta(minutes=20))
    assert attempt.duration_seconds == 20 * 60
    assert attempt.questions[1].response is None


def test_close_expired_finishes_only_attempts_past_their_deadline(contest, db):
    a = quiz.start_attempt(contest.students[0], contest.round, T0)
    b = quiz.start_attempt(contest.students[1], contest.round, T0 + timedelta(minutes=10))
    db.session.commit()
    assert quiz.close_expired_attempts(T0 + timedelta(minutes=25)) == 1
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.finished_by == "timeout" and b.submitted_at is None


def test_submitting_twice_or_replaying_changes_nothing(contest, db):
    attempt = quiz.start_attempt(contest.students[0], contest.round, T0)
    answer_all(attempt, T0 + timedelta(minutes=2))
    quiz.submit_attempt(attempt, T0 + timedelta(minutes=3), prediction=4)
    db.session.commit()
    first = (attempt.score, attempt.submitted_at, attempt.prediction)
    quiz.submit_attempt(attempt, T0 + timedelta(minutes=9), prediction=0)
    with pytest.raises(AttemptClosed):
        quiz.save_answer(attempt, 1, {"choices": [0]}, 99, T0 + timedelta(minutes=4))
    db.session.commit()
    db.session.refresh(attempt)
    assert (attempt.score, attempt.submitted_at, attempt.prediction) == first == (5.0, T0 + timedelta(minutes=3), 4)


def test_an_older_save_arriving_late_does_not_overwrite_a_newer_one(contest, db):
    attempt = quiz.start_attempt(contest.students[0], contest.round, T0)
    assert quiz.save_answer(attempt, 1, {"choices": [2]}, 5, T0 + timedelta(minutes=1))
    assert not quiz.save_answer(attempt, 1, {"choices": [1]}, 4, T0 + timedelta(minutes=2))  # replayed, older
    assert not quiz.save_answer(attempt, 1, {"choices": [1]}, 5, T0 + timedelta(minutes=2))  # same request twice
    db.session.expire_all()
    item = db.session.query(AttemptQuestion).filter_by(attempt_id=attempt.id, position=1).one()
    assert (item.response, item.seq) == ({"choices": [2]}, 5)
    assert db.session.get(Attempt, attempt.id).answered_count == 1


def test_the_attempts_limit_and_the_window(contest, db):
    student = contest.students[0]
    with pytest.raises(DomainError, match="chưa mở"):
        quiz.start_attempt(student, contest.round, T0 - timedelta(seconds=1))
    for minute in (0, 30):
        attempt = quiz.start_attempt(student, contest.round, T0 + timedelta(minutes=minute))
        quiz.submit_attempt(attempt, T0 + timedelta(minutes=minute + 5))
    with pytest.raises(DomainError, match="đủ 2 lần"):
        quiz.start_attempt(student, contest.round, T0 + timedelta(hours=2))
    with pytest.raises(DomainError, match="đã kết thúc"):
        quiz.start_attempt(contest.students[1], contest.round, contest.round.closes_at)


def test_a_student_outside_the_contest_unit_or_level_cannot_start(contest, tree, make_unit, make_class,
                                                                  make_student, db):
    other_so = make_unit("department", "Sở khác")
    outsider = make_student(make_class(make_unit("school", parent=other_so), "10A1"))
    with pytest.raises(DomainError, match="không dành cho"):
        quiz.start_attempt(outsider, contest.round, T0)
    contest.contest.levels = "THCS"
    with pytest.raises(DomainError, match="không dành cho"):
        quiz.start_attempt(contest.students[0], contest.round, T0)


def test_extra_time_moves_the_deadline_but_not_past_the_close(contest, db):
    attempt = quiz.start_attempt(contest.students[0], contest.round, T0)
    quiz.add_extra_time(attempt, 5, T0 + timedelta(minutes=10))
    assert attempt.deadline_at == T0 + timedelta(minutes=25)
    quiz.add_extra_time(attempt, 60 * 24 * 30, T0 + timedelta(minutes=11))
    assert attempt.deadline_at == contest.round.closes_at


# Rankings from the database (the rules themselves: tests/quiz/contests/test_ranking.py) -------

def test_ranking_of_a_round_from_the_database(contest, db):
    a, b, c = contest.students
    for student, right, minute in ((a, True, 3), (b, True, 2), (c, False, 1)):
        attempt = quiz.start_attempt(student, contest.round, T0)
        answer_all(attempt, T0 + timedelta(minutes=1), right=right)
        quiz.submit_attempt(attempt, T0 + timedelta(minutes=minute), prediction=2)
    db.session.commit()
    ranking = round_ranking(contest.round)
    assert [(x.student_id, x.rank, x.score) for x in ranking] == [(b.id, 1, 5.0), (a.id, 2, 5.0), (c.id, 3, 0.0)]


def test_overall_ranking_adds_up_the_ranked_rounds(contest, db):
    from app.quiz.contests.ranking import contest_ranking
    second = add_round(None, contest.contest, name="Tuần 2", opens_at=T0, closes_at=T0 + timedelta(days=7),
                       time_limit_minutes=20, question_count=2, attempts_allowed=1)
    add_round(None, contest.contest, name="Luyện tập", opens_at=T0, closes_at=T0 + timedelta(days=7),
              question_count=2, practice=True)
    a, b, c = contest.students
    # round 1: a all right, b all right, c all wrong; round 2: only b and c take it, c all right
    for student, right in ((a, True), (b, True), (c, False)):
        attempt = quiz.start_attempt(student, contest.round, T0)
        answer_all(attempt, T0 + timedelta(minutes=1), right=right)
        quiz.submit_attempt(attempt, T0 + timedelta(minutes=2), prediction=2)
    for student, right, prediction in ((b, False, 3), (c, True, 1)):  # round 2: one full mark (c)
        attempt = quiz.start_attempt(student, second, T0 + timedelta(hours=1))
        answer_all(attempt, T0 + timedelta(hours=1, minutes=1), right=right)
        quiz.submit_attempt(attempt, T0 + timedelta(hours=1, minutes=3), prediction=prediction)
    db.session.commit()
    ranking = contest_ranking(contest.contest)
    assert [(r.student_id, r.score, r.rank) for r in ranking] == [(a.id, 5.0, 1), (b.id, 5.0, 2), (c.id, 2.0, 3)]
    # a and b tie on points; a's one round was predicted exactly, b adds round 2's error |3 - 1|
    assert [r.prediction_error for r in ranking] == [0, 2, 0]


# Practice beside an official round ---------------------------------------------------

@pytest.fixture
def practice(tree, make_class, make_student, db):
    """An official round on topic A (open for a week) and a practice round on the same bank."""
    bank = create_bank(None, tree.so, code="PR", name="Ngân hàng")
    import_questions(None, bank, [mc(f"a{i}", topic="A") for i in range(6)] + [mc(f"b{i}", topic="B") for i in range(4)])
    contest = create_contest(None, tree.so, bank, code="PRC", name="Thi", school_year=2026)
    official = add_round(None, contest, name="Đợt 1", opens_at=T0, closes_at=T0 + timedelta(days=7),
                         time_limit_minutes=20, draw_rules=[{"topic": "A", "count": 3}])
    training = add_round(None, contest, name="Luyện tập", opens_at=T0, closes_at=T0 + timedelta(days=30),
                         question_count=4, practice=True)
    student = make_student(make_class(tree.school_a, "10A1"))
    db.session.commit()
    return SimpleNamespace(bank=bank, official=official, training=training, student=student)


def test_practice_draws_around_what_an_open_official_round_may_ask(practice, db):
    attempt = quiz.start_attempt(practice.student, practice.training, T0 + timedelta(hours=1))
    assert sorted(item.version.question.key for item in attempt.questions) == ["b0", "b1", "b2", "b3"]
    assert quiz.protected_question_ids(practice.bank.id, T0 + timedelta(hours=1)) == {
        q.id for q in practice.bank.questions if q.topic == "A"}


def test_practice_hides_the_answers_an_official_round_may_still_ask_until_it_closes(practice, db):
    practice.training.question_count = 6  # more than topic B has: two come from topic A
    db.session.commit()
    now = T0 + timedelta(hours=1)
    attempt = quiz.start_attempt(practice.student, practice.training, now)
    quiz.submit_attempt(attempt, now)
    hidden = quiz.practice_hidden_ids(attempt, now)
    assert len(hidden) == 2 and all(q.topic == "A" for q in practice.bank.questions if q.id in hidden)
    # once the official round has closed, nothing is hidden
    assert quiz.practice_hidden_ids(attempt, T0 + timedelta(days=7)) == set()
    # an official attempt never hides anything
    official = quiz.start_attempt(practice.student, practice.official, now)
    assert quiz.practice_hidden_ids(official, now) == set()


def test_a_round_not_yet_open_protects_its_questions_too(practice, db):
    practice.official.opens_at = T0 + timedelta(days=2)
    db.session.commit()
    assert len(quiz.protected_question_ids(practice.bank.id, T0)) == 6


def test_practice_starts_are_paced(practice, app, db):
    now = T0 + timedelta(hours=1)
    limit = app.config.get("PRACTICE_STARTS_PER_HOUR", 10)
    for n in range(limit):
        quiz.submit_attempt(quiz.start_attempt(practice.student, practice.training, now + timedelta(seconds=n)),
                            now + timedelta(seconds=n))
    with pytest.raises(DomainError, match="trong một giờ qua"):
        quiz.start_attempt(practice.student, practice.training, now + timedelta(minutes=5))
    # an hour later the student practises again
    assert quiz.start_attempt(practice.student, practice.training, now + timedelta(minutes=61)) is not None


def test_close_expired_runs_at_once_share_the_work_and_their_counts_add_up(contest, make_student, db, monkeypatch,
                                                                           at_once):
    """cron on two hosts: each expired attempt is finished once, by one run, and the two
    printed counts add up to the number of expired attempts."""
    school_class = contest.students[0].school_class
    students = contest.students + [make_student(school_class, f"Học sinh {i}") for i in range(21)]
    for student in students:
        quiz.start_attempt(student, contest.round, T0)
    db.session.commit()
    slow = quiz._finish

    def slow_finish(*args):
        time.sleep(0.01)  # grading takes time: room for the other run
        return slow(*args)

    monkeypatch.setattr(quiz, "_finish", slow_finish)
    counts = at_once(*[lambda: quiz.close_expired_attempts(T0 + timedelta(minutes=25), batch=4)] * 2)
    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == len(students) == 24
    rows = db.session.execute(select(Participation.attempts)).scalars().all()
    assert len(rows) == 24 and set(rows) == {1}
