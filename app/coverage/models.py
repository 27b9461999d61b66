"""What coverage is computed from: one row per student and contest that the student
took part in (kept up to date in the transaction that finishes an attempt, so it is
never stale), and the targets. (The prizes fixed at publication are a contest's
results: app.quiz.models.Award.)"""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from app.core.vocabulary import Stage
from app.extensions import db

STAGES = Stage.values()
# Decision 1588/QĐ-TTg: 80 % of THPT students by 2025, 100 % by 2030; a migration loads them.
NATIONAL_TARGETS = (("THPT", 2025, 80.0), ("THPT", 2030, 100.0))


class Participation(db.Model):
    """A student's finished attempts in a contest's ranked rounds, summed up: how many,
    the first, the best score (percent of the maximum), the first that passed its
    round's passing score. Rebuilt from the attempts by `flask coverage rebuild`."""

    __tablename__ = "participation"
    __table_args__ = (Index("ix_participation_student", "student_id"),)

    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), primary_key=True)
    attempts = db.Column(db.Integer, nullable=False)
    first_at = db.Column(db.DateTime, nullable=False)
    best_percent = db.Column(db.Float, nullable=False)
    passed_at = db.Column(db.DateTime)


class CoverageTarget(db.Model):
    """The share of students of a stage to reach from a school year on: 80 % of THPT
    from 2025, 100 % from 2030 (Decision 1588) for every Sở (unit None), or a Sở's own."""

    __tablename__ = "coverage_target"
    __table_args__ = (
        UniqueConstraint("unit_id", "stage", "year", name="uq_coverage_target"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        Stage.check("stage"),
    )

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"))
    stage = db.Column(db.String(8), nullable=False)
    year = db.Column(db.Integer, nullable=False)  # the school year it applies from (2025: 2025-2026)
    percent = db.Column(db.Float, nullable=False)
