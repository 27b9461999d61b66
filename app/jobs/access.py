"""Who sees a job: the person who started it (its result was made with that person's
access: a ZIP of certificates holds only what they may see). Anyone else gets 404."""
from sqlalchemy import select

from app.core.scope import get_or_404
from app.jobs.models import Job


def get_job_or_404(user, job_id):
    return get_or_404(select(Job).where(Job.id == job_id, Job.user_id == user.id))
