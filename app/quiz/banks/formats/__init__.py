"""Question file formats: GIFT, Aiken, the Excel template, Word files and our YAML bank files.

Every reader turns a file into a list of plain dicts, one a question, in the shape
`flask quiz parse` prints (see `new_question`); every writer takes the same dicts.
A reader that finds errors raises `ParseError` with all of them, each with its line
(or spreadsheet row) number, and returns nothing: a file is taken whole or not at all.
What the format modules share is in `common.py`, re-exported here.
"""
from app.core.spreadsheet import OLE_MAGIC
from app.quiz.banks.formats.aiken import parse_aiken
from app.quiz.banks.formats.common import (  # noqa: F401 (re-exported)
    DIFFICULTIES,
    DIFFICULTY_LABELS,
    GRADABLE_TYPES,
    LEVEL_LABELS,
    LEVELS,
    TEXT_FORMATS,
    TYPE_LABELS,
    TYPES,
    Difficulty,
    Invalid,
    ParseError,
    QuestionLevel,
    TextFormat,
    answer,
    check_question,
    clean_text,
    format_error,
    new_question,
    numeric_answer,
    percent_to_fraction,
    qtype_of,
    to_number,
    truefalse_answers,
)
from app.quiz.banks.formats.docx import is_docx, parse_docx
from app.quiz.banks.formats.gift import parse_gift
from app.quiz.banks.formats.xlsx import parse_xlsx
from app.quiz.banks.formats.yaml_bank import parse_yaml

# A whole province's bank is well under 1 MB of text; the shipped files are 20-40 KB each.
MAX_TEXT_BYTES = 5 * 1024 * 1024


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


# The reader of each format, and whether it reads text (decoded here) or the bytes.
_READERS = {"gift": (parse_gift, True), "aiken": (parse_aiken, True), "xlsx": (parse_xlsx, False),
            "yaml": (parse_yaml, True), "docx": (parse_docx, False)}
FORMATS = tuple(_READERS)


def detect_format(filename, data):
    """The format of an uploaded file, by content first, then by its name. Word and Excel
    files are both ZIP archives: a Word file holds word/document.xml (an Excel file
    xl/workbook.xml); an archive that is neither goes to the Excel reader, which refuses it."""
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        return "docx" if is_docx(data) else "xlsx"
    if data[:4] == OLE_MAGIC[:4]:  # Office 97-2003: each reader says to save as the new format
        return "docx" if name.endswith((".doc", ".docx")) else "xlsx"
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
    """The printable form: the documented keys, the type's own (`pairs` for matching),
    and our metadata only where a question has it."""
    result = {k: question[k] for k in SPEC_KEYS}
    result.update({k: question[k] for k in qtype_of(question["type"]).blank_fields()})
    for key in META_KEYS:
        if question.get(key) is not None and not (key == "topic" and question[key] == question["category"]):
            result[key] = question[key]
    if question.get("shuffle") is False:
        result["shuffle"] = False
    return result


def parse(data, fmt):
    """The questions of a file in a format; raises ParseError."""
    if fmt not in _READERS:
        raise ValueError(fmt)
    reader, reads_text = _READERS[fmt]
    return reader(decode_text(data) if reads_text else data)
