"""Keeping `participation` in step with the attempts: one upsert in the transaction
that finishes an attempt, and a rebuild from the attempts for repairs."""
from sqlalchemy import case, delete, func, select, text

from app.coverage.models import Participation
from app.extensions import db

REBUILD_SQL = """
INSERT INTO participation (contest_id, student_id, attempts, first_at, best_percent, passed_at)
SELECT r.contest_id, a.student_id, COUNT(*), MIN(a.submitted_at), MAX(100.0 * a.score / a.max_score),
       MIN(CASE WHEN 100.0 * a.score / a.max_score >= r.passing_score THEN a.submitted_at END)
FROM attempt a JOIN round r ON r.id = a.round_id
WHERE a.submitted_at IS NOT NULL AND r.practice = FALSE AND a.max_score > 0 {where}
GROUP BY r.contest_id, a.student_id
"""


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Participation)


def record_finished(attempt):
    """Count a just-finished attempt of a ranked round toward its student's participation."""
    round_ = attempt.round
    if round_.practice or not attempt.max_score:
        return
    percent = 100.0 * (attempt.score or 0) / attempt.max_score
    passed_at = attempt.submitted_at if percent >= round_.passing_score else None
    table = Participation.__table__
    statement = _insert().values(contest_id=round_.contest_id, student_id=attempt.student_id, attempts=1,
                                 first_at=attempt.submitted_at, best_percent=percent, passed_at=passed_at)
    new = statement.excluded
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.contest_id, table.c.student_id],
        set_={"attempts": table.c.attempts + 1,
              "first_at": case((new.first_at < table.c.first_at, new.first_at), else_=table.c.first_at),
              "best_percent": case((new.best_percent > table.c.best_percent, new.best_percent),
                                   else_=table.c.best_percent),
              "passed_at": case((table.c.passed_at.is_(None), new.passed_at),
                                (new.passed_at < table.c.passed_at, new.passed_at), else_=table.c.passed_at)}))


def rebuild(contest_id=None):
    """Recompute participation from the attempts (one contest, or all); returns the row count."""
    removed = delete(Participation)
    where = ""
    params = {}
    if contest_id is not None:
        removed = removed.where(Participation.contest_id == contest_id)
        where, params = "AND r.contest_id = :contest_id", {"contest_id": contest_id}
    db.session.execute(removed)
    db.session.execute(text(REBUILD_SQL.format(where=where)), params)
    query = select(func.count()).select_from(Participation)
    if contest_id is not None:
        query = query.where(Participation.contest_id == contest_id)
    return db.session.execute(query).scalar()
