import re

from app.core.text import nfc
from app.quiz.qtypes.base import QuestionType, answer, right_answers_problems

MAX_TEXT = 200


class TypedAnswer(QuestionType):
    """A line the student types, sent under `key`."""

    key = "text"
    edit_widget = "lines"

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
    edit_hint = "Mỗi dòng một đáp án được chấp nhận"

    def mark(self, version, response):
        if not response:
            return 0.0
        return max((a["fraction"] for a in version.answers if wildcard(a["text"], response["text"])), default=0.0)

    def keys(self, question):
        return [a["text"] for a in question.get("answers") or [] if (a.get("fraction") or 0) >= 1][:1]

    def explained_by(self, question):
        return "any", [a["text"].replace("*", "") for a in question.get("answers") or [] if (a.get("fraction") or 0) > 0]

    def edit_values(self, question):
        return {"lines": "\n".join(a["text"] for a in question["answers"])}

    def from_edit(self, question, edit):
        """Each line an accepted answer, worth 100 %."""
        return {"answers": [answer(line, 1.0) for line in edit.lines]}

    def sample_response(self, version, right):
        """The best answer as written (its '*' matches itself), or a text that only a bare
        '*' would accept."""
        if right:
            return {"text": max(version.answers, key=lambda a: a["fraction"])["text"]}
        return {"text": "?"}
