import re
from decimal import Decimal

from app.quiz.qtypes.base import Invalid
from app.quiz.qtypes.shortanswer import TypedAnswer

_RANGE = re.compile(r"^(.+?)\s*\.\.\s*(.+)$")
_TOLERANCE = re.compile(r"^(.+?)\s*(?:±|\+/-|:)\s*(.+)$")


def to_number(text):
    """A number as written in a question file or typed in an answer; accepts a decimal comma ('3,5')."""
    text = str(text).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(Decimal(text))


def numeric_answer(value, tolerance, fraction=1.0, feedback=None):
    return {"value": value, "tolerance": tolerance, "fraction": fraction, "feedback": feedback or None}


def parse_numeric_answer(text):
    """'3,14 ± 0,01' (or '+/-', ':'), '1..5' or '42' -> an answer worth 100 %: the
    syntax of the Excel template's answer cell and of the edit form's lines."""
    text = text.strip()
    try:
        match = _RANGE.match(text)
        if match:
            low, high = to_number(match.group(1)), to_number(match.group(2))
            return numeric_answer((low + high) / 2, (high - low) / 2)
        match = _TOLERANCE.match(text)
        if match and match.group(1).strip() not in ("", "-"):
            return numeric_answer(to_number(match.group(1)), abs(to_number(match.group(2))))
        return numeric_answer(to_number(text), 0.0)
    except (ValueError, ArithmeticError):
        raise Invalid(f"đáp án số “{text}” không phải là số") from None


class Numerical(TypedAnswer):
    """Answers are {"value", "tolerance", "fraction"}; a response within a tolerance earns its fraction."""

    name, label, gradable = "numerical", "Số", True
    template = "quiz/qtypes/numerical.html"
    key = "value"

    def mark(self, version, response):
        if not response:
            return 0.0
        try:
            value = to_number(response["value"])
        except (ValueError, ArithmeticError):
            return 0.0
        return max((a["fraction"] for a in version.answers
                    if a["value"] is not None and abs(value - a["value"]) <= a["tolerance"] + 1e-9), default=0.0)
