"""Job kinds for the tests of app/jobs, registered when the plugin loads, and `job_runs`
(the ids of the jobs `test.count` ran, emptied for each test)."""
import pytest

from app.core.errors import DomainError
from app.jobs.services import job_kind

RUNS = []


@job_kind("test.count")
def count_job(context):
    """Counts to params["n"], reporting progress, and keeps the numbers as a file."""
    total = context.params["n"]
    RUNS.append(context.job.id)
    for done in range(1, total + 1):
        context.progress(done, total)
    context.save_file(("\n".join(str(i) for i in range(total))).encode(), "Số đếm.txt", "text/plain")
    return f"Đã đếm {total} số."


@job_kind("test.refuse")
def refuse_job(context):
    raise DomainError("Chưa có mẫu giấy chứng nhận.")


@job_kind("test.crash")
def crash_job(context):
    raise RuntimeError("boom")


@pytest.fixture
def job_runs():
    RUNS.clear()
    yield RUNS
    RUNS.clear()


@job_kind("test.reread")
def reread_job(context):
    """Loads the starter's row, reports progress (a commit), and reads the row again."""
    user = context.user
    name = user.username
    context.progress(1, 2)
    context.job.message = f"{name}/{user.username}"
    context.progress(2, 2)
    return context.job.message
