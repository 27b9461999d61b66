from app.quiz.qtypes.base import QuestionType, answer


def truefalse_answers(correct, true_feedback=None, false_feedback=None):
    return [answer("true", 1.0 if correct else 0.0, true_feedback),
            answer("false", 0.0 if correct else 1.0, false_feedback)]


class TrueFalse(QuestionType):
    """Stored as two answers, "true" then "false", the right one with fraction 1."""

    name, label, gradable = "truefalse", "Đúng/Sai", True
    template = "quiz/qtypes/truefalse.html"
    edit_widget = "truth"

    def explained_by(self, question):
        truth = (question.get("answers") or [{}])[0].get("fraction", 0) > 0
        return "begins", ["Đúng" if truth else "Sai"]

    def clean(self, version, raw):
        if not isinstance(raw, dict):
            return None
        value = raw.get("value")
        return {"value": value} if isinstance(value, bool) else None

    def mark(self, version, response):
        if not response:
            return 0.0
        return max(0.0, version.answers[0 if response["value"] else 1]["fraction"])

    def from_form(self, form, name):
        return {"value": {"true": True, "false": False}.get(form.get(name))}

    def edit_values(self, question):
        return {"truth": "true" if question["answers"][0]["fraction"] > 0 else "false"}

    def from_edit(self, question, edit):
        return {"answers": truefalse_answers(edit.truth)}

    def sample_response(self, version, right):
        truth = version.answers[0]["fraction"] > 0
        return {"value": truth if right else not truth}
