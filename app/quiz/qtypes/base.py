"""The base of every question type: a type that takes no response and grades 0."""
from dataclasses import dataclass


class Invalid(Exception):
    """One question's content that cannot be read: a file reader collects it with its
    line, the question edit form shows it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def answer(text, fraction, feedback=None):
    return {"text": text, "fraction": fraction, "feedback": feedback or None}


@dataclass
class AnswerEdit:
    """The answer part of the question edit form, cleaned: `options` [(text, right)] and
    `lines` without their blank ones, `truth` the true/false choice, `shuffle` the box."""

    options: list
    truth: bool
    lines: list
    shuffle: bool


class QuestionType:
    name = ""
    label = ""
    gradable = False  # a round can draw it and grade it by itself
    needs_text = True  # a question of this type without text is unusable
    template = "quiz/qtypes/none.html"  # Jinja macros `take(item, v, r)` and `review(item, v)`
    edit_widget = None  # the edit form's answer field: "options", "truth", "lines", or None (text only)
    edit_hint = ""  # what the "lines" field takes, shown under it

    def option_order(self, version):
        """The order options are shown in, before shuffling: only multichoice has one."""
        return []

    def from_displayed(self, option_order, raw):
        """A raw response as the page names it -> as the bank names it."""
        return raw

    def clean(self, version, raw):
        """A response with the shape this type needs, or None (treated as not answered)."""
        return None

    def mark(self, version, response):
        """The mark of a cleaned response, 0..1."""
        return 0.0

    def from_form(self, form, name):
        """The raw response in the no-JavaScript form (`form` a MultiDict, fields named
        `name` or `name.<i>`), or None when this type has no form fields."""
        return None

    def problems(self, question):
        """What makes a parsed question (a format dict) of this type unusable."""
        return []

    def blank_fields(self):
        """Keys a format dict of this type has beyond the common ones."""
        return {}

    def stored_data(self, question):
        """What a version keeps in its `data` JSON for a parsed question (a format dict).
        Stored rows hold exactly these keys: change them only with a migration."""
        return {"single": bool(question.get("single", True)), "shuffle": question.get("shuffle", True) is not False,
                "answers": question.get("answers") or []}

    # What the bank checker (app.quiz.banks.check) reads of a format dict.
    shows_options = False  # the student picks among options: the cues of option lists apply

    def keys(self, question):
        """The texts a student must give or pick: another question's stem that states one
        gives this question away."""
        return []

    def explained_by(self, question):
        """What the explanation must name: ("each" | "any" | "begins", texts), or None."""
        return None

    def format_fields(self, version):
        """The format dict's answer fields read back from a stored version (the inverse
        of `stored_data`)."""
        return {"single": version.single, "answers": version.answers, "shuffle": version.shuffle}

    def edit_values(self, question):
        """What the edit form's answer field shows for a format dict: {field name: value}."""
        return {}

    def from_edit(self, question, edit):
        """The format dict's answer fields after an edit (`edit` an AnswerEdit) of the
        question as it was (`question`, a format dict); raises Invalid."""
        return {}

    def sample_response(self, version, right):
        """A cleaned response that is right (grades 1) or wrong (below 1), for demo
        data; None for a type that takes no response."""
        return None


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def right_answers_problems(question):
    if not any(a["fraction"] >= 0.999 for a in question["answers"]):
        return ["không có đáp án đúng (100 %)"]
    return []
