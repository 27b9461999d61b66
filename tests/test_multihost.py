"""Two app hosts behind nginx, for real (tests/plugins/cluster.py starts them: gunicorn
in production mode, one PostgreSQL database, one S3 bucket, one Redis queue, a jobs
worker): what one host does, the other sees; what both do at once adds up; a job
outlives the worker that was running it."""
import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import LoginAttempt, LoginThrottle
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.core.storage import get_storage
from app.core.timeutil import utcnow
from app.coverage.models import Participation
from app.entries import services as entries
from app.entries.models import EntryFile
from app.jobs.models import Job
from app.org.models import Student
from app.org.services import set_class_teachers
from app.quiz.attempts import services as quiz
from app.quiz.models import Attempt

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.usefixtures("on_hosts")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_file_uploaded_through_one_host_is_served_by_the_other(hosts, creative, school_people, db, Browser,
                                                                 png_bytes, TEST_PASSWORD):
    entry = entries.create_entry(school_people.teacher, creative, category="poster", title="Dịch vụ công",
                                 member_ids=[school_people.students[0].id])
    db.session.commit()
    browser, entrance = Browser(), hosts.entrance()
    assert browser.login(entrance, "gv.ta", TEST_PASSWORD).status_code == 302
    poster = png_bytes((1000, 700), noise=True)  # 2 MB: past nginx's default body limit and its buffer
    assert len(poster) > 2_000_000

    uploaded = browser.post(f"{entrance}/entries/{entry.id}/files", headers={"Accept": "application/json"},
                            data={"csrf_token": browser.form_token(f"{entrance}/entries/{entry.id}")},
                            files={"file": ("ap-phich.png", poster, "image/png")})
    assert uploaded.status_code == 200 and uploaded.json()["ok"], uploaded.text[:300]
    served = browser.get(f"{hosts.other_than(uploaded.headers['X-Instance'])}/files/{uploaded.json()['id']}")

    record = db.session.execute(select(EntryFile).where(EntryFile.id == uploaded.json()["id"])).scalar_one()
    assert served.status_code == 200 and served.headers["X-Instance"] != uploaded.headers["X-Instance"]
    assert served.content == get_storage().read_bytes(entries.file_key(entry, record.stored_name))
    assert served.content[:8] == b"\x89PNG\r\n\x1a\n"
    # neither host kept a copy of its own: the bucket is the only home of the file
    assert [path for web in hosts.instances for path in hosts.upload_dir(web).rglob("*") if path.is_file()] == []


def test_a_roster_previewed_on_one_host_is_confirmed_on_the_other(hosts, tree, teacher, make_class, db, Browser,
                                                                  messy_class_roster, TEST_PASSWORD):
    class_10a1 = make_class(tree.school_a, "10A1")
    set_class_teachers(None, class_10a1, [teacher])
    db.session.commit()
    browser, url = Browser(), f"/classes/{class_10a1.id}/roster"
    assert browser.login(hosts.a, teacher.username, TEST_PASSWORD).status_code == 302

    preview = browser.post(hosts.a + url, data={"csrf_token": browser.form_token(hosts.a + url)},
                           files={"file": ("10a1.xlsx", messy_class_roster(), XLSX)})
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', preview.text).group(1)
    assert get_storage().list_keys("pending") == [f"pending/{teacher.id}-{token}.bin"]
    confirmed = browser.post(hosts.b + url, data={"csrf_token": Browser.csrf_of(preview.text), "token": token,
                                                  "action": "commit"}, allow_redirects=False)

    assert confirmed.status_code == 302 and confirmed.headers["X-Instance"] == "web2"
    assert "Đã nhập danh sách: 4 học sinh mới" in browser.get(hosts.b + confirmed.headers["Location"]).text
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 4
    assert get_storage().list_keys("pending") == []  # thrown away once imported


def test_sixteen_wrong_logins_at_once_through_both_hosts_check_five_passwords(hosts, teacher, db, Browser,
                                                                               TEST_PASSWORD):
    barrier = threading.Barrier(16)

    def guess(number):
        browser, entrance = Browser(), hosts.entrance(number)
        token = browser.form_token(f"{entrance}/login")
        barrier.wait(30)
        # a client's own X-Forwarded-For is not taken for its address behind the proxy
        response = browser.post(f"{entrance}/login", headers={"X-Forwarded-For": "203.0.113.9"},
                                data={"csrf_token": token, "username": "gv.lan", "password": f"sai-{number}"})
        checked = "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
        assert checked or "quá nhiều lần" in response.text, response.text[:300]
        return response.headers["X-Instance"], checked

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(guess, range(16)))

    assert {instance for instance, _ in answers} == {"web1", "web2"}
    assert sum(checked for _, checked in answers) == 5  # the other 11 were refused before any hash
    assert db.session.execute(select(LoginThrottle.failures)).scalar_one() == 16
    addresses = db.session.execute(select(LoginAttempt.address).where(LoginAttempt.username == "gv.lan")).scalars()
    assert list(addresses) == ["127.0.0.1"] * 16
    refused = Browser().login(hosts.entrance(), "gv.lan", TEST_PASSWORD)
    assert refused.status_code == 200 and "quá nhiều lần" in refused.text  # even the right password, for now


def test_two_close_expired_runs_at_once_add_up_to_the_expired_attempts(hosts, setup, make_student, db):
    round_, mine, other = setup
    students = [mine, other] + [make_student(mine.school_class, f"Học sinh {i}") for i in range(78)]
    for student in students:  # 20 minutes each, started 30 minutes ago: every deadline has passed
        quiz.start_attempt(student, round_, utcnow() - timedelta(minutes=30))
    db.session.commit()

    runs = [hosts.flask("quiz", "close-expired", "--batch", "5") for _ in range(2)]
    outputs = [run.communicate(timeout=60)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    counts = [int(re.search(r"Đã nộp (\d+) bài hết giờ", output).group(1)) for output in outputs]
    assert sum(counts) == 80, outputs
    finished = db.session.execute(select(Attempt.finished_by, func.count()).group_by(Attempt.finished_by)).all()
    assert finished == [("timeout", 80)]
    assert set(db.session.execute(select(Participation.attempts)).scalars()) == {1}  # each counted once


def test_a_job_started_through_one_host_is_followed_through_the_other_and_outlives_its_worker(
        hosts, finished, make_student, db, Browser, wait_for, TEST_PASSWORD):
    template = finished.template
    for seq in range(1, 401):  # more than a download writes in the request: a job writes them
        student = make_student(finished.c10a1, f"Học sinh Số {seq}")
        db.session.add(Certificate(
            template_id=template.id, seq=seq, serial=certificates.serial_of(template, seq), check_code=f"{seq:06d}",
            key=f"c:pass:s{student.id}", kind="pass", title=template.pass_title, student_id=student.id,
            school_id=student.school_id, class_id=student.class_id, recipient_name=student.full_name,
            class_name="10A1", school_name="Trường THPT A", achievement="Đã tham gia và đạt yêu cầu",
            issued_on=utcnow().date()))
    db.session.commit()
    browser = Browser()
    assert browser.login(hosts.a, finished.officer.username, TEST_PASSWORD).status_code == 302
    download = f"{hosts.a}/contests/{finished.contest.id}/certificates/download.zip"  # a PDF per certificate
    started = browser.post(download, data={"csrf_token": browser.form_token(download)}, allow_redirects=False)
    assert started.status_code == 302 and started.headers["X-Instance"] == "web1"
    job_page = hosts.b + started.headers["Location"]

    def progress():  # as the job page asks, through the other host
        answer = browser.get(job_page, headers={"Accept": "application/json"})
        assert answer.headers["X-Instance"] == "web2"
        return answer.json()

    halfway = wait_for(progress, lambda p: p["status"] == "running" and p["done"] > 0, 30,
                       "the job showed no progress")
    assert 0 < halfway["done"] < halfway["total"] == 400
    for worker in hosts.workers:
        worker.kill()  # SIGKILL mid-job, as a host that dies: no warm shutdown, no last word
    assert progress()["status"] == "running"  # the row does not know yet
    hosts.start_worker()  # puts back the job whose heartbeat stopped, and runs it again

    done = wait_for(progress, lambda p: p["status"] in ("done", "failed"), 60,
                    "the second worker did not finish the job")

    assert done == {"status": "done", "progress": 100, "done": 400, "total": 400, "has_file": True,
                    "message": "Đã tạo tệp gồm 400 giấy."}
    assert db.session.execute(select(Job.tries)).scalar_one() == 2
    bundle = browser.get(f"{job_page}/file")
    assert bundle.status_code == 200 and bundle.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert len(archive.namelist()) == 400
