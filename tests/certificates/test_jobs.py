"""Certificate work as background jobs (app/certificates/jobs.py): issuing from the page,
and a download too large for a request written by a job, holding what the user sees."""
import io
import zipfile

from app.certificates import services, views
from app.certificates.models import Certificate
from app.jobs.models import Job


def test_issuing_from_the_page_runs_as_a_job_and_says_what_it_did(client, login, finished, db):
    login(finished.officer)
    page = client.post(f"/contests/{finished.contest.id}/certificates", data={"scope": str(finished.round.id)},
                       follow_redirects=True).get_data(as_text=True)
    job = db.session.query(Job).one()
    assert (job.kind, job.status, job.user_id) == ("certificates.issue", "done", finished.officer.id)
    assert job.message and job.message in page  # without Redis it ran at once: its message on the page
    assert db.session.query(Certificate).count() >= 3


def test_a_large_download_is_a_job_whose_file_only_its_starter_gets(client, login, finished, db, monkeypatch):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    monkeypatch.setattr(views, "DIRECT_DOWNLOAD_LIMIT", 1)
    login(finished.teacher)
    url = f"/contests/{finished.contest.id}/certificates/download.zip?class_id={finished.c10a1.id}"
    offer = client.get(url)
    assert offer.status_code == 200 and "Tạo tệp ZIP" in offer.get_data(as_text=True)
    assert db.session.query(Job).count() == 0  # a GET starts nothing
    started = client.post(url)
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_url = started.headers["Location"]
    state = client.get(job_url, headers={"Accept": "application/json"}).get_json()
    assert (state["status"], state["done"], state["total"], state["has_file"]) == ("done", 2, 2, True)
    archive = client.get(f"{job_url}/file")
    assert archive.status_code == 200 and "filename=DVC2026_10A1.zip" in archive.headers["Content-Disposition"]
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == [
        "10A1/10A1_Dang_Le_Hoang_Khanh_Ngoc_DVC2026-2026-00001.pdf",
        "10A1/10A1_Nguyen_Thi_Phuong_Thao_DVC2026-2026-00002.pdf"]
    login(finished.officer)  # above the school, but not the one who started it
    assert client.get(f"{job_url}/file").status_code == 404
