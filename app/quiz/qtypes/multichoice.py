from app.quiz.qtypes.base import QuestionType, answer, is_int


class MultiChoice(QuestionType):
    name, label, gradable = "multichoice", "Trắc nghiệm", True
    template = "quiz/qtypes/multichoice.html"
    edit_widget = "options"

    shows_options = True

    def keys(self, question):
        return [a["text"] for a in question.get("answers") or [] if (a.get("fraction") or 0) > 0]

    def explained_by(self, question):
        return "each", self.keys(question)

    def option_order(self, version):
        return list(range(len(version.answers)))

    def from_displayed(self, option_order, raw):
        """The page names a choice by where it is shown (0 = the first option on screen),
        never by its place in the bank, which would tell the key: map it back through
        the attempt's stored option order."""
        if not isinstance(raw, dict) or not isinstance(raw.get("choices"), list):
            return raw
        order = option_order or []
        return {"choices": [order[c] for c in raw["choices"] if is_int(c) and 0 <= c < len(order)]}

    def clean(self, version, raw):
        if not isinstance(raw, dict):
            return None
        choices = raw.get("choices")
        if not isinstance(choices, list):
            return None
        count = len(version.answers)
        picked = sorted({c for c in choices if is_int(c) and 0 <= c < count})
        if version.single:
            picked = picked[:1]
        return {"choices": picked} if picked else None

    def mark(self, version, response):
        if not response:
            return 0.0
        answers, chosen = version.answers, set(response["choices"])
        if version.single:
            return max(0.0, max((answers[i]["fraction"] for i in chosen), default=0.0))
        if any(a["fraction"] < 0 for a in answers):
            # Weighted as Moodle does: the sum of the chosen weights, within 0..1.
            return min(1.0, max(0.0, sum(answers[i]["fraction"] for i in chosen)))
        # No negative weights (our banks): right only when exactly the right options are chosen.
        right = {i for i, a in enumerate(answers) if a["fraction"] > 0}
        return 1.0 if chosen == right else 0.0

    def from_form(self, form, name):
        # Displayed positions, as the JavaScript page sends them; from_displayed maps them back.
        return {"choices": [int(v) for v in form.getlist(name) if v.isdigit() and len(v) < 4]}

    def problems(self, question):
        answers, problems = question["answers"], []
        if len(answers) < 2:
            problems.append("câu trắc nghiệm cần ít nhất 2 phương án")
        elif any(not a["text"] for a in answers):
            problems.append("có phương án để trống")
        elif question["single"]:
            if not any(a["fraction"] >= 0.999 for a in answers):
                problems.append("không có phương án đúng (100 %)")
        else:
            positive = sum(a["fraction"] for a in answers if a["fraction"] > 0)
            if positive == 0:
                problems.append("không có phương án đúng")
            elif abs(positive - 1) > 0.01:
                problems.append(f"tổng điểm các phương án đúng là {positive * 100:g} %, phải là 100 %")
        if any(abs(a["fraction"]) > 1.0001 for a in answers):
            problems.append("trọng số phương án vượt quá 100 %")
        return problems

    def edit_values(self, question):
        return {"options": [{"text": a["text"], "right": a["fraction"] > 0} for a in question["answers"]]}

    def from_edit(self, question, edit):
        """The options as ticked: the right ones share 100 %. Unchanged texts and ticks keep
        the weights they had (a file may have given them partial or negative weights)."""
        current, options = question["answers"], edit.options
        if [(a["text"], a["fraction"] > 0) for a in current] == [(text, right) for text, right in options]:
            return {"answers": [dict(a) for a in current], "shuffle": edit.shuffle}
        rights = sum(1 for _, right in options if right)
        feedback = {a["text"]: a["feedback"] for a in current}
        answers = [answer(text, (1.0 / rights) if right else 0.0, feedback.get(text)) for text, right in options]
        return {"answers": answers, "single": rights == 1, "shuffle": edit.shuffle}

    def sample_response(self, version, right):
        fractions = [a["fraction"] for a in version.answers]
        if version.single:
            good = [fractions.index(max(fractions))]
        else:
            good = [i for i, fraction in enumerate(fractions) if fraction > 0]
        bad = [i for i, fraction in enumerate(fractions) if fraction <= 0] or good
        return {"choices": good if right else bad[:1]}
