"""Difficulty labels calibrated from a round's item statistics.

A question's label (easy, medium, hard) is first the writer's guess. Once a round has
been taken, the facility index of each question (the share of the mark students got, in
their first attempts) says how hard it really was for these students:

  facility >= 70 %        easy     (nhận biết)
  40 % <= facility < 70 % medium   (thông hiểu)
  facility < 40 %         hard     (vận dụng)

the bands of the rubric in quizzes/README.md. A question answered fewer than
`min_answers` times keeps its label. A question that does not discriminate (its mark
hardly follows the rest of the test, or goes against it) is flagged for a reading: a
negative index usually means a wrong or disputable key.

Applying writes a new version of each question whose label changes (same content, the new
label and a note naming the round), so the history says why, and sets the question's label,
which the draw by difficulty uses from then on."""
from dataclasses import dataclass, field

from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.quiz.banks import services as banks
from app.quiz.contests.statistics import WEAK_DISCRIMINATION, round_statistics
from app.quiz.models import DIFFICULTY_LABELS, Question

EASY_FROM, HARD_BELOW = 70.0, 40.0
MIN_ANSWERS = 30


def band(facility):
    if facility >= EASY_FROM:
        return "easy"
    return "medium" if facility >= HARD_BELOW else "hard"


@dataclass
class Suggestion:
    question_id: int
    key: str | None
    text: str
    n: int
    facility: float
    discrimination: float | None
    current: str
    suggested: str | None           # None: too few answers to say
    flags: list = field(default_factory=list)

    @property
    def changes(self):
        return self.suggested is not None and self.suggested != self.current

    @property
    def current_label(self):
        return DIFFICULTY_LABELS.get(self.current, self.current)

    @property
    def suggested_label(self):
        return DIFFICULTY_LABELS.get(self.suggested, self.suggested)


@dataclass
class Calibration:
    round_id: int
    attempts: int
    min_answers: int
    suggestions: list

    @property
    def changes(self):
        return [s for s in self.suggestions if s.changes]

    @property
    def enough(self):
        return [s for s in self.suggestions if s.suggested is not None]

    @property
    def flagged(self):
        return [s for s in self.suggestions if s.flags]

    def summary(self):
        return (f"{len(self.changes)} câu đổi mức độ, trên {len(self.enough)} câu có từ {self.min_answers} "
                f"lượt trả lời ({len(self.suggestions)} câu đã rút, {self.attempts} bài).")


def suggest(round_, min_answers=MIN_ANSWERS):
    stats = round_statistics(round_)
    labels = dict(db.session.execute(
        select(Question.id, Question.difficulty).where(Question.id.in_([i.question_id for i in stats.items]))).all()) \
        if stats.items else {}
    suggestions = []
    for item in stats.items:
        enough = item.n >= min_answers
        flags = []
        if enough and item.discrimination is not None and item.discrimination < WEAK_DISCRIMINATION:
            flags.append("phân biệt âm: xem lại đáp án" if item.discrimination < 0 else "phân biệt kém")
        suggestions.append(Suggestion(item.question_id, item.key, item.text, item.n, item.facility, item.discrimination,
                                      labels.get(item.question_id, "medium"),
                                      band(item.facility) if enough else None, flags))
    return Calibration(round_.id, stats.attempts, min_answers, suggestions)


def apply(actor, round_, calibration, may_edit=lambda question: True):
    """Write the changed labels (the caller commits); the questions `may_edit` refuses are
    left as they are. Returns (changed, skipped) counts. Idempotent: a question already at
    its suggested label is not changed again."""
    changed = skipped = 0
    rows = {q.id: q for q in db.session.execute(
        select(Question).where(Question.id.in_([s.question_id for s in calibration.changes]))).scalars().unique()}
    for suggestion in calibration.changes:
        question = rows.get(suggestion.question_id)
        if question is None or question.difficulty == suggestion.suggested:
            continue
        if not may_edit(question):
            skipped += 1
            continue
        q = banks.question_dict(question)
        q["difficulty"] = suggestion.suggested
        q["note"] = (f"Hiệu chỉnh mức độ theo {round_.contest.code} · {round_.name}: độ dễ "
                     f"{suggestion.facility:.0f} % trên {suggestion.n} lượt, "
                     f"{DIFFICULTY_LABELS[question.difficulty]} → {DIFFICULTY_LABELS[suggestion.suggested]}")
        question.difficulty = suggestion.suggested
        banks.add_version(actor, question, q, question.version + 1)
        audit.record(actor, "question.calibrate", "question", question.id, question.bank.unit_id, q["note"])
        changed += 1
    return changed, skipped
