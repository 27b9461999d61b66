"""Ranking of a round: each student's counted result by the round's grading method,
then score desc, |prediction - actual| asc, duration asc, submit time asc, where
`actual` is how many participants got every question right. Equal on all four is
a tie: the same rank, and the next rank skips (1, 1, 3), and a shared prize."""
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from app.core.prizes import award_prizes
from app.core.scope import subtree_ids
from app.core.text import text_sort_key
from app.coverage.rollup import Selection, figures
from app.extensions import db
from app.org.models import SchoolClass, Unit, UnitClosure
from app.quiz.models import Attempt, Round


@dataclass
class Result:
    student_id: int
    school_id: int
    score: float
    max_score: float
    prediction: int | None
    duration_seconds: int
    submitted_at: datetime
    attempts: int
    rank: int = 0
    prediction_error: int | None = None
    prize_label: str | None = None  # set where results are shown (app.quiz.contests.results)

    @property
    def percent(self):
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def counted_result(attempts, method, actual=None):
    """One student's result from their finished attempts (in order) by a grading method.
    The attempt that counts gives the prediction, duration and submit time; for an
    average, the last attempt does. For the highest score, among attempts of equal
    score the best by the whole ranking order counts (prediction error against
    `actual`, then duration, then submit time)."""
    if method == "first":
        chosen, score = attempts[0], attempts[0].score
    elif method == "last":
        chosen, score = attempts[-1], attempts[-1].score
    elif method == "average":
        chosen, score = attempts[-1], sum(a.score for a in attempts) / len(attempts)
    else:
        chosen = min(attempts, key=lambda a: (-a.score, _error(a.prediction, actual), a.duration_seconds,
                                              a.submitted_at))
        score = chosen.score
    return Result(student_id=chosen.student_id, school_id=chosen.school_id, score=round(score, 6),
                  max_score=chosen.max_score, prediction=chosen.prediction,
                  duration_seconds=chosen.duration_seconds, submitted_at=chosen.submitted_at,
                  attempts=len(attempts))


def _error(prediction, actual):
    if prediction is None:
        return float("inf")
    return abs(prediction - actual) if actual is not None else 0


def count_full_marks(results):
    """How many participants got every question right: the answer to the prediction question."""
    return sum(1 for r in results if r.max_score and r.score >= r.max_score - 1e-9)


def rank_attempts(attempts_by_student, method):
    """Ranked results from each student's finished attempts. Which attempts score full
    marks does not depend on which of equal-score attempts counts, so the actual count
    comes first, then each student's counted attempt is chosen against it."""
    groups = list(attempts_by_student)
    actual = count_full_marks([counted_result(items, method) for items in groups])
    return rank_results([counted_result(items, method, actual) for items in groups])


def rank_results(results):
    """Sort and number results in place (ties share a rank) and return them."""
    actual = count_full_marks(results)
    for r in results:
        r.prediction_error = abs(r.prediction - actual) if r.prediction is not None else None
    return _number(results)


def _order(r):
    error = r.prediction_error if r.prediction_error is not None else float("inf")
    return (-r.score, error, r.duration_seconds, r.submitted_at)


def _number(results):
    """Sort by the ranking order and give ranks; equal on every key is a tie."""
    results.sort(key=_order)
    for index, r in enumerate(results):
        r.rank = results[index - 1].rank if index and _order(results[index - 1]) == _order(r) else index + 1
    return results


class _Rescored(NamedTuple):
    """An attempt's row with the figures of a regrade not yet written."""
    id: int
    student_id: int
    school_id: int
    score: float
    max_score: float
    prediction: int | None
    duration_seconds: int
    submitted_at: datetime


def round_ranking(round_, scores=None):
    """Ranked results of a round, from its finished attempts (practice rounds are not ranked).
    `scores` ({attempt id: (score, max_score)}) replaces the stored figures of some attempts:
    the ranking as it would be after a regrade not yet written (app.corrections' dry run)."""
    if round_.practice:
        return []
    attempts = db.session.execute(  # plain rows, not ORM objects: a round may have 100,000s
        select(Attempt.id, Attempt.student_id, Attempt.school_id, Attempt.score, Attempt.max_score,
               Attempt.prediction, Attempt.duration_seconds, Attempt.submitted_at)
        .where(Attempt.round_id == round_.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.student_id, Attempt.number)).all()
    by_student = {}
    for attempt in attempts:
        if scores and attempt.id in scores:
            score, max_score = scores[attempt.id]
            attempt = _Rescored(**{**attempt._asdict(), "score": score, "max_score": max_score})
        by_student.setdefault(attempt.student_id, []).append(attempt)
    return rank_attempts(by_student.values(), round_.grading_method)


def award_collective(rows, counts):
    """Collective prizes down a participation ranking: only units with participants win."""
    return award_prizes(rows, counts, key=lambda r: r.unit_id, eligible=[r for r in rows if r.participants])


@dataclass
class UnitRate:
    """A school's or a unit's participation: students with a finished attempt / enrolled."""
    unit_id: int
    name: str
    enrolled: int
    participants: int
    rank: int = 0
    prize_label: str | None = None  # set where results are shown

    @property
    def rate(self):
        return 100.0 * self.participants / self.enrolled if self.enrolled else 0.0


def school_participation(contest, school_ids=None):
    """Collective ranking: each school under the contest's unit by the share of its
    students (of the contest's levels) taking part, counted as the coverage figures
    count them (app.coverage.rollup: the contest's participation rule, one pass over
    the students), so prizes and dashboards agree. Ties share a rank."""
    schools = select(Unit.id).where(Unit.kind == "school", Unit.id.in_(subtree_ids(contest.unit_id)))
    if school_ids is not None:
        schools = schools.where(Unit.id.in_(school_ids))
    per_school = figures(Selection(contest.school_year, contest), SchoolClass.school_id, schools)
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(per_school)))).all())
    rows = [UnitRate(school_id, names[school_id], fig.enrolled, fig.participants)
            for school_id, fig in per_school.items() if fig.enrolled]
    return _rank_rates(rows)


def _rank_rates(rows):
    """Highest rate first; equal rates share a rank (then more participants, then name, for display)."""
    rows.sort(key=lambda r: (-r.rate, -r.participants, text_sort_key(r.name)))
    for index, row in enumerate(rows):
        previous = rows[index - 1] if index else None
        row.rank = previous.rank if previous and previous.rate == row.rate else index + 1
    return rows


def collective_ranking(contest):
    """(schools, units, {unit id: prize label}): the collective rankings of a contest,
    among all of its schools and units, with the collective prizes they win."""
    schools = school_participation(contest)
    units = unit_participation(contest, schools)
    counts = contest.collective_prizes or {}
    prizes = {**award_collective(schools, counts.get("schools")), **award_collective(units, counts.get("units"))}
    return schools, units, prizes


def unit_participation(contest, school_rows):
    """Collective ranking of the units right under the contest's unit (Phòng, cụm),
    each with the sum of its schools' figures. Empty when the schools sit directly
    under the contest's unit."""
    children = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.parent_id == contest.unit_id, Unit.kind != "school")).all()
    if not children:
        return []
    by_school = {r.unit_id: r for r in school_rows}
    rows = {unit_id: UnitRate(unit_id, name, 0, 0) for unit_id, name in children}
    links = db.session.execute(select(UnitClosure.ancestor_id, UnitClosure.descendant_id).where(
        UnitClosure.ancestor_id.in_(list(rows)), UnitClosure.descendant_id.in_(list(by_school)))).all()
    for unit_id, school_id in links:
        rows[unit_id].enrolled += by_school[school_id].enrolled
        rows[unit_id].participants += by_school[school_id].participants
    return _rank_rates([r for r in rows.values() if r.enrolled])


def contest_ranking(contest, scores=None):
    """Overall ranking of a contest: per student the sum over its ranked rounds of the
    round results (score, |prediction - actual|, duration), then the latest submit
    time; a round the student missed counts 0 points and no time. `scores`: as for
    `round_ranking`."""
    totals = {}
    rounds = db.session.execute(select(Round).where(Round.contest_id == contest.id, Round.practice.is_(False))
                                .order_by(Round.number)).scalars().all()
    for round_ in rounds:
        for r in round_ranking(round_, scores):
            total = totals.get(r.student_id)
            if total is None:
                totals[r.student_id] = Result(student_id=r.student_id, school_id=r.school_id, score=r.score,
                                              max_score=r.max_score, prediction=None,
                                              duration_seconds=r.duration_seconds, submitted_at=r.submitted_at,
                                              attempts=r.attempts, prediction_error=r.prediction_error)
                continue
            total.score += r.score
            total.max_score += r.max_score
            total.duration_seconds += r.duration_seconds
            total.submitted_at = max(total.submitted_at, r.submitted_at)
            total.attempts += r.attempts
            if r.prediction_error is not None:
                total.prediction_error = (total.prediction_error or 0) + r.prediction_error
    return _number(list(totals.values()))
