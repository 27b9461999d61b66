"""Jobs (app/jobs): started, run, shown, requeued after a dead worker, purged."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.core.storage import get_storage
from app.core.timeutil import utcnow
from app.jobs import services
from app.jobs.models import Job, JobStatus

def test_without_redis_a_job_runs_when_it_is_started_and_keeps_its_file(teacher, db, job_runs):
    job = services.start_job(teacher, "test.count", {"n": 5}, "Đếm")
    assert (job.status, job.done, job.total, job.percent, job.tries) == ("done", 5, 5, 100, 1)
    assert job.message == "Đã đếm 5 số." and job.result_name == "Số đếm.txt"
    assert get_storage().read_bytes(job.result_key) == b"0\n1\n2\n3\n4"
    assert job.expires_at > utcnow() + timedelta(hours=40)
    assert len(job.id) == 32 and job_runs == [job.id]


def test_a_refusal_shows_its_message_and_a_crash_a_general_one(teacher, db, caplog):
    refused = services.start_job(teacher, "test.refuse", {}, "Cấp giấy")
    assert (refused.status, refused.message) == ("failed", "Chưa có mẫu giấy chứng nhận.")
    crashed = services.start_job(teacher, "test.crash", {}, "Xuất")
    assert (crashed.status, crashed.message) == ("failed", services.FAILED_MESSAGE)
    assert "boom" in caplog.text  # the error is logged for the operator, not shown


def test_an_unknown_kind_is_refused_before_anything_is_stored(teacher, db):
    with pytest.raises(ValueError):
        services.start_job(teacher, "test.nothing", {}, "?")
    assert db.session.query(Job).count() == 0


def _running(db, teacher, heartbeat_age, tries=1):
    job = Job(id="a" * 32, kind="test.count", params={"n": 3}, title="Đếm", user_id=teacher.id,
              status=JobStatus.RUNNING, tries=tries, heartbeat_at=utcnow() - heartbeat_age)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_with_a_live_heartbeat_is_not_taken_twice(teacher, db, job_runs):
    _running(db, teacher, timedelta(seconds=5))
    assert services.claim("a" * 32, utcnow()) is False
    assert services.requeue_stale(utcnow()) == []
    assert job_runs == []


def test_a_dead_workers_job_is_put_back_and_runs_again_to_the_right_count(teacher, db, job_runs):
    job = _running(db, teacher, timedelta(minutes=5))
    assert services.requeue_stale(utcnow()) == [job.id]
    db.session.refresh(job)
    assert (job.status, job.done, job.tries, job.message) == ("done", 3, 2, "Đã đếm 3 số.")
    assert job_runs == [job.id]


def test_a_job_interrupted_too_often_fails_with_a_message(teacher, db, app, job_runs):
    job = _running(db, teacher, timedelta(minutes=5), tries=app.config["JOB_MAX_TRIES"])
    assert services.requeue_stale(utcnow()) == []
    db.session.refresh(job)
    assert job.status == "failed" and "gián đoạn" in job.message and job_runs == []


def test_purge_removes_expired_files_and_old_rows_after_the_commit(teacher, db):
    kept = services.start_job(teacher, "test.count", {"n": 2}, "Mới")
    old = services.start_job(teacher, "test.count", {"n": 2}, "Cũ")
    gone_key = old.result_key
    db.session.execute(update(Job).where(Job.id == old.id).values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert services.purge_expired(utcnow()) == 1
    assert not get_storage().exists(gone_key) and get_storage().exists(kept.result_key)
    assert db.session.get(Job, old.id).result_key is None
    assert services.purge_expired(utcnow() + timedelta(days=31)) == 1  # the row itself, and its file
    assert db.session.query(Job).count() == 0


def test_progress_commits_without_making_the_job_read_its_rows_again(teacher, db, app):
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    job = None
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        job = services.start_job(teacher, "test.reread", {}, "Đọc lại")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert job.status == "done" and job.message == "gv.lan/gv.lan"
    # after the first progress commit the user is not read again
    reads_of_user = [s for s in statements if re.match(r'\s*SELECT\s.*\sFROM\s"?user"?\s', s, re.S)]
    assert len(reads_of_user) <= 2, reads_of_user  # the starter before the job, the job's own first read
