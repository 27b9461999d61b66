"""Contests and their rounds: create, change, delete a round nobody has started,
publish results. Functions take the acting user and plain data; the caller commits.

A round that has attempts keeps what its attempts were drawn and timed by (the
draw, the time limit, the opening, shuffling, practice); its name, closing time
(later only), attempts allowed (more only), grading, passing score, review policy
and prizes can still change, since rankings are computed from the attempts."""
from sqlalchemy import delete, func, select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import nfc, short_code
from app.core.vocabulary import Prize
from app.extensions import db
from app.quiz.attempts.services import deadline_for, window_for
from app.core.prizes import KEY_OF_LABEL, award_prizes
from app.quiz.contests import results
from app.quiz.contests.ranking import collective_ranking, contest_ranking, round_ranking
from app.core.scope import is_within
from app.core.timeutil import format_datetime
from app.org.models import Unit, UnitClosure
from app.quiz.models import GRADING_METHODS, REVIEW_POLICIES, Attempt, Award, Contest, Round, RoundUnitWindow

LEVELS = ("THCS", "THPT", "GDTX")
PRIZE_KEYS = Prize.values()


def _counts(prizes):
    """{"nhat": 1, ...} with only positive whole counts."""
    counts = {}
    for key in PRIZE_KEYS:
        value = int((prizes or {}).get(key) or 0)
        if value < 0:
            raise DomainError("Số giải không được âm.")
        if value:
            counts[key] = value
    return counts


def _levels(levels):
    levels = [level for level in LEVELS if level in set(levels or ())]
    if not levels:
        raise DomainError("Chọn ít nhất một cấp học.")
    return ",".join(levels)


def create_contest(actor, unit, bank, *, code, name, school_year, levels=("THCS", "THPT"), description=""):
    code = short_code(code, "Mã cuộc thi gồm 2-32 chữ in hoa, số, - hoặc _ (ví dụ DVC2026).")
    if db.session.execute(select(Contest.id).where(Contest.code == code)).first():
        raise DomainError(f"Mã cuộc thi “{code}” đã có.")
    contest = Contest(code=code, name=nfc(name), unit=unit, bank=bank, school_year=school_year,
                      levels=_levels(levels), description=nfc(description) or "")
    db.session.add(contest)
    db.session.flush()
    audit.record(actor, "contest.create", "contest", contest.id, unit.id, f"{code} {contest.name}")
    return contest


PARTICIPATION_RULES = ("finished", "passed")


def update_contest(actor, contest, *, name, levels, description="", published=True, prizes=None,
                   school_prizes=None, unit_prizes=None, participation_rule=None):
    """Name, levels, visibility to students, the overall and collective prize counts,
    and what makes a student a participant (coverage, collective prizes)."""
    name = nfc(name or "").strip()
    if not name:
        raise DomainError("Nhập tên cuộc thi.")
    if participation_rule is not None:
        if participation_rule not in PARTICIPATION_RULES:
            raise DomainError("Cách tính học sinh tham gia không hợp lệ.")
        contest.participation_rule = participation_rule
    contest.name = name
    contest.levels = _levels(levels)
    contest.description = nfc(description or "")
    contest.published = bool(published)
    contest.prizes = _counts(prizes)
    contest.collective_prizes = {kind: counts for kind, counts in
                                 (("schools", _counts(school_prizes)), ("units", _counts(unit_prizes))) if counts}
    audit.record(actor, "contest.update", "contest", contest.id, contest.unit_id, f"{contest.code} {contest.name}")


def _check_round(opens_at, closes_at, grading_method, review_policy, passing_score, attempts_allowed):
    if closes_at <= opens_at:
        raise DomainError("Thời điểm đóng phải sau thời điểm mở.")
    if grading_method not in GRADING_METHODS or review_policy not in REVIEW_POLICIES:
        raise DomainError("Cách tính điểm hoặc cách xem đáp án không hợp lệ.")
    if not 0 <= float(passing_score) <= 100:
        raise DomainError("Điểm đạt phải từ 0 đến 100 %.")
    if int(attempts_allowed) < 1:
        raise DomainError("Số lần làm bài ít nhất là 1.")


def _rules(draw_rules, question_count):
    rules = [dict(r) for r in (draw_rules or [])]
    if rules:
        question_count = sum(int(r["count"]) for r in rules)
    if question_count < 1:
        raise DomainError("Đợt thi cần ít nhất một câu hỏi.")
    return rules, question_count


def add_round(actor, contest, *, name, opens_at, closes_at, time_limit_minutes=20, question_count=20,
              draw_rules=None, attempts_allowed=1, grading_method="highest", passing_score=50.0,
              ask_prediction=True, review_policy="after_close", shuffle_questions=True, shuffle_options=True,
              practice=False, prizes=None):
    _check_round(opens_at, closes_at, grading_method, review_policy, passing_score, attempts_allowed)
    rules, question_count = _rules(draw_rules, question_count)
    number = (db.session.execute(select(func.max(Round.number)).where(Round.contest_id == contest.id))
              .scalar() or 0) + 1
    round_ = Round(contest=contest, number=number, name=nfc(name), opens_at=opens_at,
                   closes_at=closes_at, time_limit_minutes=None if practice else time_limit_minutes,
                   question_count=question_count, draw_rules=rules, attempts_allowed=attempts_allowed,
                   grading_method=grading_method, passing_score=passing_score,
                   ask_prediction=ask_prediction and not practice,
                   review_policy="after_submit" if practice else review_policy,
                   shuffle_questions=shuffle_questions, shuffle_options=shuffle_options, practice=practice,
                   prizes=_counts(prizes))
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "round.create", "round", round_.id, contest.unit_id, f"{contest.code} {round_.name}")
    return round_


def round_started(round_):
    """A round is fixed once any attempt exists (its pool is frozen at the first start)."""
    return round_.pool is not None or db.session.execute(
        select(Attempt.id).where(Attempt.round_id == round_.id).limit(1)).first() is not None


def update_round(actor, round_, *, name, opens_at, closes_at, time_limit_minutes=20, draw_rules=None,
                 question_count=20, attempts_allowed=1, grading_method="highest", passing_score=50.0,
                 ask_prediction=True, review_policy="after_close", shuffle_questions=True, shuffle_options=True,
                 practice=False, prizes=None):
    """Change a round. Before anyone starts it, everything; after, only what leaves the
    attempts as they were (see the module docstring). A later close moves the
    deadline of open attempts that the old close had cut short."""
    # A form gives minutes: the same minute as stored means unchanged.
    opens_at = round_.opens_at if _same_minute(opens_at, round_.opens_at) else opens_at
    closes_at = round_.closes_at if _same_minute(closes_at, round_.closes_at) else closes_at
    _check_round(opens_at, closes_at, grading_method, review_policy, passing_score, attempts_allowed)
    started = round_started(round_)
    if started:
        practice = round_.practice
        fixed = {"opens_at": opens_at, "time_limit_minutes": None if practice else time_limit_minutes,
                 "shuffle_questions": shuffle_questions, "shuffle_options": shuffle_options}
        changed = [k for k, v in fixed.items() if getattr(round_, k) != v]
        if draw_rules is not None and _rules(draw_rules, question_count)[0] != (round_.draw_rules or []):
            changed.append("draw_rules")
        if changed:
            raise DomainError("Đợt thi đã có học sinh làm bài: không đổi được thời điểm mở, thời gian làm bài, "
                              "cách rút câu hỏi hay đảo câu. Chỉ đổi được tên, lùi giờ đóng, thêm lượt làm bài, "
                              "cách tính điểm, điểm đạt, cách xem đáp án và số giải.")
        if closes_at < round_.closes_at:
            raise DomainError("Đợt thi đã có học sinh làm bài: chỉ lùi được giờ đóng, không đóng sớm hơn.")
        if attempts_allowed < round_.attempts_allowed:
            raise DomainError("Đợt thi đã có học sinh làm bài: chỉ tăng được số lần làm bài.")
    else:
        round_.draw_rules, round_.question_count = _rules(draw_rules, question_count)
        round_.opens_at = opens_at
        round_.time_limit_minutes = None if practice else time_limit_minutes
        round_.shuffle_questions, round_.shuffle_options, round_.practice = shuffle_questions, shuffle_options, practice
    old_close = round_.closes_at
    round_.name = nfc(name)
    round_.closes_at = closes_at
    round_.attempts_allowed = attempts_allowed
    round_.grading_method = grading_method
    round_.passing_score = passing_score
    round_.ask_prediction = ask_prediction and not practice
    round_.review_policy = "after_submit" if practice else review_policy
    round_.prizes = _counts(prizes)
    if started and closes_at > old_close:
        closes = {}  # per school: its own close when a unit of the round says so
        for attempt in db.session.execute(select(Attempt).where(
                Attempt.round_id == round_.id, Attempt.submitted_at.is_(None),
                Attempt.deadline_at == old_close)).scalars():
            if attempt.school_id not in closes:
                closes[attempt.school_id] = window_for(round_, attempt.school_id).closes_at
            attempt.deadline_at = deadline_for(round_, attempt.started_at, attempt.extra_seconds,
                                               closes_at=closes[attempt.school_id])
    audit.record(actor, "round.update", "round", round_.id, round_.contest.unit_id,
                 f"{round_.contest.code} {round_.name}")


def _same_minute(a, b):
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def delete_round(actor, round_):
    """Delete a round nobody has started."""
    if round_started(round_):
        raise DomainError("Đợt thi đã có học sinh làm bài nên không xóa được. Có thể đổi giờ đóng để kết thúc sớm.")
    contest = round_.contest
    audit.record(actor, "round.delete", "round", round_.id, contest.unit_id, f"{contest.code} {round_.name}")
    contest.rounds.remove(round_)
    db.session.flush()


def publish_results(actor, round_, now):
    """Make a closed round's ranking and prizes public, and store them for the results
    pages. Publishing again (after a correction) replaces both."""
    if now < round_.closes_at:
        raise DomainError("Chỉ công bố kết quả sau khi đợt thi kết thúc.")
    if round_.practice:
        raise DomainError("Đợt luyện tập không xếp hạng.")
    results.lock_for_publishing(round_)
    _store_round_results(round_, now)
    round_.results_published_at = now
    audit.record(actor, "round.publish", "round", round_.id, round_.contest.unit_id,
                 f"{round_.contest.code} {round_.name}")


def _store_awards(contest, round_, ranking, prizes, recipient, now):
    """Replace the stored prizes of a round (or of the whole contest: round None) that
    go to `recipient` ("student_id" or "unit_id") with `prizes` ({recipient id: label}),
    each with its rank. Publishing again after a correction gives the corrected list."""
    db.session.execute(delete(Award).where(
        Award.contest_id == contest.id, getattr(Award, recipient).is_not(None),
        Award.round_id == round_.id if round_ is not None else Award.round_id.is_(None)))
    for result in ranking:
        who = getattr(result, recipient)
        if who in prizes:
            db.session.add(Award(contest_id=contest.id, round_id=round_.id if round_ is not None else None,
                                 prize=KEY_OF_LABEL[prizes[who]], label=prizes[who], rank=result.rank, created_at=now,
                                 **{recipient: who}))
    db.session.flush()


def publish_contest_results(actor, contest, now):
    """Make the overall and collective results public, once every ranked round has closed."""
    ranked = [r for r in contest.rounds if not r.practice]
    if not ranked:
        raise DomainError("Cuộc thi chưa có đợt thi chính thức nào.")
    if any(now < r.closes_at for r in ranked):
        raise DomainError("Chỉ công bố kết quả chung khi mọi đợt thi chính thức đã kết thúc.")
    results.lock_for_publishing(contest)
    _store_contest_results(contest, now)
    contest.results_published_at = now
    audit.record(actor, "contest.publish", "contest", contest.id, contest.unit_id, f"{contest.code} {contest.name}")


def _store_round_results(round_, now):
    ranking = round_ranking(round_)
    prizes = award_prizes(ranking, round_.prizes, round_.passing_score)
    _store_awards(round_.contest, round_, ranking, prizes, "student_id", now)
    results.store_round(round_, ranking, prizes, now)


def _store_contest_results(contest, now):
    ranking = contest_ranking(contest)
    prizes = award_prizes(ranking, contest.prizes)
    _store_awards(contest, None, ranking, prizes, "student_id", now)
    schools, units, collective = collective_ranking(contest)
    _store_awards(contest, None, schools + units, collective, "unit_id", now)
    results.store_contest(contest, ranking, prizes, schools, units, collective, now)


def republish_results(owner, now):
    """Store again the published results of a round or a contest (`owner`) from its
    attempts as they now stand, after a correction regraded them (app.corrections):
    ranking, prizes and collective results replace the stored ones, the publication
    time stays, and the cached public pages are forgotten once the transaction commits.
    The caller records it in the audit log."""
    if owner.results_published_at is None:
        raise DomainError("Kết quả chưa công bố.")
    results.lock_for_publishing(owner)
    if isinstance(owner, Round):
        _store_round_results(owner, now)
    else:
        _store_contest_results(owner, now)


# "Giờ mở theo đơn vị": a round's window per unit --------------------------------------

def window_units(contest):
    """The units a round of the contest may open at their own time: those under the
    contest's unit (clusters, communes, schools), by kind and name."""
    below = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == contest.unit_id,
                                                    UnitClosure.depth > 0)
    return db.session.execute(select(Unit).where(Unit.id.in_(below))
                              .order_by(Unit.kind != "school", Unit.sort_key, Unit.id)).scalars().all()


def set_unit_window(actor, round_, unit, opens_at, closes_at=None):
    """The opening time (and, optionally, closing time) of the round for the schools of
    `unit`, inside the round's window; a second call for the unit replaces the first."""
    contest = round_.contest
    if unit.id == contest.unit_id or not is_within(unit.id, contest.unit_id):
        raise DomainError("Chỉ đặt giờ riêng cho các đơn vị, trường thuộc đơn vị tổ chức cuộc thi.")
    if not round_.opens_at <= opens_at < round_.closes_at:
        raise DomainError(f"Giờ mở của đơn vị phải trong thời gian của đợt thi "
                          f"({format_datetime(round_.opens_at)} – {format_datetime(round_.closes_at)}).")
    if closes_at is not None and not opens_at < closes_at <= round_.closes_at:
        raise DomainError(f"Giờ đóng của đơn vị phải sau giờ mở và không muộn hơn giờ đóng của đợt thi "
                          f"({format_datetime(round_.closes_at)}).")
    row = db.session.execute(select(RoundUnitWindow).where(
        RoundUnitWindow.round_id == round_.id, RoundUnitWindow.unit_id == unit.id)).scalar()
    if row is None:
        row = RoundUnitWindow(round_id=round_.id, unit_id=unit.id, opens_at=opens_at)
        db.session.add(row)
    row.opens_at, row.closes_at = opens_at, closes_at
    db.session.flush()
    audit.record(actor, "round.unit_window", "round", round_.id, contest.unit_id,
                 f"{contest.code} {round_.name}: {unit.name} mở {format_datetime(opens_at)}"
                 + (f", đóng {format_datetime(closes_at)}" if closes_at else ""))
    return row


def remove_unit_window(actor, round_, unit_id):
    """The unit's schools go back to the round's own window (or a unit above's)."""
    row = db.session.execute(select(RoundUnitWindow).where(
        RoundUnitWindow.round_id == round_.id, RoundUnitWindow.unit_id == unit_id)).scalar()
    if row is None:
        raise DomainError("Đơn vị này không có giờ riêng.")
    audit.record(actor, "round.unit_window_delete", "round", round_.id, round_.contest.unit_id,
                 f"{round_.contest.code} {round_.name}: {row.unit.name} theo giờ của đợt")
    db.session.delete(row)
    db.session.flush()
