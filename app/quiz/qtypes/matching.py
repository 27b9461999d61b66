from app.quiz.qtypes.base import Invalid, QuestionType


class Matching(QuestionType):
    """`pairs` [[left, right], ...]; a pair with an empty left is a distractor on the right."""

    name, label, gradable = "matching", "Ghép đôi", True
    template = "quiz/qtypes/matching.html"
    edit_widget = "lines"
    edit_hint = "Mỗi dòng một cặp: vế trái -> vế phải"

    def clean(self, version, raw):
        if not isinstance(raw, dict):
            return None
        pairs = raw.get("pairs")
        if not isinstance(pairs, dict):
            return None
        rights = {right for _, right in version.pairs}
        count = len(version.pairs)
        kept = {str(k): v for k, v in pairs.items()
                if str(k).isdigit() and int(k) < count and isinstance(v, str) and v in rights}
        return {"pairs": kept} if kept else None

    def mark(self, version, response):
        if not response:
            return 0.0
        pairs = [(i, right) for i, (left, right) in enumerate(version.pairs) if left]
        if not pairs:
            return 0.0
        given = response["pairs"]
        return sum(1 for i, right in pairs if given.get(str(i)) == right) / len(pairs)

    def from_form(self, form, name):
        prefix = name + "."
        return {"pairs": {k[len(prefix):]: v for k, v in form.items() if k.startswith(prefix) and v}}

    def problems(self, question):
        problems = []
        if len([p for p in question["pairs"] if p[0]]) < 2:
            problems.append("câu ghép đôi cần ít nhất 2 cặp")
        if any(not right for _, right in question["pairs"]):
            problems.append("có cặp ghép đôi thiếu vế phải")
        return problems

    def blank_fields(self):
        return {"pairs": []}

    def stored_data(self, question):
        return dict(super().stored_data(question), pairs=[list(p) for p in question.get("pairs") or []])

    def format_fields(self, version):
        return dict(super().format_fields(version), pairs=version.pairs)

    def edit_values(self, question):
        return {"lines": "\n".join(f"{left} -> {right}" for left, right in question["pairs"])}

    def from_edit(self, question, edit):
        """Each line 'left -> right'; '-> right' alone is a distractor."""
        pairs = []
        for line in edit.lines:
            if "->" not in line:
                raise Invalid(f"dòng “{line}” cần có dạng “vế trái -> vế phải”")
            left, _, right = line.partition("->")
            pairs.append([left.strip(), right.strip()])
        return {"pairs": pairs}

    def sample_response(self, version, right):
        """Every left side with its own right side, or each with the next one's."""
        pairs = [(i, side) for i, (left, side) in enumerate(version.pairs) if left]
        sides = [side for _, side in pairs]
        return {"pairs": {str(i): side if right else sides[(n + 1) % len(sides)] for n, (i, side) in enumerate(pairs)}}
