"""Starting, running and tidying up jobs. A feature registers its job functions with
`@job_kind("name")`; a function takes a `JobContext` and returns the message shown when
it is done ("Đã cấp 120 giấy chứng nhận.")."""
import logging
import secrets
import threading
import time
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.core.errors import DomainError
from app.core.storage import get_storage, join_key
from app.core.text import file_safe
from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

KINDS = {}
CLEANERS = {}
PROGRESS_EVERY_SECONDS = 1.0  # progress is written (and the job's work committed) at most this often
FAILED_MESSAGE = "Hệ thống gặp lỗi khi làm việc này. Vui lòng thử lại sau ít phút."


def job_kind(name):
    """Register a job function under `name` (the kind stored in the job row)."""
    def register(function):
        KINDS[name] = function
        return function
    return register


def cleaner(name):
    """Register `function(now)` that removes what a feature leaves behind past its time (the
    entries' unfinished uploads) and returns how many things it removed; `flask jobs purge`
    and every worker's maintenance run it after purging expired results (`run_cleaners`)."""
    def register(function):
        CLEANERS[name] = function
        return function
    return register


def run_cleaners(now):
    """{name: count} of each registered cleaner; one that fails is logged and the others run."""
    counts = {}
    for name, function in CLEANERS.items():
        try:
            counts[name] = function(now)
        except Exception:  # noqa: BLE001 - the next round tries again
            db.session.rollback()
            log.exception("cleaner %s failed", name)
    return counts


def _setting(name):
    return current_app.config[name]


class JobContext:
    """What a job function gets: its parameters, the user who started it, a progress
    callback and a place for its result file."""

    def __init__(self, job):
        self.job = job
        self.params = job.params or {}
        self.user = job.user
        self._written = 0.0

    def progress(self, done, total=None):
        """Report `done` of `total`. Written at most once a second, with a commit: a job's
        work must be safe to commit in parts (it is run again from the start after a crash)."""
        self.job.done = done
        if total is not None:
            self.job.total = total
        if time.monotonic() - self._written >= PROGRESS_EVERY_SECONDS or (total and done >= total):
            self.job.heartbeat_at = utcnow()
            db.session.commit()
            self._written = time.monotonic()

    def save_file(self, data, name, mimetype):
        """Keep the result (bytes or a readable binary file) in storage for JOB_RESULT_HOURS."""
        key = join_key("jobs", self.job.id, file_safe(name) or "ket-qua")
        get_storage().save(key, data, mimetype)
        self.job.result_key, self.job.result_name, self.job.result_mimetype = key, name, mimetype
        self.job.expires_at = utcnow() + timedelta(hours=_setting("JOB_RESULT_HOURS"))
        return key


def start_job(actor, kind, params, title):
    """A new job, committed at once (a worker on another host must see the row) and queued;
    without REDIS_URL it has already run when this returns."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(id=secrets.token_hex(16), kind=kind, params=params, title=title,
              user_id=getattr(actor, "id", None), status=JobStatus.QUEUED)
    db.session.add(job)
    db.session.commit()
    enqueue(job.id)
    db.session.refresh(job)
    return job


def uses_redis():
    return bool(current_app.config.get("REDIS_URL"))


def queue():
    """The RQ queue on Redis; None when REDIS_URL is not set (jobs run in-process). The
    connection pool is made once per app and Redis address, not per job."""
    if not uses_redis():
        return None
    from redis import Redis  # only with Redis configured: the embedded default needs neither
    from rq import Queue
    url = current_app.config["REDIS_URL"]
    pools = current_app.extensions.setdefault("jobs_redis", {})
    if url not in pools:
        pools[url] = Redis.from_url(url)
    return Queue(_setting("JOB_QUEUE"), connection=pools[url])


def enqueue(job_id):
    q = queue()
    if q is None:
        run_job(job_id)
    else:
        q.enqueue("app.jobs.worker.perform", job_id, job_id=f"job-{job_id}-{secrets.token_hex(4)}",
                  job_timeout=_setting("JOB_TIMEOUT_SECONDS"), result_ttl=0, failure_ttl=24 * 3600)


def claim(job_id, now):
    """Take the job for this process: a queued one, or a running one whose heartbeat
    stopped. True when this call took it (two workers never both do)."""
    stale = now - timedelta(seconds=_setting("JOB_STALE_SECONDS"))
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, or_(Job.status == JobStatus.QUEUED,
                                                (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale)))
        .values(status=JobStatus.RUNNING, tries=Job.tries + 1, started_at=now, heartbeat_at=now, done=0)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(taken)


class _Heartbeat:
    """Beats for a job while its function runs, on its own connection, so a long step
    with no progress is not taken for a dead worker."""

    def __init__(self, app, job_id, every):
        self.app, self.job_id, self.every = app, job_id, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-heartbeat-{job_id}", daemon=True)

    def _run(self):
        while not self.stopped.wait(self.every):
            try:
                with self.app.app_context(), db.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id, Job.status == JobStatus.RUNNING)
                                       .values(heartbeat_at=utcnow()))
            except Exception:  # a missed beat is not fatal: the next one may pass
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(5)


def run_job(job_id):
    """Run a job if this process can claim it; its row says how it ended. Never raises for
    the job's own failure (the page shows it)."""
    if not claim(job_id, utcnow()):
        return False
    job = db.session.get(Job, job_id)
    function = KINDS.get(job.kind)
    heartbeat = _Heartbeat(current_app._get_current_object(), job_id, _setting("JOB_HEARTBEAT_SECONDS"))
    session = db.session()
    # progress commits: the rows the job has loaded stay loaded (a writer going through
    # 3,000 certificates must not read each again after every progress report)
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        if function is None:
            raise DomainError("Loại việc này không còn được hỗ trợ.")
        with heartbeat if uses_redis() else nullcontext():
            message = function(JobContext(job))
        job.status, job.message, job.finished_at = JobStatus.DONE, message or "", utcnow()
        job.done = job.total if job.total is not None else job.done
        db.session.commit()
    except DomainError as error:
        _failed(job_id, str(error))
    except Exception:
        log.exception("job %s (%s) failed", job_id, getattr(job, "kind", "?"))
        _failed(job_id, FAILED_MESSAGE)
    finally:
        session.expire_on_commit = expire_on_commit
    return True


def _failed(job_id, message):
    db.session.rollback()
    db.session.execute(update(Job).where(Job.id == job_id).values(
        status=JobStatus.FAILED, message=message, finished_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


def requeue_stale(now):
    """Jobs whose worker stopped beating (killed, machine lost) go back to the queue, up to
    JOB_MAX_TRIES runs; then they fail. Jobs queued long ago that no worker ever took are
    queued again. Returns the ids put back."""
    stale = now - timedelta(seconds=_setting("JOB_STALE_SECONDS"))
    dead = (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale)
    given_up = db.session.execute(
        update(Job).where(dead, Job.tries >= _setting("JOB_MAX_TRIES"))
        .values(status=JobStatus.FAILED, finished_at=now,
                message="Việc bị gián đoạn nhiều lần và đã dừng. Vui lòng làm lại.")
        .execution_options(synchronize_session=False)).rowcount
    ids = db.session.execute(update(Job).where(dead).values(status=JobStatus.QUEUED)
                             .returning(Job.id).execution_options(synchronize_session=False)).scalars().all()
    # queued long ago and never claimed: Redis lost its queue (a restart without its file).
    # Queuing them again is safe: a second copy finds the job claimed and does nothing.
    forgotten = []
    if uses_redis():
        forgotten = db.session.execute(select(Job.id).where(
            Job.status == JobStatus.QUEUED, Job.created_at < now - timedelta(seconds=5 * _setting("JOB_STALE_SECONDS")),
            Job.tries == 0)).scalars().all()
    db.session.commit()
    if given_up:
        log.warning("%d interrupted jobs given up", given_up)
    for job_id in ids + forgotten:
        enqueue(job_id)
    return ids + forgotten


def purge_expired(now):
    """Remove result files past their expiry and job rows older than JOB_KEEP_DAYS; the
    number of files removed."""
    expired = db.session.execute(select(Job).where(Job.expires_at < now, Job.result_key.is_not(None))).scalars().all()
    keys = []
    for job in expired:
        keys.append(job.result_key)
        job.result_key = None
    old = now - timedelta(days=_setting("JOB_KEEP_DAYS"))
    for job in db.session.execute(select(Job).where(Job.created_at < old)).scalars():
        if job.result_key:
            keys.append(job.result_key)
        db.session.delete(job)
    db.session.commit()
    storage = get_storage()
    for key in keys:  # after the commit: a row never names a file that is gone while it is still shown
        storage.delete(key)
    return len(keys)
