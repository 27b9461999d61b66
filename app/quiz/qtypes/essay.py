from app.quiz.qtypes.base import QuestionType


class Essay(QuestionType):
    """Kept in banks and exports; graded by hand, so never drawn into a round."""

    name, label = "essay", "Tự luận"
    template = "quiz/qtypes/essay.html"


class Description(QuestionType):
    """Text only, no question (Moodle's description)."""

    name, label = "description", "Mô tả"
    needs_text = False
    template = "quiz/qtypes/description.html"
