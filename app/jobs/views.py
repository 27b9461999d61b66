from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user, login_required

from app.core.storage import StorageMissing, get_storage
from app.core.timeutil import utcnow
from app.jobs.access import get_job_or_404
from app.jobs.models import JobStatus

bp = Blueprint("jobs", __name__)


@bp.route("/jobs/<job_id>")
@login_required
def job_page(job_id):
    """The job's progress; `Accept: application/json` gets {"status", "progress", ...}
    (any host answers: the row is in the database)."""
    job = get_job_or_404(current_user, job_id)
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(job.as_json())
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("jobs/job.html", job=job, now=utcnow(), JobStatus=JobStatus)


@bp.route("/jobs/<job_id>/file")
@login_required
def job_file(job_id):
    job = get_job_or_404(current_user, job_id)
    if job.status != JobStatus.DONE or not job.result_key or (job.expires_at and job.expires_at < utcnow()):
        abort(404)
    try:
        return get_storage().send(job.result_key, job.result_name, job.result_mimetype, as_attachment=True)
    except StorageMissing:
        abort(404)
