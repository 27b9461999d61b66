"""The entries' background work (app/jobs): finishing a chunked upload (join, check, convert
a phone video, attach; app.entries.uploads) and removing stale unfinished uploads."""
from app.entries import uploads
from app.jobs.services import cleaner, job_kind


@job_kind(uploads.JOB_KIND)
def finish_upload_job(context):
    return uploads.run_finish(context)


@cleaner("tệp tải lên dở quá hạn")
def purge_uploads(now):
    return uploads.purge_job(now)
