"""A job's page and its file: only for the person who started it; JSON for scripts."""
from app.jobs import services


def test_the_page_the_json_and_the_file_are_for_the_starter_only(client, login, teacher, make_user, tree, db):
    job = services.start_job(teacher, "test.count", {"n": 4}, "Xuất giấy chứng nhận")
    login(teacher)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Xuất giấy chứng nhận" in page and "Đã xong" in page and "Đã đếm 4 số." in page
    assert f'href="/jobs/{job.id}/file"' in page
    state = client.get(f"/jobs/{job.id}", headers={"Accept": "application/json"})
    assert state.get_json() == {"status": "done", "progress": 100, "done": 4, "total": 4,
                                "message": "Đã đếm 4 số.", "has_file": True}
    assert state.headers["Cache-Control"] == "no-store"
    download = client.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and download.data == b"0\n1\n2\n3"
    assert "attachment" in download.headers["Content-Disposition"]
    login(make_user("teacher", tree.school_a, username="gv.khac"))
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/file"):
        assert client.get(url).status_code == 404
    client.post("/logout")
    assert client.get(f"/jobs/{job.id}").status_code == 302  # to the login page


def test_a_failed_job_shows_its_message_and_has_no_file(client, login, teacher, db):
    job = services.start_job(teacher, "test.refuse", {}, "Cấp giấy")
    login(teacher)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Không thành công" in page and "Chưa có mẫu giấy chứng nhận." in page and 'role="alert"' in page
    assert client.get(f"/jobs/{job.id}/file").status_code == 404
    assert client.get(f"/jobs/{job.id}", headers={"Accept": "application/json"}).get_json()["status"] == "failed"
