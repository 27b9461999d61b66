from app.quiz.qtypes.base import QuestionType


class Matching(QuestionType):
    """`pairs` [[left, right], ...]; a pair with an empty left is a distractor on the right."""

    name, label, gradable = "matching", "Ghép đôi", True
    template = "quiz/qtypes/matching.html"

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
