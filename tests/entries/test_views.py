"""Entries through the web: a student's team uploads and submits, the school admin
approves, judges see the work blind and only their own assignments, the gallery
shows the published work without personal data beyond name and class."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.entries import judging, services
from app.entries.models import Assignment, Entry


@pytest.fixture
def student_login(client, db, TEST_PASSWORD):
    def do(student):
        from app.accounts.services import set_password
        set_password(student.user, TEST_PASSWORD)
        db.session.commit()
        client.post("/logout")
        assert client.post("/login", data={"username": student.user.username,
                                           "password": TEST_PASSWORD}).status_code == 302
    return do


def test_a_student_creates_uploads_and_submits_an_entry(client, student_login, creative, school_people, db, png_bytes):
    p = school_people
    student_login(p.students[0])
    page = client.get(f"/creative/{creative.id}").get_data(as_text=True)
    assert "Tạo bài dự thi" in page
    form = client.get(f"/creative/{creative.id}/entries/new").get_data(as_text=True)
    assert "Trần Văn Bình (10A1)" in form and "Phạm Đức Anh" not in form  # classmates only
    response = client.post(f"/creative/{creative.id}/entries/new", data={
        "category": "poster", "title": "Một chạm, vạn dịch vụ", "members": [p.students[1].id],
        "advisor_id": p.teacher.id})
    entry = db.session.execute(select(Entry)).scalar_one()
    assert response.headers["Location"].endswith(f"/entries/{entry.id}")
    # a refused file answers JSON with the reason; the good one is stored
    bad = client.post(f"/entries/{entry.id}/files", data={"file": (io.BytesIO(b"<html>x</html>"), "a.jpg")},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "không phải ảnh" in bad.get_json()["error"]
    good = client.post(f"/entries/{entry.id}/files", data={"file": (io.BytesIO(png_bytes()), "poster.png")},
                       headers={"Accept": "application/json"})
    assert good.get_json()["ok"] is True
    client.post(f"/entries/{entry.id}/submit")
    db.session.refresh(entry)
    assert entry.status == "submitted" and len(entry.files) == 1
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "Đã nộp" in page and "Nguyễn Thị Phương Thảo" in page
    assert re.search(r"poster\.png · \d+(,\d)? KB · 400 × 300", page)
    assert client.get(f"/files/{entry.files[0].id}/thumb").headers["Content-Type"] == "image/jpeg"


def test_the_school_admin_approves_or_returns_with_a_reason(client, login, creative, school_people, db, png_bytes):
    p = school_people
    entry = services.create_entry(p.teacher, creative, category="poster", title="Bài", member_ids=[p.students[0].id])
    services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    services.submit_entry(p.teacher, entry)
    login(p.admin)
    assert "Bài" in client.get(f"/creative/{creative.id}/school-entries?status=submitted").get_data(as_text=True)
    page = client.post(f"/entries/{entry.id}/review", data={"decision": "return", "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Nhập lý do trả lại" in page
    client.post(f"/entries/{entry.id}/review", data={"decision": "return", "reason": "Ảnh mờ"})
    db.session.refresh(entry)
    assert (entry.status, entry.return_reason) == ("returned", "Ảnh mờ")
    login(p.teacher)  # the advisor cannot approve
    assert client.post(f"/entries/{entry.id}/review", data={"decision": "approve"}).status_code == 404


@pytest.fixture
def judged(creative, school_people, tree, make_user, db, png_bytes):
    """A poster of school A approved, the school round over, two judges assigned (one
    from school B), a third judge with nothing assigned."""
    p = school_people
    entry = services.create_entry(p.teacher, creative, category="poster", title="Chạm để kết nối",
                                  description="Áp phích về VNeID", member_ids=[p.students[0].id])
    services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    services.submit_entry(p.teacher, entry)
    services.review_entry(p.admin, entry, approve=True)
    judges = [make_user("judge", tree.school_b), make_user("judge"), make_user("judge")]
    judging.set_panel(None, creative, "poster", [j.id for j in judges[:2]])
    creative.approval_closes_at = creative.submit_closes_at = services.utcnow() - timedelta(minutes=1)
    creative.submit_opens_at = creative.submit_closes_at - timedelta(days=3)
    judging.assign_entries(None, creative, "poster")
    db.session.commit()
    return entry, judges


def test_the_judge_sees_the_work_blind_and_nothing_else(client, login, judged, school_people, db):
    entry, judges = judged
    assignment = db.session.execute(select(Assignment).where(Assignment.judge_id == judges[0].id)).scalar_one()
    login(judges[0])
    listing = client.get("/judging").get_data(as_text=True)
    assert entry.blind_code in listing
    page = client.get(f"/judging/{assignment.id}").get_data(as_text=True)
    assert "Chạm để kết nối" in page and "Áp phích về VNeID" in page and f"/files/{entry.files[0].id}" in page
    for secret in ("Nguyễn Thị Phương Thảo", "Trường THPT A", school_people.teacher.full_name, "10A1",
                   school_people.students[0].code):
        assert secret not in page, secret
    assert client.get(f"/files/{entry.files[0].id}").status_code == 200
    assert client.get(f"/entries/{entry.id}").status_code == 404  # the named page is not for judges
    response = client.post(f"/judging/{assignment.id}", data={"noi_dung": "8", "sang_tao": "7", "tham_my": "9",
                                                              "lan_toa": "6", "comment": "Rõ ý", "action": "submit"})
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.submitted_at is not None and assignment.scores["noi_dung"] == 8


def test_judges_cannot_open_entries_not_assigned_to_them(client, login, judged, db):
    entry, judges = judged
    others = db.session.execute(select(Assignment)).scalars().all()
    login(judges[2])  # on no panel, nothing assigned
    assert "Chưa có bài dự thi nào" in client.get("/judging").get_data(as_text=True)
    for a in others:
        assert client.get(f"/judging/{a.id}").status_code == 404
        assert client.post(f"/judging/{a.id}", data={"noi_dung": "1", "action": "draft"}).status_code == 404
    assert client.get(f"/files/{entry.files[0].id}").status_code == 404
    assert client.get(f"/files/{entry.files[0].id}/thumb").status_code == 404
    assert client.get(f"/trien-lam/{entry.id}").status_code == 404  # not published yet


def test_the_gallery_shows_published_work_with_names_and_classes_only(client, judged, school_people, db):
    entry, judges = judged
    for a in db.session.execute(select(Assignment)).scalars():
        judging.save_scores(a.judge, a, {"noi_dung": 8, "sang_tao": 8, "tham_my": 8, "lan_toa": 8}, submit=True)
    judging.publish_results(None, entry.contest)
    db.session.commit()
    client.post("/logout")
    listing = client.get("/trien-lam?category=poster").get_data(as_text=True)
    assert "Chạm để kết nối" in listing and "Giải Nhất" in listing and f"/files/{entry.files[0].id}/thumb" in listing
    page = client.get(f"/trien-lam/{entry.id}").get_data(as_text=True)
    assert "Nguyễn Thị Phương Thảo (10A1)" in page and "Trường THPT A" in page
    student = school_people.students[0]
    for private in (student.user.username, student.code, school_people.teacher.username):
        assert not re.search(re.escape(private) + r"\b", page), private
    assert client.get(f"/files/{entry.files[0].id}").status_code == 200  # public once published
    assert client.get("/trien-lam?category=video").get_data(as_text=True).count("gallery-item") == 0


def test_the_so_creates_a_contest_through_the_form(client, login, make_user, tree, db):
    from app.entries.models import CreativeContest
    login(make_user("department", tree.so))
    form = client.get("/creative/new").get_data(as_text=True)
    assert re.search(r'name="file_rules-poster-min_long_side"[^>]*value="1000"', form)
    response = client.post("/creative/new", data={
        "code": "ap2027", "name": "Áp phích 2027", "school_year": "2026", "levels": ["THPT"],
        "categories": ["poster", "video"], "submit_opens_at": "2026-12-01T07:00", "submit_closes_at": "2027-01-15T17:00",
        "approval_closes_at": "2027-01-31T17:00", "max_team_size": "4", "judges_per_entry": "3",
        "disagreement_points": "15", "published": "y", "prizes-poster-nhat": "1", "prizes-poster-kk": "5",
        "prizes-video-nhi": "2", "file_rules-poster-max_mb": "5", "file_rules-poster-min_long_side": "1200",
        "file_rules-video-max_seconds": "180", "file_rules-video-links": "y"})
    assert response.status_code == 302
    contest = db.session.execute(select(CreativeContest)).scalar_one()
    assert (contest.code, contest.category_list, contest.level_list, contest.max_team_size) == (
        "AP2027", ["poster", "video"], ["THPT"], 4)
    assert (contest.drop_extremes, contest.disagreement_points, contest.judges_per_entry) == (False, 15.0, 3)
    assert contest.prizes == {"poster": {"nhat": 1, "kk": 5}, "model": {}, "video": {"nhi": 2}}
    assert contest.submit_opens_at.hour == 0  # 07:00 in Vietnam is midnight UTC
    assert contest.rules_for("poster") == {"max_mb": 5, "min_long_side": 1200}
    assert contest.rules_for("video") == {"max_mb": 200, "max_seconds": 180, "links": True}
    assert "không chấm ẩn danh" in form and "tên kênh hoặc tài khoản người đăng" in form  # the choice is explained
    assert not re.search(r'name="file_rules-video-links"[^>]*checked', form)  # files only unless asked
    assert 'value="1200"' in client.get(f"/creative/{contest.id}/edit").get_data(as_text=True)
    page = client.post("/creative/new", data={"code": "X", "name": "X", "school_year": "2026", "levels": ["THPT"],
                                              "categories": ["poster"], "submit_opens_at": "2027-01-02T07:00",
                                              "submit_closes_at": "2027-01-01T07:00",
                                              "approval_closes_at": "2027-01-03T07:00", "max_team_size": "3",
                                              "judges_per_entry": "2", "disagreement_points": "20"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hạn nộp bài phải sau thời điểm mở nhận bài." in page


def test_the_panel_head_sees_entries_whose_judges_disagree(client, login, judged, db):
    entry, judges = judged
    judging.set_panel(None, entry.contest, "poster", [j.id for j in judges[:2]], head_id=judges[1].id)
    for a, points in zip(db.session.execute(select(Assignment).order_by(Assignment.judge_id)).scalars(), (10, 4)):
        judging.save_scores(a.judge, a, dict.fromkeys(("noi_dung", "sang_tao", "tham_my", "lan_toa"), points),
                            submit=True)
    login(judges[1])
    page = client.get("/judging").get_data(as_text=True)
    assert "Bài có điểm lệch nhiều" in page and entry.blind_code in page and "lệch 60 điểm" in page
    assert "Nguyễn Thị Phương Thảo" not in page
    login(judges[0])  # not the head
    assert "Bài có điểm lệch nhiều" not in client.get("/judging").get_data(as_text=True)


def test_only_an_entry_file_may_be_larger_than_the_upload_limit(app, client, login, creative, school_people, db, png_bytes):
    p = school_people
    entry = services.create_entry(p.teacher, creative, category="poster", title="Bài", member_ids=[p.students[0].id])
    login(p.teacher)
    big = png_bytes((900, 700))
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = len(big) // 2
    try:
        ok = client.post(f"/entries/{entry.id}/files", data={"file": (io.BytesIO(big), "a.png")},
                         headers={"Accept": "application/json"})
        refused = client.post(f"/entries/{entry.id}/edit", data={"title": "x" * len(big)})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert ok.status_code == 200 and ok.get_json()["ok"] is True
    assert refused.status_code == 413


def test_a_video_entry_page_says_only_files_are_taken_in_a_blind_contest(client, student_login, creative,
                                                                        school_people, db):
    p = school_people
    entry = services.create_entry(p.students[0].user, creative, category="video", title="Phim", member_ids=[],
                                  advisor_id=p.teacher.id)
    db.session.commit()
    student_login(p.students[0])

    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "chỉ nhận tệp video, không nhận đường liên kết" in page and "tên kênh hoặc tài khoản người đăng" in page
    form = client.get(f"/creative/{creative.id}/entries/new").get_data(as_text=True)
    assert 'name="video_url"' not in form and "không nhận đường liên kết" in form
    refused = client.post(f"/entries/{entry.id}/edit", data={"title": "Phim", "advisor_id": p.teacher.id,
                                                             "video_url": "https://youtu.be/dQw4w9WgXcQ"},
                          follow_redirects=True).get_data(as_text=True)
    assert "chấm ẩn danh nên chỉ nhận tệp video MP4" in refused
    db.session.refresh(entry)
    assert entry.video_url is None


def test_the_school_reviewer_sees_only_the_review_on_a_students_submitted_entry(client, login, student_login, creative,
                                                                               school_people, db, png_bytes):
    p = school_people
    entry = services.create_entry(p.students[0].user, creative, category="poster", title="Áp phích của nhóm",
                                  member_ids=[p.students[1].id], advisor_id=p.teacher.id)
    record = services.add_file(p.students[0].user, entry, io.BytesIO(png_bytes()), "poster.png")
    services.submit_entry(p.students[0].user, entry)
    db.session.commit()

    login(p.admin)
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "Duyệt vào vòng tỉnh" in page
    for action in ("Tải lên", ">Xóa<", "Sửa thông tin", f"/entries/{entry.id}/files/{record.id}/delete"):
        assert action not in page, action
    assert client.get(f"/entries/{entry.id}/edit").status_code == 404
    answer = client.post(f"/entries/{entry.id}/files", data={"file": (io.BytesIO(png_bytes()), "khac.png")},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "nhóm tác giả" in answer.get_json()["error"]
    client.post(f"/entries/{entry.id}/files/{record.id}/delete")
    db.session.refresh(entry)
    assert [f.id for f in entry.files] == [record.id]

    student_login(p.students[1])  # a member of the team may still change it before the deadline
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "Tải lên" in page and f"/entries/{entry.id}/files/{record.id}/delete" in page and "Sửa thông tin" in page
