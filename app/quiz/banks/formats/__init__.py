"""Question file formats: GIFT, Aiken, the Excel template and our YAML bank files.

Every reader turns a file into a list of plain dicts, one a question, in the shape
`flask quiz parse` prints (see `new_question`); every writer takes the same dicts.
A reader that finds errors raises `ParseError` with all of them, each with its line
(or spreadsheet row) number, and returns nothing: a file is taken whole or not at all.
"""
import unicodedata
from decimal import Decimal, InvalidOperation

from app.core.vocabulary import Vocabulary
from app.quiz.qtypes import GRADABLE_TYPES, TYPE_LABELS, TYPES, qtype_of, to_number  # noqa: F401 (re-exported)


class TextFormat(Vocabulary):
    """How a question's text is written (Moodle's text formats)."""

    MOODLE = "moodle"
    HTML = "html"
    MARKDOWN = "markdown"
    PLAIN = "plain"


class QuestionLevel(Vocabulary):
    """Who a question is for."""

    THCS = "THCS", "THCS"
    THPT = "THPT", "THPT"
    ALL = "all", "THCS và THPT"


class Difficulty(Vocabulary):
    EASY = "easy", "Dễ"
    MEDIUM = "medium", "Trung bình"
    HARD = "hard", "Khó"


TEXT_FORMATS = TextFormat.values()
LEVELS = QuestionLevel.values()
DIFFICULTIES = Difficulty.values()
FORMATS = ("gift", "aiken", "xlsx", "yaml")
# A whole province's bank is well under 1 MB of text; the shipped files are 20-40 KB each.
MAX_TEXT_BYTES = 5 * 1024 * 1024

LEVEL_LABELS = QuestionLevel.labels()
DIFFICULTY_LABELS = Difficulty.labels()


class ParseError(Exception):
    """All the errors of a file: [(line, message)], line None when it has none."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e[0] is None, e[0] or 0))
        super().__init__("; ".join(format_error(e) for e in self.errors))


class Invalid(Exception):
    """One question's problem, raised inside a reader and collected with its line."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


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


def answer(text, fraction, feedback=None):
    return {"text": text, "fraction": fraction, "feedback": feedback or None}


def numeric_answer(value, tolerance, fraction=1.0, feedback=None):
    return {"value": value, "tolerance": tolerance, "fraction": fraction, "feedback": feedback or None}


def truefalse_answers(correct, true_feedback=None, false_feedback=None):
    return [answer("true", 1.0 if correct else 0.0, true_feedback),
            answer("false", 0.0 if correct else 1.0, false_feedback)]


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


def decode_text(data):
    """Bytes of a text format: UTF-8 with or without BOM, or UTF-16 with BOM; no more
    than MAX_TEXT_BYTES."""
    if len(data) > MAX_TEXT_BYTES:
        raise ParseError([(None, f"Tệp câu hỏi lớn quá {MAX_TEXT_BYTES // (1024 * 1024)} MB: "
                                 "hãy chia thành nhiều tệp nhỏ hơn.")])
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError([(None, "Tệp không phải văn bản UTF-8: hãy lưu lại với bảng mã UTF-8.")]) from None


def detect_format(filename, data):
    """The format of an uploaded file, by content first, then by its name."""
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".gift"):
        return "gift"
    text = data[:20000].decode("utf-8", errors="ignore")
    if "{" in text and "}" in text:
        return "gift"
    if "ANSWER:" in text.upper():
        return "aiken"
    return "gift"


SPEC_KEYS = ("type", "title", "text", "format", "category", "general_feedback", "single", "answers")
META_KEYS = ("key", "topic", "level", "difficulty", "source")


def to_json(question):
    """The printable form: the documented keys, `pairs` for matching, and our metadata
    only where a question has it."""
    result = {k: question[k] for k in SPEC_KEYS}
    if question["type"] == "matching":
        result["pairs"] = question["pairs"]
    for key in META_KEYS:
        if question.get(key) is not None and not (key == "topic" and question[key] == question["category"]):
            result[key] = question[key]
    if question.get("shuffle") is False:
        result["shuffle"] = False
    return result


def parse(data, fmt):
    """The questions of a file in a format; raises ParseError."""
    if fmt == "gift":
        from app.quiz.banks.formats.gift import parse_gift
        return parse_gift(decode_text(data))
    if fmt == "aiken":
        from app.quiz.banks.formats.aiken import parse_aiken
        return parse_aiken(decode_text(data))
    if fmt == "yaml":
        from app.quiz.banks.formats.yaml_bank import parse_yaml
        return parse_yaml(decode_text(data))
    if fmt == "xlsx":
        from app.quiz.banks.formats.xlsx import parse_xlsx
        return parse_xlsx(data)
    raise ValueError(fmt)
