"""Question banks. A question keeps every version it has had: an edit adds a version,
and attempts point at the version they were given, so retiring or editing a
question never changes a past attempt."""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint, and_
from sqlalchemy.orm import foreign

from app.core.text import fold, text_sort_key
from app.core.timeutil import utcnow
from app.extensions import db
from app.quiz.formats import DIFFICULTIES, DIFFICULTY_LABELS, LEVEL_LABELS, LEVELS, TYPE_LABELS, TYPES

_TYPES_SQL = ", ".join(f"'{t}'" for t in TYPES)


class QuestionBank(db.Model):
    """A bank belongs to a unit (a Sở's bank, a school's bank); everyone in that
    unit's part of the tree can use it, its staff can change it."""

    __tablename__ = "question_bank"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit")


class Question(db.Model):
    """What a round draws by: topic, level, difficulty, type; the text lives in versions."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("bank_id", "key", name="uq_question_bank_key"),
        CheckConstraint(f"qtype IN ({_TYPES_SQL})", name="qtype"),
        CheckConstraint("level IN ('THCS', 'THPT', 'all')", name="level"),
        CheckConstraint("difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_question_draw", "bank_id", "retired_at", "topic", "difficulty"),
        Index("ix_question_bank_hash", "bank_id", "content_hash"),
    )

    id = db.Column(db.Integer, primary_key=True)
    bank_id = db.Column(db.Integer, db.ForeignKey("question_bank.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(64))
    topic = db.Column(db.String(200), nullable=False)
    level = db.Column(db.String(8), nullable=False, default="all")
    difficulty = db.Column(db.String(8), nullable=False, default="medium")
    qtype = db.Column(db.String(20), nullable=False)
    version = db.Column(db.Integer, nullable=False, default=1)  # the current version's number
    content_hash = db.Column(db.String(64), nullable=False)
    search_text = db.Column(db.Text, nullable=False, default="")
    sort_key = db.Column(db.String(1200), nullable=False, default="")
    retired_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    bank = db.relationship("QuestionBank", backref=db.backref("questions", lazy="dynamic"))
    current = db.relationship(
        "QuestionVersion", uselist=False, viewonly=True, lazy="joined",
        primaryjoin=lambda: and_(foreign(QuestionVersion.question_id) == Question.id,
                                 foreign(QuestionVersion.number) == Question.version),
    )
    versions = db.relationship("QuestionVersion", order_by="QuestionVersion.number",
                               back_populates="question", cascade="all, delete-orphan")

    @property
    def type_label(self):
        return TYPE_LABELS.get(self.qtype, self.qtype)

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def difficulty_label(self):
        return DIFFICULTY_LABELS.get(self.difficulty, self.difficulty)

    def index_text(self, text):
        self.search_text = fold(" ".join(filter(None, [self.key, self.topic, text])))
        self.sort_key = text_sort_key(text[:300])


class QuestionVersion(db.Model):
    """One version of a question, never changed once an attempt may use it."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number", name="uq_question_version_number"),)

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    qtype = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(255))
    text = db.Column(db.Text, nullable=False)
    text_format = db.Column(db.String(10), nullable=False, default="moodle")
    # answers / pairs / single / shuffle, as in the format dicts (app.quiz.formats).
    data = db.Column(db.JSON, nullable=False)
    explanation = db.Column(db.Text)
    source = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    question = db.relationship("Question", back_populates="versions")
    created_by = db.relationship("User")

    @property
    def answers(self):
        return self.data.get("answers", [])

    @property
    def pairs(self):
        return self.data.get("pairs", [])

    @property
    def single(self):
        return self.data.get("single", True)

    @property
    def shuffle(self):
        return self.data.get("shuffle", True)


__all__ = ["QuestionBank", "Question", "QuestionVersion", "LEVELS", "DIFFICULTIES"]
