"""What every format module shares: the question dict (`new_question`), its answers,
the vocabularies of its metadata, the checks every question passes, the errors a
reader raises, and the lookup of a type's reader or writer in a format's table.

The format modules import this module, and the package (`formats/__init__.py`)
imports them, so that `parse` can name every reader at module level."""
import unicodedata
from decimal import Decimal, InvalidOperation

from app.core.errors import DomainError
from app.quiz.qtypes import (  # noqa: F401 (re-exported to the format modules)
    GRADABLE_TYPES,
    TYPE_LABELS,
    TYPES,
    Invalid,
    answer,
    numeric_answer,
    parse_numeric_answer,
    qtype_of,
    to_number,
    truefalse_answers,
)
from app.quiz.models import (  # noqa: F401 (re-exported: the vocabularies of a question's metadata)
    DIFFICULTIES,
    DIFFICULTY_LABELS,
    LEVEL_LABELS,
    LEVELS,
    TEXT_FORMATS,
    Difficulty,
    QuestionLevel,
    TextFormat,
)




class ParseError(Exception):
    """All the errors of a file: [(line, message)], line None when it has none."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e[0] is None, e[0] or 0))
        super().__init__("; ".join(format_error(e) for e in self.errors))


def format_error(error):
    line, message = error
    return f"Dòng {line}: {message}" if line else message


def new_question(qtype, text, **fields):
    """A question dict with every key of the JSON shape, plus our own metadata
    (key, topic, level, difficulty, source, shuffle), None when a format has none."""
    question = {
        "type": qtype, "title": None, "text": text, "format": "moodle", "category": None,
        "general_feedback": None, "single": True, "answers": [],
        "key": None, "topic": None, "level": None, "difficulty": None, "source": None, "shuffle": True,
    }
    question.update(qtype_of(qtype).blank_fields())
    question.update(fields)
    return question


def percent_to_fraction(text):
    """'50' -> 0.5, '-33.33333' -> -0.3333333 (exact decimal, then the nearest float)."""
    try:
        return float(Decimal(text.strip()) / 100)
    except InvalidOperation:
        raise ValueError(text) from None


def clean_text(text):
    """NFC, Unix line ends, trimmed; inner line breaks stay (question text may have them)."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def check_question(question):
    """Problems that make a question unusable whatever format it came from."""
    qtype = qtype_of(question["type"])
    problems = []
    if qtype.needs_text and not question["text"]:
        problems.append("câu hỏi không có nội dung")
    problems += qtype.problems(question)
    if question.get("level") not in (None,) + LEVELS:
        problems.append(f"cấp học “{question['level']}” không hợp lệ (THCS, THPT hoặc all)")
    if question.get("difficulty") not in (None,) + DIFFICULTIES:
        problems.append(f"mức độ “{question['difficulty']}” không hợp lệ (easy, medium, hard)")
    return problems


# A format module keeps each type's syntax in a table keyed by type name (`_READ`,
# `_WRITE`); a type missing from it is one the format has no syntax for.

def reader_of(table, qtype, format_name):
    """A type's reader in a format's table; a type without one is the question's error."""
    if qtype not in table:
        raise Invalid(f"định dạng {format_name} chưa đọc được loại câu “{TYPE_LABELS.get(qtype, qtype)}”")
    return table[qtype]


def writer_of(table, qtype, format_name):
    """A type's writer in a format's table; a type without one refuses the export."""
    if qtype not in table:
        raise DomainError(f"Định dạng {format_name} chưa ghi được câu hỏi loại “{TYPE_LABELS.get(qtype, qtype)}”.")
    return table[qtype]
