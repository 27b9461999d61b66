"""`flask jobs worker`: an RQ worker in the foreground until SIGTERM (RQ's warm shutdown:
the job at hand finishes first). It runs jobs in its own process (RQ's SimpleWorker, no
fork: the database pool stays valid), and every JOB_MAINTENANCE_SECONDS puts back jobs
whose worker died and removes expired results."""
import logging
import threading

from flask import current_app

from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs import services

log = logging.getLogger(__name__)


def perform(job_id):
    """What RQ runs: one job, in the worker's app context."""
    try:
        services.run_job(job_id)
    finally:
        db.session.remove()


def maintain(app, stopped, every):
    while not stopped.wait(every):
        try:
            with app.app_context():
                services.requeue_stale(utcnow())
                services.purge_expired(utcnow())
                services.run_cleaners(utcnow())
                db.session.remove()
        except Exception:  # the next round tries again
            log.exception("job maintenance failed")


def work(burst=False):
    """Run the worker; returns when SIGTERM (or, with burst, an empty queue) stops it."""
    from rq import SimpleWorker

    queue = services.queue()
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inside the web process, no worker is needed")
    app = current_app._get_current_object()
    services.requeue_stale(utcnow())  # what a worker killed before this start left behind
    db.session.remove()
    stopped = threading.Event()
    thread = threading.Thread(target=maintain, args=(app, stopped, app.config["JOB_MAINTENANCE_SECONDS"]),
                              name="job-maintenance", daemon=True)
    thread.start()
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=False)
    finally:
        stopped.set()
