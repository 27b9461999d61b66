"""Reports of wrong questions, the corrections applied to them, and the public notes
the results pages show. A correction is written only when applied (the dry run
writes nothing), and never changes afterwards: marks are a pure function of the
stored responses and the corrections of each question (app.corrections.regrade)."""
from sqlalchemy import CheckConstraint, Index

from app.core.timeutil import utcnow
from app.core.vocabulary import Vocabulary
from app.extensions import db


class CorrectionKind(Vocabulary):
    KEY = "key", "Sửa đáp án"
    ACCEPT = "accept", "Chấp nhận nhiều đáp án"
    VOID_FULL = "void_full", "Hủy câu hỏi: mọi bài được điểm câu này"
    VOID_DROP = "void_drop", "Hủy câu hỏi: không tính câu này vào tổng điểm"

    @property
    def voids(self):
        return self in (CorrectionKind.VOID_FULL, CorrectionKind.VOID_DROP)

    @property
    def public_sentence(self):
        """What the results pages say was done, with `{which}` naming the question."""
        return _PUBLIC_SENTENCES[self]


_PUBLIC_SENTENCES = {
    CorrectionKind.KEY: "đã sửa đáp án {which}",
    CorrectionKind.ACCEPT: "đã chấp nhận thêm đáp án đúng cho {which}",
    CorrectionKind.VOID_FULL: "đã hủy {which}: mọi bài làm có câu này được tính điểm câu đó",
    CorrectionKind.VOID_DROP: "đã hủy {which}: câu này không tính vào tổng điểm",
}


class ReportResolution(Vocabulary):
    CORRECTED = "corrected", "Đã điều chỉnh"
    DISMISSED = "dismissed", "Không điều chỉnh"


class Correction(db.Model):
    """A correction applied to a question. A new key writes a new version (`version_id`:
    the same options in the same order, new weights) and covers the versions numbered up
    to it; several accepted answers (their weights in `data`) and a void keep the
    versions and cover those up to the one corrected (`from_version_id`). A later edit of
    the question is not covered."""

    __tablename__ = "correction"
    __table_args__ = (
        CorrectionKind.check("kind"),
        CheckConstraint("covers_up_to >= 1", name="covers_positive"),
        Index("ix_correction_question", "question_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    from_version_id = db.Column(db.Integer, db.ForeignKey("question_version.id", ondelete="CASCADE"), nullable=False)
    version_id = db.Column(db.Integer, db.ForeignKey("question_version.id", ondelete="CASCADE"))
    covers_up_to = db.Column(db.Integer, nullable=False)  # version numbers 1..covers_up_to
    # The corrected options ({"answers": [...], "single": ...}, as a version's data): of the
    # version written for a new key; for accepted answers, the only place they are kept.
    data = db.Column(db.JSON)
    reason = db.Column(db.Text, nullable=False)
    # What the dry run counted when it was applied: {"attempts": n, "scores": n, "ranks": n, ...}
    summary = db.Column(db.JSON, nullable=False, default=dict)
    applied_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    applied_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    question = db.relationship("Question")
    from_version = db.relationship("QuestionVersion", foreign_keys=[from_version_id])
    version = db.relationship("QuestionVersion", foreign_keys=[version_id])
    applied_by = db.relationship("User")

    @property
    def kind_enum(self):
        return CorrectionKind(self.kind)

    @property
    def kind_label(self):
        return CorrectionKind.label_of(self.kind)


class CorrectionNote(db.Model):
    """A correction named on the results pages of a round that drew the question, and of
    the round's contest."""

    __tablename__ = "correction_note"
    __table_args__ = (
        Index("ix_correction_note_contest", "contest_id", "round_id"),
        Index("ix_correction_note_round", "round_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    correction_id = db.Column(db.Integer, db.ForeignKey("correction.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), nullable=False)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"), nullable=False)

    correction = db.relationship("Correction", lazy="joined", innerjoin=True)
    round = db.relationship("Round")


class QuestionReport(db.Model):
    """Someone says a question is wrong: a student from the review of their attempt, or
    staff from the question's page. One open report per person and question. The
    reason is for staff only; a student's name is shown only to staff who may see them."""

    __tablename__ = "question_report"
    __table_args__ = (
        Index("uq_question_report_open", "reporter_id", "question_id", unique=True,
              sqlite_where=db.text("closed_at IS NULL"), postgresql_where=db.text("closed_at IS NULL")),
        Index("ix_question_report_question", "question_id", "closed_at"),
        Index("ix_question_report_reporter", "reporter_id", "created_at"),
        ReportResolution.check("resolution", nullable=True),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False)
    version_id = db.Column(db.Integer, db.ForeignKey("question_version.id", ondelete="CASCADE"))  # what they saw
    attempt_id = db.Column(db.Integer, db.ForeignKey("attempt.id", ondelete="SET NULL"), index=True)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="SET NULL"))
    reporter_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), index=True)
    reason = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    closed_at = db.Column(db.DateTime)
    closed_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    resolution = db.Column(db.String(10))
    correction_id = db.Column(db.Integer, db.ForeignKey("correction.id", ondelete="SET NULL"))

    reporter = db.relationship("User", foreign_keys=[reporter_id])
    student = db.relationship("Student")
    round = db.relationship("Round")
    version = db.relationship("QuestionVersion")

    @property
    def resolution_label(self):
        return ReportResolution.label_of(self.resolution) if self.resolution else None
