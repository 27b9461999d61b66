"""Keeping `participation` in step with the attempts: one upsert in the transaction
that finishes an attempt, and a rebuild from the attempts for repairs."""
from sqlalchemy import bindparam, case, func, select, text, union
from sqlalchemy.dialects import postgresql, sqlite

from app.coverage.models import Participation
from app.quiz.models import Attempt, Round
from app.extensions import db

# The participation of some students (and one contest, or all), counted from their
# finished attempts of ranked rounds and written over what is stored.
RECOUNT_SQL = """
INSERT INTO participation (contest_id, student_id, attempts, first_at, best_percent, passed_at)
SELECT r.contest_id, a.student_id, COUNT(*), MIN(a.submitted_at), MAX(100.0 * a.score / a.max_score),
       MIN(CASE WHEN 100.0 * a.score / a.max_score >= r.passing_score THEN a.submitted_at END)
FROM attempt a JOIN round r ON r.id = a.round_id
WHERE a.submitted_at IS NOT NULL AND r.practice = FALSE AND a.max_score > 0
  AND a.student_id IN :students {contest}
GROUP BY r.contest_id, a.student_id
ON CONFLICT (contest_id, student_id) DO UPDATE SET attempts = excluded.attempts, first_at = excluded.first_at,
  best_percent = excluded.best_percent, passed_at = excluded.passed_at
"""
# The same students' rows that no finished attempt supports any more.
STALE_SQL = """
DELETE FROM participation WHERE student_id IN :students {contest} AND NOT EXISTS (
  SELECT 1 FROM attempt a JOIN round r ON r.id = a.round_id
  WHERE a.student_id = participation.student_id AND r.contest_id = participation.contest_id
    AND a.submitted_at IS NOT NULL AND r.practice = FALSE AND a.max_score > 0)
"""
# Before the recount, the students' attempts are locked FOR SHARE (PostgreSQL): a submit in
# flight finishes first, and none lands between the recount and its write.
LOCK_SQL = "SELECT a.id FROM attempt a JOIN round r ON r.id = a.round_id WHERE a.student_id IN :students {contest} FOR SHARE OF a"
REBUILD_BATCH = 2000


def _insert():
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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


def _scoped(sql, contest_id, column="r.contest_id"):
    statement = text(sql.format(contest=f"AND {column} = :contest_id" if contest_id is not None else ""))
    return statement.bindparams(bindparam("students", expanding=True))


def recount(student_ids, contest_id=None):
    """Recompute the participation of these students (in one contest, or all) from their
    attempts, in the caller's transaction."""
    if not student_ids:
        return
    params = {"students": list(student_ids), "contest_id": contest_id}
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_scoped(LOCK_SQL, contest_id), params)
    db.session.execute(_scoped(RECOUNT_SQL, contest_id), params)
    db.session.execute(_scoped(STALE_SQL, contest_id, "participation.contest_id"), params)


def rebuild(contest_id=None, batch=REBUILD_BATCH, commit=None, progress=None):
    """Recompute participation from the attempts (one contest, or all), a batch of students at a
    time, each batch committed by `commit` (the CLI passes the session's commit): a submit waits
    at most for one batch, never for the whole rebuild, and two rebuilds at once both succeed
    (upserts, no delete-then-insert). `progress(done, total)` counts students. Returns the
    number of participation rows in the scope."""
    attempts = select(Attempt.student_id).join(Round, Round.id == Attempt.round_id)
    stored = select(Participation.student_id)
    if contest_id is not None:
        attempts = attempts.where(Round.contest_id == contest_id)
        stored = stored.where(Participation.contest_id == contest_id)
    students = union(attempts, stored).subquery()
    total = db.session.execute(select(func.count()).select_from(students)).scalar() if progress else 0
    last, done = 0, 0
    while True:
        ids = db.session.execute(select(students.c.student_id).where(students.c.student_id > last)
                                 .order_by(students.c.student_id).limit(batch)).scalars().all()
        if not ids:
            break
        recount(ids, contest_id)
        if commit is not None:
            commit()
        last, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done, total)
    query = select(func.count()).select_from(Participation)
    if contest_id is not None:
        query = query.where(Participation.contest_id == contest_id)
    return db.session.execute(query).scalar()
