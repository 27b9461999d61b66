"""Participation kept at submit and rebuilt from the attempts (app/coverage/participation.py)."""
import time
from datetime import timedelta

from sqlalchemy import select

from app.core.timeutil import utcnow
from app.coverage import participation
from app.coverage.models import Participation
from app.quiz.contests.services import create_contest
from app.quiz.models import Round


def _rows(db):
    return sorted((p.contest_id, p.student_id, p.attempts, p.first_at, round(p.best_percent, 6), p.passed_at)
                  for p in db.session.execute(select(Participation)).scalars())


def test_a_batched_rebuild_repairs_wrong_missing_and_stale_rows(province, db):
    kept = _rows(db)
    rows = db.session.execute(select(Participation).order_by(Participation.student_id)).scalars().all()
    rows[0].attempts = 99
    db.session.delete(rows[1])
    never_took = province.people["11A1"][0]
    db.session.add(Participation(contest_id=province.contest.id, student_id=never_took.id, attempts=1,
                                 first_at=utcnow(), best_percent=100.0))
    db.session.commit()
    commits = []
    assert participation.rebuild(batch=2, commit=lambda: commits.append(1)) == 6
    assert _rows(db) == kept
    assert len(commits) == 4  # 7 students (6 who took part, the stale row's one), 2 a batch


def test_a_rebuild_of_one_contest_leaves_the_others_alone(province, db):
    other = create_contest(None, province.contest.unit, province.contest.bank, code="KHAC", name="Khác",
                           school_year=province.contest.school_year)
    student = province.people["10B1"][3]
    db.session.add(Participation(contest_id=other.id, student_id=student.id, attempts=1, first_at=utcnow(),
                                 best_percent=50.0))
    db.session.commit()
    assert participation.rebuild(province.contest.id) == 6
    assert db.session.execute(select(Participation.student_id).where(Participation.contest_id == other.id)
                              ).scalars().all() == [student.id]
    assert participation.rebuild() == 6  # the whole rebuild drops the row no attempt supports


def test_two_rebuilds_at_once_both_finish_and_a_submit_meanwhile_is_counted(province, db, answer_round, at_once):
    """Two hosts' cron run a rebuild at the same moment while students submit: no
    UniqueViolation, and the submit in the middle of them is neither lost nor kept waiting
    for a whole rebuild (each batch is its own short transaction)."""
    kept = _rows(db)
    late = province.people["10A1"][3]
    round_id = province.round.id

    def rebuild():
        def slow_commit():
            db.session.commit()
            time.sleep(0.05)
        participation.rebuild(batch=1, commit=slow_commit)
        return time.monotonic()

    def submit():
        time.sleep(0.1)
        answer_round(late, db.session.get(Round, round_id), (True, True), utcnow() - timedelta(seconds=90))
        db.session.commit()
        return time.monotonic()

    first, second, submitted = at_once(rebuild, rebuild, submit)
    assert all(isinstance(t, float) for t in (first, second, submitted)), (first, second, submitted)
    assert submitted < max(first, second)  # the submit did not wait for the rebuilds
    rows = _rows(db)
    assert len(rows) == len(kept) + 1
    assert [r[2] for r in rows if r[1] == late.id] == [1]


def test_the_admin_rebuilds_from_the_page_as_a_job_and_nobody_else_may(client, login, province, make_user, tree, db):
    kept = _rows(db)
    db.session.query(Participation).delete()
    db.session.commit()
    login(make_user("department", tree.so))
    assert "Tính lại số liệu tham gia" not in client.get(f"/coverage/units/{tree.so.id}").get_data(as_text=True)
    assert client.post("/coverage/rebuild").status_code == 404
    assert _rows(db) == []
    login(make_user("admin"))
    page = client.get(f"/coverage/units/{tree.so.id}").get_data(as_text=True)
    assert "Tính lại số liệu tham gia" in page
    started = client.post("/coverage/rebuild")
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    state = client.get(started.headers["Location"], headers={"Accept": "application/json"}).get_json()
    assert (state["status"], state["done"], state["total"]) == ("done", 6, 6)
    assert state["message"] == "Đã tính lại: 6 học sinh tham gia."
    assert _rows(db) == kept
