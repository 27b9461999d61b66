"""Jobs through Redis: the web queues, `flask jobs worker` runs (tests/plugins/jobs.py kinds)."""
import secrets
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import update

from app.core.timeutil import utcnow
from app.jobs import services, worker
from app.jobs.models import Job

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_jobs(app, redis_test_url):
    """The app's jobs go to a queue of their own on the test Redis for one test."""
    name = f"test-{secrets.token_hex(4)}"
    before = {key: app.config[key] for key in ("REDIS_URL", "JOB_QUEUE")}
    app.config.update(REDIS_URL=redis_test_url, JOB_QUEUE=name)
    yield name
    app.config.update(before)
    connection = Redis.from_url(redis_test_url)
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def test_with_redis_a_job_waits_for_a_worker_which_runs_it(redis_jobs, teacher, db, job_runs):
    job = services.start_job(teacher, "test.count", {"n": 3}, "Đếm")
    job_id = job.id
    assert job.status == "queued" and job_runs == []
    assert services.queue().count == 1
    worker.work(burst=True)
    job = db.session.get(Job, job_id)
    assert (job.status, job.done, job.message) == ("done", 3, "Đã đếm 3 số.")
    assert job_runs == [job.id] and services.queue().count == 0


def test_the_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_a_job_whose_queue_entry_redis_lost_is_queued_again_and_runs_once(redis_jobs, teacher, db, job_runs):
    job = services.start_job(teacher, "test.count", {"n": 2}, "Đếm")
    job_id = job.id
    services.queue().empty()  # Redis restarted without its data
    assert services.requeue_stale(utcnow()) == []  # a job queued a moment ago is left waiting
    db.session.execute(update(Job).where(Job.id == job_id).values(created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert services.requeue_stale(utcnow()) == [job_id]
    services.enqueue(job_id)  # a second copy in the queue: the first run claims, the second finds it done
    worker.work(burst=True)
    assert db.session.get(Job, job_id).status == "done" and job_runs == [job_id]
