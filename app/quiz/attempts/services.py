"""Taking a round: start (questions drawn once and stored), save an answer, submit,
and finishing attempts whose deadline has passed. Time is the server's: every
function takes `now` (UTC), so tests move the clock and views pass utcnow().

Starting and answering are the busiest requests, so each is a few indexed queries:
a round draws from a pool of question versions frozen at its first start, never
from a scan of the bank.
"""
import random
from collections import namedtuple
from datetime import timedelta

from flask import current_app
from sqlalchemy import JSON, DateTime, and_, bindparam, func, null, select, text, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User, UserLogin
from app.core.errors import DomainError
from app.core.timeutil import format_datetime
from app.coverage import participation
from app.extensions import db
from app.org.models import UnitClosure, stage_of
from app.quiz.access import may_take
from app.quiz.attempts import acks, grading, queue
from app.quiz.models import Attempt, AttemptQuestion, Contest, Question, QuestionVersion, Round, RoundUnitWindow
from app.quiz.qtypes import GRADABLE_TYPES, qtype_of


class AttemptClosed(DomainError):
    """The attempt takes no more answers (submitted, or past its deadline)."""


class NoSuchQuestion(DomainError):
    """No such attempt of this student, or no such question in it."""


def round_is_open(round_, now):
    return round_.opens_at <= now < round_.closes_at


def deadline_for(round_, started_at, extra_seconds=0, closes_at=None):
    """start + time limit (+ extra time from the teacher), never later than the close
    (`closes_at`: the school's own, from `window_for`; the round's by default)."""
    closes_at = closes_at or round_.closes_at
    if round_.time_limit_minutes:
        own = started_at + timedelta(minutes=round_.time_limit_minutes, seconds=extra_seconds)
        return min(own, closes_at)
    return closes_at


class Window(namedtuple("Window", "opens_at closes_at own")):
    """A round's window for one school: the round's, or a unit's own ("giờ mở theo đơn
    vị", `own`), always inside the round's."""

    def is_open(self, now):
        return self.opens_at <= now < self.closes_at


def windows_for(rounds, school_id):
    """{round id: Window} for a school, in one query: each round's row of the school's
    nearest unit that has one (the school itself, then its cluster, ... up to the Sở),
    clamped into the round's window; the round's own window where no unit has a row."""
    own = {}
    ids = [r.id for r in rounds]
    if ids:
        rows = db.session.execute(
            select(RoundUnitWindow.round_id, RoundUnitWindow.opens_at, RoundUnitWindow.closes_at)
            .join(UnitClosure, UnitClosure.ancestor_id == RoundUnitWindow.unit_id)
            .where(UnitClosure.descendant_id == school_id, RoundUnitWindow.round_id.in_(ids))
            .order_by(UnitClosure.depth.desc()))
        for round_id, opens_at, closes_at in rows:  # the nearest unit comes last and wins
            own[round_id] = (opens_at, closes_at)
    result = {}
    for round_ in rounds:
        if round_.id not in own:
            result[round_.id] = Window(round_.opens_at, round_.closes_at, False)
            continue
        opens_at, closes_at = own[round_.id]
        closes_at = min(closes_at or round_.closes_at, round_.closes_at)
        opens_at = min(max(opens_at, round_.opens_at), closes_at)
        result[round_.id] = Window(opens_at, closes_at, True)
    return result


def window_for(round_, school_id):
    return windows_for([round_], school_id)[round_.id]


# The pool ---------------------------------------------------------------------------

def _pool(round_, stage):
    """[[(question_id, version_id), ...] per draw rule] for a stage, frozen at the round's first start."""
    pools = dict(round_.pool or {})
    if stage in pools:
        return pools[stage]
    rules = round_.draw_rules or [{"topic": None, "difficulty": None, "count": round_.question_count}]
    result = []
    for rule in rules:
        query = (select(Question.id, QuestionVersion.id)
                 .join(QuestionVersion, and_(QuestionVersion.question_id == Question.id,
                                             QuestionVersion.number == Question.version))
                 .where(*_drawable(round_.contest.bank_id, rule), Question.level.in_([stage, "all"])))
        result.append([list(row) for row in db.session.execute(query.order_by(Question.id))])
    pools[stage] = result
    round_.pool = pools
    return result


def _drawable(bank_id, rule):
    """The conditions on a question that a draw rule may pick: in use in the bank, of a
    gradable type, of the rule's topic and difficulty (at any level)."""
    conditions = [Question.bank_id == bank_id, Question.retired_at.is_(None), Question.qtype.in_(GRADABLE_TYPES)]
    if rule.get("topic"):
        conditions.append(Question.topic == rule["topic"])
    if rule.get("difficulty"):
        conditions.append(Question.difficulty == rule["difficulty"])
    return conditions


def _draw(round_, stage, rng, avoid=frozenset()):
    """Questions for one attempt. `avoid`: question ids taken only when nothing else is
    left (a practice round keeps off what an official round may still ask)."""
    rules = round_.draw_rules or [{"count": round_.question_count}]
    drawn = []
    for rule, pool in zip(rules, _pool(round_, stage)):
        count = int(rule.get("count") or 0)
        if len(pool) < count:
            raise DomainError(f"Ngân hàng chỉ có {len(pool)} câu phù hợp cho {rule.get('topic') or 'mọi chủ đề'}"
                              f"{' (' + rule['difficulty'] + ')' if rule.get('difficulty') else ''}, "
                              f"đợt thi cần {count}.")
        free = [pair for pair in pool if pair[0] not in avoid]
        if len(free) >= count:
            picked = rng.sample(free, count)
        else:
            kept = [pair for pair in pool if pair[0] in avoid]
            picked = free + rng.sample(kept, count - len(free))
        drawn.extend(picked if round_.shuffle_questions else sorted(picked))  # the pool is in bank order
    if round_.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


# Practice beside official rounds ----------------------------------------------------

def protected_question_ids(bank_id, now):
    """Questions that an official round on this bank, open or still to open, may draw:
    a practice round must not show their answers before that round closes (a student
    could practise the official key). Frozen pools are exact; a round not started yet
    counts every question its draw rules can reach, at any level."""
    rounds = db.session.execute(
        select(Round).join(Contest, Round.contest_id == Contest.id)
        .where(Contest.bank_id == bank_id, Round.practice.is_(False), Round.closes_at > now)).scalars().all()
    ids = set()
    for round_ in rounds:
        if round_.pool:
            ids.update(pair[0] for rules in round_.pool.values() for pool in rules for pair in pool)
        if round_.pool and set(round_.contest.level_list) <= set(round_.pool):
            continue  # every stage of the contest has its pool
        for rule in round_.draw_rules or [{}]:
            ids.update(db.session.execute(select(Question.id).where(*_drawable(bank_id, rule))).scalars())
    return ids


def practice_hidden_ids(attempt, now):
    """Question ids of a practice attempt whose answers stay hidden for now."""
    if not attempt.round.practice:
        return set()
    return protected_question_ids(attempt.round.contest.bank_id, now) & {q.question_id for q in attempt.questions}


def _check_practice_pace(student, round_, now):
    limit = current_app.config["PRACTICE_STARTS_PER_HOUR"]
    recent = db.session.execute(select(func.count()).select_from(Attempt).where(
        Attempt.round_id == round_.id, Attempt.student_id == student.id,
        Attempt.started_at > now - timedelta(hours=1))).scalar_one()
    if recent >= limit:
        raise DomainError(f"Em đã luyện tập {recent} lần trong một giờ qua. Em nghỉ một lúc rồi luyện tiếp nhé.")


# Start, save, submit ---------------------------------------------------------------

def open_attempt(student, round_):
    return db.session.execute(select(Attempt).where(
        Attempt.round_id == round_.id, Attempt.student_id == student.id, Attempt.submitted_at.is_(None))
    ).scalars().first()


def finished_count(student, round_):
    return db.session.execute(select(func.count()).select_from(Attempt).where(
        Attempt.round_id == round_.id, Attempt.student_id == student.id, Attempt.submitted_at.is_not(None))
    ).scalar_one()


def resumable_attempt(student, round_, now):
    """The student's open attempt of the round if it is still running (one past its
    deadline is finished here), else None."""
    current = open_attempt(student, round_)
    if current is not None:
        finish_if_expired(current, now)
        if current.submitted_at is None:
            return current
    return None


def check_startable(student, round_, now):
    """Refuse a new attempt the student may not start now (the round is not for them,
    their window is not open, no attempts left, practice too fast); else (window,
    attempts finished so far)."""
    if not may_take(student, round_):
        raise DomainError("Cuộc thi này không dành cho lớp của em.")
    window = window_for(round_, student.school_id)
    if not window.is_open(now):
        if now >= window.closes_at:
            raise DomainError("Đợt thi đã kết thúc.")
        if window.own:
            raise DomainError(f"Đợt thi mở cho trường em lúc {format_datetime(window.opens_at)}.")
        raise DomainError("Đợt thi chưa mở.")
    done = finished_count(student, round_)
    if not round_.practice and done >= round_.attempts_allowed:
        raise DomainError(f"Em đã làm đủ {round_.attempts_allowed} lần cho phép của đợt thi này.")
    if round_.practice:
        _check_practice_pace(student, round_, now)
    return window, done


def admit_start(student, round_, now):
    """Deadline day: whether a start may go through now. None: start (or resume) at once;
    a queue.Place not admitted: the student waits on the waiting page, keeping that
    place. A resumed attempt never queues, and a refused start takes no place."""
    if queue.settings() is None or resumable_attempt(student, round_, now) is not None:
        return None  # no queue (START_RATE 0): start_attempt alone, as ever
    check_startable(student, round_, now)
    place = queue.take_place(round_.id, student.id, now)
    if place is None or place.admitted:
        queue.use_place(round_.id, student.id, place)
        return None
    return place


def start_attempt(student, round_, now, rng=None):
    """The student's open attempt of the round (resumed), or a new one with its questions
    drawn. The deadline counts from `now`: for a student who queued, when they were
    admitted and started, never from when they began to wait."""
    if not may_take(student, round_):
        raise DomainError("Cuộc thi này không dành cho lớp của em.")
    current = resumable_attempt(student, round_, now)
    if current is not None:
        return current
    window, done = check_startable(student, round_, now)
    avoid = frozenset()
    if round_.practice:
        avoid = frozenset(protected_question_ids(round_.contest.bank_id, now))
    rng = rng or random.SystemRandom()
    drawn = _draw(round_, stage_of(student), rng, avoid)
    versions = {v.id: v for v in db.session.execute(
        select(QuestionVersion).where(QuestionVersion.id.in_([vid for _, vid in drawn]))).scalars()}
    attempt = Attempt(round_id=round_.id, student_id=student.id, school_id=student.school_id, number=done + 1,
                      started_at=now, deadline_at=deadline_for(round_, now, closes_at=window.closes_at),
                      max_score=float(len(drawn)))
    for position, (question_id, version_id) in enumerate(drawn, start=1):
        version = versions[version_id]
        order = qtype_of(version.qtype).option_order(version)
        if order and round_.shuffle_options and version.shuffle:
            rng.shuffle(order)
        attempt.questions.append(AttemptQuestion(position=position, question_id=question_id,
                                                 version_id=version_id, option_order=order))
    savepoint = db.session.begin_nested()
    try:
        db.session.add(attempt)
        savepoint.commit()
    except IntegrityError:
        # Two starts at once (double tap, two devices): the other one won; resume it.
        savepoint.rollback()
        current = open_attempt(student, round_)
        if current is None:
            raise
        return current
    return attempt


def check_open(submitted_at, deadline_at, now):
    if submitted_at is not None:
        raise AttemptClosed("Bài đã nộp: không nhận thêm câu trả lời.")
    if deadline_at is not None and now >= deadline_at:
        raise AttemptClosed("Đã hết giờ: không nhận thêm câu trả lời.")


def save_answer(attempt, position, raw_response, seq, now):
    """Store an answer as it is chosen. A save older than the one stored (by the page's
    counter `seq`) changes nothing, so replays and late retries are harmless.
    Returns True when this save is the one now stored."""
    return _save(_ITEM_OF_STUDENT, {"student_id": attempt.student_id}, attempt.id, position, raw_response, seq, now,
                 displayed=False)[0]


def save_answer_for_login(user_id, login_token, attempt_id, position, raw_response, seq, now):
    """`save_answer` for the request of a logged-in student, the busiest request of a
    round: the login (user id and login token, as the session claims them) is
    checked in the same query as the attempt, as the user loader would check it, so
    the user is never loaded. NoSuchQuestion when the login is not open, the attempt
    is not this student's, or it has no such question. Choices come as the page names
    them: by displayed position (`from_displayed`).

    Returns (stored, ack): `ack` is the server's signed acknowledgement that this answer
    is the one stored (`acks.sign_ack`), which the page keeps for an emergency
    receipt; None when a newer save is stored."""
    stored, response, same = _save(_ITEM_OF_LOGIN, {"user_id": user_id, "login_token": login_token},
                                   attempt_id, position, raw_response, seq, now, displayed=True)
    ack = acks.sign_ack(attempt_id, position, response, seq, now) if stored or same else None
    return stored, ack


def from_displayed(qtype, option_order, raw):
    """The page names a choice by where it is shown (0 = the first option on screen),
    never by its place in the bank, which would tell the key: the type maps it back
    through the attempt's stored option order (only multichoice has one)."""
    return qtype_of(qtype).from_displayed(option_order, raw)


class _Version:
    """What grading needs of a version, from one row (no ORM object on the hot path)."""

    def __init__(self, qtype, data):
        self.qtype, self.answers = qtype, data.get("answers", [])
        self.single, self.pairs = data.get("single", True), data.get("pairs", [])


# Built once: the hot path only binds values (no statement building per request).
_ITEM = (select(Attempt.submitted_at, Attempt.deadline_at, AttemptQuestion.id, AttemptQuestion.response,
                AttemptQuestion.seq, AttemptQuestion.option_order, QuestionVersion.qtype, QuestionVersion.data)
         .join(AttemptQuestion, and_(AttemptQuestion.attempt_id == Attempt.id,
                                     AttemptQuestion.position == bindparam("position")))
         .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
         .where(Attempt.id == bindparam("attempt_id")))
_ITEM_OF_STUDENT = _ITEM.where(Attempt.student_id == bindparam("student_id"))
_ITEM_OF_LOGIN = (_ITEM.join(User, User.student_id == Attempt.student_id)
                  .join(UserLogin, UserLogin.user_id == User.id)
                  .where(User.id == bindparam("user_id"), UserLogin.token == bindparam("login_token"),
                         UserLogin.ended_at.is_(None), User.active.is_(True)))

# PostgreSQL: the answer and the attempt's count in one statement (one round trip).
_STORE_PG = text("""
WITH saved AS (
    UPDATE attempt_question SET response = :response, seq = :seq, answered_at = :now
    WHERE id = :item_id AND seq < :seq
    RETURNING id
), counted AS (
    UPDATE attempt SET answered_count = answered_count + :delta
    WHERE id = :attempt_id AND :delta <> 0 AND EXISTS (SELECT FROM saved)
)
SELECT count(*) FROM saved""").bindparams(bindparam("response", type_=JSON(none_as_null=True)),
                                          bindparam("now", type_=DateTime()))


def _save(item_query, owner, attempt_id, position, raw_response, seq, now, displayed):
    """One SELECT (the attempt is the owner's and open, the question's version) and one
    write, both Core statements on the session's connection: no ORM work. `displayed`:
    the choices are displayed positions (from a page), else indexes into the version.
    Returns (stored, the response as stored, same): `same` when nothing was stored
    because this very save is already the stored one (a retry whose reply was lost)."""
    connection = db.session.connection()
    row = connection.execute(item_query, {"attempt_id": attempt_id, "position": position, **owner}).first()
    if row is None:
        raise NoSuchQuestion("Không có câu hỏi này trong bài.")
    submitted_at, deadline_at, item_id, old_response, old_seq, option_order, qtype, data = row
    check_open(submitted_at, deadline_at, now)
    kind = qtype_of(qtype)
    if displayed:
        raw_response = kind.from_displayed(option_order, raw_response)
    response = kind.clean(_Version(qtype, data), raw_response)
    delta = (response is not None) - (old_response is not None)  # the count the live board shows
    same = old_seq == seq and old_response == response
    if connection.dialect.name == "postgresql":
        stored = bool(connection.execute(_STORE_PG, {"response": response, "seq": seq, "now": now,
                                                     "item_id": item_id, "delta": delta,
                                                     "attempt_id": attempt_id}).scalar_one())
        return stored, response, same
    items, attempts = AttemptQuestion.__table__, Attempt.__table__
    changed = connection.execute(
        update(items).where(items.c.id == item_id, items.c.seq < seq)
        .values(response=null() if response is None else response, seq=seq, answered_at=now)).rowcount
    if changed and delta:  # submit recounts it exactly
        connection.execute(update(attempts).where(attempts.c.id == attempt_id)
                           .values(answered_count=attempts.c.answered_count + delta))
    return bool(changed), response, same


def submit_attempt(attempt, now, prediction=None, finished_by="student"):
    """Grade and close an attempt, once: a second submit, or a replayed one, changes
    nothing. After the deadline the attempt is finished as it stood at the deadline."""
    _finish(attempt, now, prediction, finished_by)
    return attempt


def _finish(attempt, now, prediction, finished_by):
    """submit_attempt's work; True when this call closed the attempt (False: already closed)."""
    if attempt.submitted_at is not None:
        return False
    at = now
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        at, finished_by, prediction = attempt.deadline_at, "timeout", None
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=at, finished_by=finished_by).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.refresh(attempt)
        return False
    items = db.session.execute(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                               .order_by(AttemptQuestion.position)
                               .execution_options(populate_existing=True)).scalars().all()
    for item in items:
        item.mark = grading.mark(item.version, item.response)
    grading.adjust(attempt, items)  # corrections made since the questions were drawn
    attempt.submitted_at, attempt.finished_by = at, finished_by
    attempt.score = round(sum(item.mark for item in items), 6)
    attempt.prediction = prediction if attempt.round.ask_prediction else None
    attempt.duration_seconds = max(0, int((at - attempt.started_at).total_seconds()))
    attempt.answered_count = sum(1 for item in items if item.response is not None)
    db.session.flush()
    participation.record_finished(attempt)
    return True


def finish_if_expired(attempt, now):
    """Finish an open attempt past its deadline with what was saved; True if this call did."""
    if attempt.submitted_at is None and attempt.deadline_at is not None and now >= attempt.deadline_at:
        return _finish(attempt, now, None, "timeout")
    return False


def close_expired_attempts(now, batch=500):
    """Finish every open attempt whose deadline has passed (cron: flask quiz close-expired, on
    every host). Each batch claims its rows with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite has
    one writer), so runs at once share the work and their counts add up to the expired ones."""
    closed = 0
    while True:
        expired = db.session.execute(select(Attempt).where(
            Attempt.submitted_at.is_(None), Attempt.deadline_at <= now).order_by(Attempt.id).limit(batch)
            .with_for_update(skip_locked=True)).scalars().all()
        closed += sum(finish_if_expired(attempt, now) for attempt in expired)
        db.session.commit()
        if len(expired) < batch:
            return closed


def add_extra_time(attempt, minutes, now):
    """Teacher's extra time for one student, still never past the round's close."""
    check_open(attempt.submitted_at, attempt.deadline_at, now)
    attempt.extra_seconds += int(minutes * 60)
    attempt.deadline_at = deadline_for(attempt.round, attempt.started_at, attempt.extra_seconds,
                                       closes_at=window_for(attempt.round, attempt.school_id).closes_at)


def rounds_for_student(student, now):
    """The rounds a student sees on their page: open ones of the published contests
    of their part of the tree and level, and ones that closed in the last 30 days,
    each with the student's attempts and the round's window for their school.
    [(round, [attempts], Window)]"""
    above = select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == student.school_id)
    stage = stage_of(student)
    rounds = db.session.execute(
        select(Round).join(Contest, Round.contest_id == Contest.id)
        .where(Contest.unit_id.in_(above), Contest.published.is_(True), Round.opens_at <= now,
               Round.closes_at > now - timedelta(days=30))
        .order_by(Round.closes_at)).scalars().all()
    rounds = [r for r in rounds if stage in r.contest.level_list]
    mine = {}
    if rounds:
        for attempt in db.session.execute(select(Attempt).where(
                Attempt.student_id == student.id, Attempt.round_id.in_([r.id for r in rounds]))
                .order_by(Attempt.number)).scalars():
            mine.setdefault(attempt.round_id, []).append(attempt)
    windows = windows_for(rounds, student.school_id)
    return [(r, mine.get(r.id, []), windows[r.id]) for r in rounds]


def may_review(attempt, now):
    """Whether the student sees right answers and explanations now."""
    policy = attempt.round.review_policy
    if attempt.submitted_at is None or policy == "never":
        return False
    return policy == "after_submit" or now >= attempt.round.closes_at
