"""What pages say of applied corrections: the public note on the results pages of the
rounds and contests that drew the question, and the line beside each corrected
question of a student's review.

The public note quotes the question only when no official round that may draw from
its bank is open or scheduled (the rule of the bank's answer export): while one is,
the question could still be asked, so the note names "một câu hỏi của Đợt 1" and the
students who drew it find it marked in their own review. Position numbers are not
used: rounds shuffle their questions, so "câu số 3" is a different question for each
student."""
import re

from sqlalchemy import select

from app.core.timeutil import format_date
from app.corrections.models import Correction, CorrectionKind, CorrectionNote
from app.corrections.regrade import grade
from app.corrections.services import right_texts, rules_for
from app.extensions import db
from app.quiz.models import Contest, Round

QUOTE_CHARS = 160
_TAGS = re.compile(r"<[^>]*>")


def bank_in_use(bank_id, now):
    """An official round that may draw from the bank is open or scheduled."""
    return db.session.execute(select(Round.id).join(Contest, Contest.id == Round.contest_id).where(
        Contest.bank_id == bank_id, Round.practice.is_(False), Round.closes_at > now).limit(1)).first() is not None


def public_notes(now, round_=None, contest=None):
    """The notes of a round's results page (round_) or of a contest's (every round of it),
    oldest first, as sentences."""
    query = select(CorrectionNote).join(Round, Round.id == CorrectionNote.round_id)
    if round_ is not None:
        query = query.where(CorrectionNote.round_id == round_.id)
    else:
        query = query.where(CorrectionNote.contest_id == contest.id)
    notes = db.session.execute(query.order_by(CorrectionNote.correction_id, Round.number)).scalars().all()
    rounds, corrections, in_use = {}, {}, {}
    for note in notes:
        corrections[note.correction_id] = note.correction
        rounds.setdefault(note.correction_id, []).append(note.round.name)
    sentences = []
    for correction_id, correction in corrections.items():
        bank_id = correction.question.bank_id
        if bank_id not in in_use:
            in_use[bank_id] = bank_in_use(bank_id, now)
        where = ", ".join(rounds[correction_id])
        if in_use[bank_id]:
            which = f"một câu hỏi của {where}"
        else:
            which = f"câu “{_quote(correction.from_version)}” ({where})"
        done = CorrectionKind(correction.kind).public_sentence.format(which=which)
        sentences.append(f"Ngày {format_date(correction.applied_at)}, ban tổ chức {done}. "
                         "Điểm, thứ hạng và giải đã được tính lại.")
    return sentences


def _quote(version):
    text = version.text
    if version.text_format == "html":
        text = _TAGS.sub(" ", text)
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "…"


def review_notes(attempt):
    """{item position: sentence} for the items of an attempt that a correction reached."""
    rules = rules_for(item.question_id for item in attempt.questions)
    if not rules:
        return {}
    applied = {c.id: c for c in db.session.execute(select(Correction).where(
        Correction.id.in_([r.id for found in rules.values() for r in found]))).scalars()}
    notes = {}
    for item in attempt.questions:
        graded = grade(item.version, item.response, rules.get(item.question_id, ()))
        if graded.rule is None:
            continue
        correction = applied[graded.rule.id]
        day = format_date(correction.applied_at)
        kind = CorrectionKind(correction.kind)
        if kind == CorrectionKind.VOID_FULL:
            notes[item.position] = f"Câu hỏi đã bị hủy ngày {day}: mọi bài làm có câu này được tính điểm câu đó."
        elif kind == CorrectionKind.VOID_DROP:
            notes[item.position] = f"Câu hỏi đã bị hủy ngày {day}: câu này không tính vào tổng điểm."
        elif item.version_id == graded.rule.version_id:
            notes[item.position] = f"Đáp án đã được điều chỉnh ngày {day} ({kind.label.lower()}): đáp án hiện ở đây là đáp án mới."
        elif kind == CorrectionKind.ACCEPT:
            notes[item.position] = (f"Đáp án đã được điều chỉnh ngày {day}: mỗi đáp án sau đều được tính đúng: "
                                    f"{'; '.join(right_texts(graded.rule.version))}.")
        else:
            notes[item.position] = (f"Đáp án đã được điều chỉnh ngày {day} ({kind.label.lower()}). Đáp án đúng sau "
                                    f"điều chỉnh: {'; '.join(right_texts(graded.rule.version))}.")
    return notes
