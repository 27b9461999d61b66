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


def _digits(value):
    """A number for the edit form, to 12 significant digits: what a person typed reads
    back the same (with 6, 1234567 came back as 1234570), and a range's midpoint shows
    as 3.1415, not 3.1414999999999997."""
    return f"{value:.12g}"


class Numerical(TypedAnswer):
    """Answers are {"value", "tolerance", "fraction"}; a response within a tolerance earns its fraction."""

    name, label, gradable = "numerical", "Số", True
    template = "quiz/qtypes/numerical.html"
    key = "value"
    edit_hint = "Mỗi dòng một đáp án: giá trị ± sai số, ví dụ 3,14 ± 0,01"

    def mark(self, version, response):
        if not response:
            return 0.0
        try:
            value = to_number(response["value"])
        except (ValueError, ArithmeticError):
            return 0.0
        return max((a["fraction"] for a in version.answers
                    if a["value"] is not None and abs(value - a["value"]) <= a["tolerance"] + 1e-9), default=0.0)

    def explained_by(self, question):
        """The best value as a Vietnamese text would write it (2025, 3,5) or with a point."""
        values = [a["value"] for a in question.get("answers") or [] if a.get("value") is not None
                  and (a.get("fraction") or 0) >= 1]
        texts = [_digits(v) for v in values]
        return "any", texts + [t.replace(".", ",") for t in texts if "." in t]

    def edit_values(self, question):
        return {"lines": "\n".join(f"{_digits(a['value'])} ± {_digits(a['tolerance'])}"
                                   for a in question["answers"] if a["value"] is not None)}

    def from_edit(self, question, edit):
        """Each line 'value ± tolerance' (or a range 'low..high'), worth 100 %."""
        return {"answers": [parse_numeric_answer(line) for line in edit.lines]}

    def sample_response(self, version, right):
        """The best answer's value, or one past every accepted range."""
        answers = [a for a in version.answers if a["value"] is not None]
        if right:
            return {"value": repr(max(answers, key=lambda a: a["fraction"])["value"])}
        return {"value": repr(max(a["value"] + a["tolerance"] for a in answers) + 1)}
