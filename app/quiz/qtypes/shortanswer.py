import re
from decimal import Decimal

from app.core.text import nfc
from app.quiz.qtypes.base import Invalid, QuestionType, answer, right_answers_problems

MAX_TEXT = 200
# An edit form line's weight, after its answer: "V-NeID (50 %)", "2024 ± 1 (50%)".
_LINE_WEIGHT = re.compile(r"^(.*?)\s*\(\s*(-?[0-9]{1,3}(?:[.,][0-9]+)?)\s*%\s*\)$")


def _percent(fraction):
    return f"{fraction * 100:.7g}"


class TypedAnswer(QuestionType):
    """A line the student types, sent under `key`.

    The edit form shows one answer a line (`answer_line`), with its weight after it when
    the answer is not worth the usual (`default_fraction`): "V-NeID (50 %)". Saving keeps
    each answer whose line is unchanged exactly as it was (its weight, its feedback, its
    value to the last digit), and the feedback of an answer whose weight alone changed."""

    key = "text"
    edit_widget = "lines"

    def answer_line(self, a):
        """An answer as the edit form writes it, without its weight."""
        return a["text"]

    def default_fraction(self, text):
        """What a line without a weight is worth."""
        return 1.0

    def read_line(self, text, fraction):
        """An answer from a line of the edit form (its weight taken off); raises Invalid."""
        return answer(text, fraction)

    def same_answer(self, a, b):
        return a["text"] == b["text"]

    def edit_line(self, a):
        text = self.answer_line(a)
        if a["fraction"] == self.default_fraction(text):
            return text
        return f"{text} ({_percent(a['fraction'])} %)"

    def edit_values(self, question):
        return {"lines": "\n".join(self.edit_line(a) for a in question["answers"])}

    def from_edit(self, question, edit):
        unused, answers = list(question["answers"]), []
        for line in edit.lines:
            index = next((i for i, a in enumerate(unused) if self.edit_line(a) == line), None)
            if index is not None:
                answers.append(dict(unused.pop(index)))
                continue
            text, fraction = self._weighed(line)
            new = self.read_line(text, fraction)
            index = next((i for i, a in enumerate(unused) if self.same_answer(a, new)), None)
            answers.append(dict(unused.pop(index), fraction=new["fraction"]) if index is not None else new)
        return {"answers": answers}

    def _weighed(self, line):
        match = _LINE_WEIGHT.match(line)
        if not match:
            return line, self.default_fraction(line)
        text, percent = match.group(1), match.group(2)
        fraction = float(Decimal(percent.replace(",", ".")) / 100)  # the pattern took only digits
        if not text:
            raise Invalid(f"dòng “{line}” có điểm mà không có đáp án")
        if abs(fraction) > 1:
            raise Invalid(f"điểm “{percent} %” của “{text}” phải từ -100 % đến 100 %")
        return text, fraction

    def clean(self, version, raw):
        if not isinstance(raw, dict):
            return None
        value = raw.get(self.key)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None
        value = nfc(str(value))[:MAX_TEXT]
        return {self.key: value} if value else None

    def from_form(self, form, name):
        return {self.key: form.get(name, "")}

    def problems(self, question):
        return right_answers_problems(question)


def _normal(text):
    return " ".join(nfc(text).casefold().split())


def wildcard(pattern, text):
    """Moodle's shortanswer '*' wildcard, case and spacing ignored."""
    regex = ".*".join(re.escape(part) for part in _normal(pattern).split("*"))
    return re.fullmatch(regex, _normal(text)) is not None


class ShortAnswer(TypedAnswer):
    name, label, gradable = "shortanswer", "Trả lời ngắn", True
    template = "quiz/qtypes/shortanswer.html"
    key = "text"
    edit_hint = ("Mỗi dòng một đáp án được chấp nhận; đáp án chỉ được một phần điểm ghi thêm điểm "
                 "sau nó, ví dụ V-NeID (50 %)")

    def mark(self, version, response):
        if not response:
            return 0.0
        return max((a["fraction"] for a in version.answers if wildcard(a["text"], response["text"])), default=0.0)

    def keys(self, question):
        return [a["text"] for a in question.get("answers") or [] if (a.get("fraction") or 0) >= 1][:1]

    def explained_by(self, question):
        return "any", [a["text"].replace("*", "") for a in question.get("answers") or [] if (a.get("fraction") or 0) > 0]

    def sample_response(self, version, right):
        """The best answer as written (its '*' matches itself), or a text that only a bare
        '*' would accept."""
        if right:
            return {"text": max(version.answers, key=lambda a: a["fraction"])["text"]}
        return {"text": "?"}
