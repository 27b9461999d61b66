"""Item statistics of a round, from first attempts, with the figures of Moodle's quiz
statistics report:

  facility index          mean mark of the item / its maximum (%)
  standard deviation      sample SD of the item's marks / its maximum (%)
  discrimination index    correlation of the item's mark with the rest of the test
                          (total minus this item) (%)
  discriminative          covariance of item and rest / the largest covariance the
  efficiency              same marks could have (both sorted the same way) (%)
  Cronbach's alpha        of the round, over its question slots (positions), as Moodle
                          does for randomly drawn questions

Questions are drawn at random, so an item is a question: its figures come from the
first attempts in which it was drawn. Discrimination is the corrected item-total
correlation (against the rest of the test). Moodle's report, for random questions,
correlates with the whole total, item included, which reads about 10 points higher:
the page says so, so that the two are not compared as equals."""
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.quiz.models import Attempt, AttemptQuestion, Question, QuestionVersion

MIN_ANSWERS_TO_FLAG = 5
TOO_EASY, TOO_HARD, WEAK_DISCRIMINATION, WEAK_EFFICIENCY = 90.0, 20.0, 20.0, 30.0


def _mean(values):
    return sum(values) / len(values)


def _covariance(xs, ys):
    """Sample covariance (n - 1), as Moodle uses."""
    if len(xs) < 2:
        return None
    mx, my = _mean(xs), _mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def _sd(values):
    variance = _covariance(values, values)
    return math.sqrt(variance) if variance is not None else None


@dataclass
class ItemStats:
    question_id: int
    key: str | None
    text: str
    n: int
    facility: float
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    flags: list = field(default_factory=list)


@dataclass
class RoundStats:
    attempts: int
    mean_score: float | None
    alpha: float | None
    items: list


def item_stats(question_id, key, text, marks, rests):
    """Figures of one item from its marks (0..1) and the rest-of-test scores of the same attempts."""
    n = len(marks)
    facility = 100.0 * _mean(marks)
    sd = _sd(marks)
    discrimination = efficiency = None
    covariance = _covariance(marks, rests)
    if covariance is not None and sd and _sd(rests):
        discrimination = 100.0 * covariance / (sd * _sd(rests))
        best = _covariance(sorted(marks), sorted(rests))
        efficiency = 100.0 * covariance / best if best else None
    flags = []
    if n >= MIN_ANSWERS_TO_FLAG:
        if facility > TOO_EASY:
            flags.append("quá dễ")
        if facility < TOO_HARD:
            flags.append("quá khó")
        if discrimination is not None and discrimination < WEAK_DISCRIMINATION:
            flags.append("phân biệt âm" if discrimination < 0 else "phân biệt kém")
        if efficiency is not None and efficiency < WEAK_EFFICIENCY and "phân biệt âm" not in flags:
            flags.append("hiệu quả phân biệt thấp")
    return ItemStats(question_id, key, text, n, facility, 100.0 * sd if sd is not None else None,
                     discrimination, efficiency, flags)


def cronbach_alpha(slot_marks, totals):
    """alpha = k/(k-1) * (1 - sum of slot variances / variance of totals)."""
    k = len(slot_marks)
    total_variance = _covariance(totals, totals)
    if k < 2 or not total_variance:
        return None
    slot_variance = sum(_covariance(marks, marks) or 0.0 for marks in slot_marks)
    return k / (k - 1) * (1 - slot_variance / total_variance)


def round_statistics(round_):
    rows = db.session.execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.position, AttemptQuestion.question_id,
               AttemptQuestion.mark, Attempt.score)
        .join(Attempt, AttemptQuestion.attempt_id == Attempt.id)
        .where(Attempt.round_id == round_.id, Attempt.number == 1, Attempt.submitted_at.is_not(None))
        .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)).all()
    totals, by_question, by_slot = {}, {}, {}
    for attempt_id, position, question_id, mark, score in rows:
        totals[attempt_id] = score
        by_question.setdefault(question_id, []).append((mark or 0.0, score - (mark or 0.0)))
        by_slot.setdefault(position, []).append(mark or 0.0)
    texts = {qid: (key, text) for qid, key, text in db.session.execute(
        select(Question.id, Question.key, QuestionVersion.text)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.number == Question.version))
        .where(Question.id.in_(list(by_question))))} if by_question else {}
    items = [item_stats(qid, *texts.get(qid, (None, "")), [m for m, _ in pairs], [r for _, r in pairs])
             for qid, pairs in by_question.items()]
    items.sort(key=lambda item: (item.facility, item.question_id))
    complete_slots = [marks for marks in by_slot.values() if len(marks) == len(totals)]
    return RoundStats(attempts=len(totals), mean_score=_mean(list(totals.values())) if totals else None,
                      alpha=cronbach_alpha(complete_slots, list(totals.values())), items=items)
