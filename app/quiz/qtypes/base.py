"""The base of every question type: a type that takes no response and grades 0."""


class Invalid(Exception):
    """One question's content that cannot be read: a file reader collects it with its
    line, the question edit form shows it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def answer(text, fraction, feedback=None):
    return {"text": text, "fraction": fraction, "feedback": feedback or None}


class QuestionType:
    name = ""
    label = ""
    gradable = False  # a round can draw it and grade it by itself
    needs_text = True  # a question of this type without text is unusable
    template = "quiz/qtypes/none.html"  # Jinja macros `take(item, v, r)` and `review(item, v)`

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


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def right_answers_problems(question):
    if not any(a["fraction"] >= 0.999 for a in question["answers"]):
        return ["không có đáp án đúng (100 %)"]
    return []
