"""Question banks: create, import (idempotent), edit with versions, retire, search,
export. Functions take the acting user and plain data; the caller commits."""
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import fold, nfc, short_code
from app.core.timeutil import utcnow
from app.extensions import db
from app.quiz.banks.check import check_questions, question_label
from app.quiz.banks.formats import DIFFICULTIES, LEVELS, Invalid, check_question, clean_text, format_error
from app.quiz.models import Question, QuestionBank, QuestionVersion
from app.quiz.qtypes import AnswerEdit, qtype_of

PAGE_SIZE = 50


def create_bank(actor, unit, *, code, name, description=""):
    code = short_code(code, "Mã ngân hàng gồm 2-32 chữ in hoa, số, - hoặc _ (ví dụ DVC-CT).")
    if db.session.execute(select(QuestionBank.id).where(QuestionBank.code == code)).first():
        raise DomainError(f"Mã ngân hàng “{code}” đã có.")
    bank = QuestionBank(code=code, name=nfc(name) or code, unit=unit, description=nfc(description) or "")
    db.session.add(bank)
    db.session.flush()
    audit.record(actor, "bank.create", "question_bank", bank.id, unit.id, f"{code} {bank.name}")
    return bank


def get_bank_by_code(code):
    return db.session.execute(
        select(QuestionBank).where(QuestionBank.code == (code or "").strip().upper())).scalar_one_or_none()


# A question as the format dicts have it <-> rows -----------------------------------

def _content(q):
    """What a version is: two equal contents are the same question."""
    return {"type": q["type"], "title": q.get("title"), "text": q["text"], "format": q.get("format") or "moodle",
            "data": qtype_of(q["type"]).stored_data(q), "explanation": q.get("general_feedback"),
            "source": q.get("source")}


def _answer_order(entry):
    """Sorts a hash's (text, value, fraction) entries: a numerical question's "any other
    answer" (value None) next to its numbers would not compare, so it sorts first among
    equal texts; answers that all have a value, or all none, keep the order they always had
    (the stored hashes stay valid)."""
    text, value, fraction = entry
    return text, value is not None, 0.0 if value is None else value, fraction


def content_hash(q):
    """Same question whatever the spacing and case of its text and options."""
    data = qtype_of(q["type"]).stored_data(q)
    canonical = {
        "type": q["type"], "text": fold(q["text"]),
        "answers": sorted(((fold(a.get("text", "")), a.get("value"), round(a["fraction"], 4))
                           for a in data["answers"]), key=_answer_order),
        "pairs": sorted([fold(left), fold(right)] for left, right in data.get("pairs", [])),
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _version_content(version):
    return {"type": version.qtype, "title": version.title, "text": version.text, "format": version.text_format,
            "data": version.data, "explanation": version.explanation, "source": version.source}


def question_dict(question, version=None):
    """A stored question in the format-dict shape (for export and for editing)."""
    version = version or question.current
    return {"type": version.qtype, "title": version.title, "text": version.text, "format": version.text_format,
            "category": question.topic, "general_feedback": version.explanation, "key": question.key,
            "topic": question.topic, "level": question.level, "difficulty": question.difficulty,
            "source": version.source, **qtype_of(version.qtype).format_fields(version)}


def add_version(actor, question, q, number):
    content = _content(q)
    version = QuestionVersion(
        question=question, number=number, qtype=content["type"], title=content["title"], text=content["text"],
        text_format=content["format"], data=content["data"], explanation=content["explanation"],
        source=content["source"], difficulty=q.get("difficulty"), note=q.get("note"),
        created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    question.version = number
    question.qtype = content["type"]
    question.content_hash = content_hash(q)
    question.index_text(content["text"])
    question.updated_at = utcnow()
    return version


# Import -----------------------------------------------------------------------------

@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    questions: list = field(default_factory=list)

    @property
    def message(self):
        return (f"Đã nhập: {self.new} câu mới, {self.updated} câu cập nhật, "
                f"{self.unchanged} câu không đổi.")


@dataclass
class ImportDefaults:
    topic: str = "Chung"
    level: str = "all"
    difficulty: str = "medium"


def prepare(questions, defaults):
    """Fill what a file left out (topic, level, difficulty) and check each question
    again; raises DomainError listing the problems by line."""
    errors = []
    for q in questions:
        q["topic"] = nfc(q.get("topic") or q.get("category") or defaults.topic)[:200]
        q["level"] = q.get("level") or defaults.level
        q["difficulty"] = q.get("difficulty") or defaults.difficulty
        if q.get("key"):
            q["key"] = nfc(q["key"])[:64]
        errors.extend((q.get("line"), p) for p in check_question(q))
        if q["level"] not in LEVELS:
            errors.append((q.get("line"), f"cấp học “{q['level']}” không hợp lệ"))
        if q["difficulty"] not in DIFFICULTIES:
            errors.append((q.get("line"), f"mức độ “{q['difficulty']}” không hợp lệ"))
    keys = [q["key"] for q in questions if q.get("key")]
    for key in {k for k in keys if keys.count(k) > 1}:
        errors.append((None, f"mã câu hỏi “{key}” xuất hiện nhiều lần trong tệp"))
    if errors:
        raise DomainError("; ".join(format_error(e) for e in errors))
    return questions


def import_questions(actor, bank, questions, defaults=None):
    """Add or update questions in one transaction (the caller commits). A question
    with a key updates the bank's question of that key; one without is matched by
    its content, so importing the same file again changes nothing."""
    questions = prepare(questions, defaults or ImportDefaults())
    keys = [q["key"] for q in questions if q.get("key")]
    by_key = {}
    if keys:
        by_key = {row.key: row for row in db.session.execute(
            select(Question).where(Question.bank_id == bank.id, Question.key.in_(keys))).scalars()}
    hashes = [content_hash(q) for q in questions]
    by_hash = {row.content_hash: row for row in db.session.execute(
        select(Question).where(Question.bank_id == bank.id, Question.content_hash.in_(set(hashes)))).scalars()}
    result = ImportResult()
    made = set()  # questions this import created: a file that repeats one imports it once
    for q, digest in zip(questions, hashes):
        existing = by_key.get(q["key"]) if q.get("key") else by_hash.get(digest)
        if existing is not None and id(existing) in made:
            result.unchanged += 1
            continue
        if existing is None:
            question = Question(bank=bank, key=q.get("key"), topic=q["topic"], level=q["level"],
                                difficulty=q["difficulty"], qtype=q["type"])
            db.session.add(question)
            add_version(actor, question, q, 1)
            by_hash[digest] = question
            made.add(id(question))
            result.new += 1
            result.questions.append(question)
            continue
        changed = _apply(actor, existing, q)
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
        result.questions.append(existing)
    db.session.flush()
    audit.record(actor, "bank.import", "question_bank", bank.id, bank.unit_id, result.message)
    return result


def _apply(actor, question, q):
    """Bring a stored question to `q`: metadata in place, content as a new version."""
    changed = False
    for attr in ("topic", "level", "difficulty"):
        if getattr(question, attr) != q[attr]:
            setattr(question, attr, q[attr])
            changed = True
    if question.retired_at is not None and q.get("restore", True):
        question.retired_at = None
        changed = True
    if _version_content(question.current) != _content(q):
        add_version(actor, question, q, question.version + 1)
        changed = True
    elif changed:
        question.index_text(question.current.text)
        question.updated_at = utcnow()
    return changed


def update_question(actor, question, q):
    """An edit from the web form; raises DomainError when the result is not a usable question."""
    problems = check_question(q)
    if q["level"] not in LEVELS or q["difficulty"] not in DIFFICULTIES:
        problems.append("cấp học hoặc mức độ không hợp lệ")
    if problems:
        raise DomainError("Câu hỏi chưa dùng được: " + "; ".join(problems) + ".")
    q["topic"] = nfc(q["topic"])[:200]
    q["restore"] = False
    changed = _apply(actor, question, q)
    if changed:
        audit.record(actor, "question.edit", "question", question.id, question.bank.unit_id,
                     f"{question.bank.code} #{question.id} v{question.version}")
    return changed


def retire_question(actor, question):
    if question.retired_at is None:
        question.retired_at = utcnow()
        audit.record(actor, "question.retire", "question", question.id, question.bank.unit_id,
                     f"{question.bank.code} #{question.id}")


def restore_question(actor, question):
    if question.retired_at is not None:
        question.retired_at = None
        audit.record(actor, "question.restore", "question", question.id, question.bank.unit_id,
                     f"{question.bank.code} #{question.id}")


# Browse and export ------------------------------------------------------------------

def questions_query(bank, *, q="", topic="", level="", difficulty="", qtype="", status="active"):
    query = select(Question).where(Question.bank_id == bank.id)
    if status == "active":
        query = query.where(Question.retired_at.is_(None))
    elif status == "retired":
        query = query.where(Question.retired_at.is_not(None))
    for word in fold(q).split():
        query = query.where(Question.search_text.contains(word))
    if topic:
        query = query.where(Question.topic == topic)
    if level:
        # "THCS" also lists the questions for both levels, as a round for THCS would draw them.
        query = query.where(Question.level.in_([level, "all"]) if level in ("THCS", "THPT") else Question.level == level)
    if difficulty:
        query = query.where(Question.difficulty == difficulty)
    if qtype:
        query = query.where(Question.qtype == qtype)
    return query


def topic_counts(bank):
    return db.session.execute(
        select(Question.topic, func.count()).where(Question.bank_id == bank.id, Question.retired_at.is_(None))
        .group_by(Question.topic).order_by(Question.topic)).all()


def export_questions(bank, include_retired=False):
    query = select(Question).where(Question.bank_id == bank.id)
    if not include_retired:
        query = query.where(Question.retired_at.is_(None))
    rows = db.session.execute(query.order_by(Question.topic, Question.id)).scalars().unique()
    return [question_dict(row) for row in rows]


def edited_question(question, fields):
    """The format dict of an edit: `fields` holds topic, level, difficulty, text,
    explanation, source, shuffle and the type's answer field (`edit_widget`): options
    [(text, right)], truth, or lines."""
    current = question_dict(question)
    q = dict(current, topic=fields["topic"], level=fields["level"], difficulty=fields["difficulty"],
             text=clean_text(fields["text"]), general_feedback=clean_text(fields.get("explanation")) or None,
             source=clean_text(fields.get("source")) or None)
    edit = AnswerEdit(
        options=[(clean_text(text), right) for text, right in fields.get("options") or [] if clean_text(text)],
        truth=fields.get("truth") == "true",
        lines=[clean_text(line) for line in (fields.get("lines") or "").splitlines() if line.strip()],
        shuffle=bool(fields.get("shuffle")))
    try:
        q.update(qtype_of(question.qtype).from_edit(current, edit))
    except Invalid as exc:
        raise DomainError(exc.message[:1].upper() + exc.message[1:] + ".") from None
    return q


# Quality check ------------------------------------------------------------------------

def _active_questions(bank):
    return db.session.execute(
        select(Question).where(Question.bank_id == bank.id, Question.retired_at.is_(None))
        .order_by(Question.topic, Question.id)).scalars().unique().all()


def _bank_label(question):
    return question.key or f"#{question.id}"


def check_bank(bank):
    """The checker's report on the bank's questions in use; each finding's ref is a Question id."""
    rows = _active_questions(bank)
    return check_questions([question_dict(row) for row in rows], refs=[row.id for row in rows],
                           labels=[_bank_label(row) for row in rows])


def check_bank_version(bank):
    """What the bank's report depends on: it changes with any import, edit, retirement."""
    count, updated, retired, version = db.session.execute(
        select(func.count(Question.id), func.max(Question.updated_at), func.max(Question.retired_at),
               func.max(Question.version)).where(Question.bank_id == bank.id)).one()
    newest = db.session.execute(select(func.max(QuestionVersion.id)).join(Question)
                                .where(Question.bank_id == bank.id)).scalar()
    return f"{count}-{updated}-{retired}-{version}-{newest}"


def check_import(bank, questions):
    """The report on a file about to be imported: its own totals and per-question findings,
    with the near-duplicates and give-aways between it and the bank's questions in use (a
    question of the file replaces the bank's question of the same key). Each finding's ref is
    the index of the file's question; findings that only concern the bank's questions are left out."""
    keys = {q["key"] for q in questions if q.get("key")}
    rows = [row for row in _active_questions(bank) if row.key not in keys]
    combined = check_questions(list(questions) + [question_dict(row) for row in rows],
                               refs=list(range(len(questions))) + [None] * len(rows),
                               labels=[question_label(q, i) for i, q in enumerate(questions)]
                               + [f"{_bank_label(row)} (trong ngân hàng)" for row in rows])
    report = check_questions(questions)
    report.findings = [f for f in combined.findings if f.ref is not None]
    return report

