"""Marks after corrections, as a pure function of what is stored: each item's response,
the version it was given, and the corrections of its question in the order they were
applied. Nothing here reads or writes the database, so the same inputs give the same
marks: applying a correction twice changes nothing, and several compose.

Which corrections cover a version: those made when the question was at that version
or later (`Rule.up_to`: a new key covers the versions up to the one it writes, a void
those up to the one it voided). A version written by a later edit is not covered.

- A void decides alone (the latest one): full marks for everyone who drew the
  question, answered or not, or the item is dropped (0 of 0: the attempt's maximum
  loses one point).
- Else the latest new key or accepted answers: the corrected version has the same
  options in the same order with new weights. An item whose version has exactly those
  options is graded by it and points at it (its review shows the corrected key); one
  whose version has the same options in another order is graded with the weights
  carried over by option text; any other version is not covered and keeps its mark.
- An attempt's score is the sum of its counted items' marks, its maximum their number.
"""
from dataclasses import dataclass

from app.corrections.models import CorrectionKind
from app.quiz.attempts.grading import mark


@dataclass(frozen=True)
class Rule:
    """An applied correction as grading reads it. `version`: the corrected version (key,
    accept), anything with qtype, answers, single and pairs."""
    id: int
    question_id: int
    kind: str
    up_to: int
    version: object = None
    version_id: int | None = None

    @property
    def voids(self):
        return CorrectionKind(self.kind).voids


@dataclass(frozen=True)
class Graded:
    mark: float
    counted: bool = True  # False: dropped from the attempt's maximum
    version_id: int | None = None  # the version the item now points at, when it changes
    rule: Rule | None = None  # the correction that decided the mark, if any


class Carried:
    """A version's options with the weights of a corrected version, matched by text."""

    def __init__(self, version, corrected):
        weights = {option_text(a): a for a in corrected.answers}
        self.qtype, self.single, self.pairs = version.qtype, corrected.single, getattr(version, "pairs", [])
        self.answers = [dict(a, fraction=weights[option_text(a)]["fraction"]) for a in version.answers]


def option_text(answer):
    return " ".join((answer.get("text") or "").split())


def option_texts(version):
    return [option_text(a) for a in version.answers]


def covering(rules, number):
    """The rules that cover a version numbered `number`, in the order they were applied."""
    return [r for r in rules if number <= r.up_to]


def grade(version, response, rules):
    """The mark of a response to `version` (with its `number`) under the corrections of
    its question (`rules`, in the order applied)."""
    rules = covering(rules, version.number)
    voids = [r for r in rules if r.voids]
    if voids:
        rule = voids[-1]
        full = rule.kind == CorrectionKind.VOID_FULL
        return Graded(1.0 if full else 0.0, counted=full, rule=rule)
    keys = [r for r in rules if not r.voids]
    if keys:
        rule = keys[-1]
        mine, corrected = option_texts(version), option_texts(rule.version)
        if mine == corrected:
            return Graded(mark(rule.version, response), version_id=rule.version_id, rule=rule)
        if sorted(mine) == sorted(corrected):
            return Graded(mark(Carried(version, rule.version), response), rule=rule)
    return Graded(mark(version, response))


@dataclass(frozen=True)
class Regraded:
    """An attempt's items graded again: [(item, Graded)], its score and maximum."""
    items: list
    score: float
    max_score: float


# An item's response left unread: its question has no correction, so its mark is the one
# stored at submit, which is this same function of its response (`grading.mark`).
UNREAD = object()


def regrade(items, rules_by_question):
    """Every item of one attempt graded from scratch: `items` have question_id, version
    (with number), response (or UNREAD, with the stored mark) and mark;
    `rules_by_question` {question id: [Rule]}."""
    graded = []
    for item in items:
        rules = rules_by_question.get(item.question_id, ())
        if not rules and item.response is UNREAD:
            graded.append((item, Graded(item.mark)))
        else:
            graded.append((item, grade(item.version, item.response, rules)))
    score = round(sum(g.mark for _, g in graded if g.counted), 6)
    return Regraded(graded, score, float(sum(1 for _, g in graded if g.counted)))
