from decimal import Decimal

from app.quiz.qtypes.shortanswer import TypedAnswer


def to_number(text):
    """A number as written in a question file or typed in an answer; accepts a decimal comma ('3,5')."""
    text = str(text).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(Decimal(text))


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
