"""Uploads from phones (app/entries/uploads.py): a file sent in chunks goes on where it
stopped after a dropped connection, only its uploader reaches it, a chunk at the wrong
place is refused with the server's offset, and the complete file is checked as a single
upload is; stale partial uploads are purged. Jobs run in the web process here (no Redis)."""
import io
import os
import time
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.storage import get_storage
from app.core.timeutil import utcnow
from app.entries import services, uploads
from app.entries.models import Entry, EntryUpload

CHUNK = 64 * 1024


@pytest.fixture(autouse=True)
def small_chunks(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENTRY_UPLOAD_CHUNK_BYTES", CHUNK)


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


@pytest.fixture
def poster(creative, school_people, db):
    """A poster entry of two students of school A (the first has logged in)."""
    p = school_people
    entry = services.create_entry(p.students[0].user, creative, category="poster", title="Một chạm, vạn dịch vụ",
                                  member_ids=[p.students[1].id], advisor_id=p.teacher.id)
    db.session.commit()
    return entry


def begin(client, entry, data, name, fingerprint="1-2"):
    return client.post(f"/entries/{entry.id}/uploads", json={"name": name, "size": len(data),
                                                             "fingerprint": fingerprint},
                       headers={"Accept": "application/json"})


def patch(client, entry, upload_id, data, offset, length=None):
    chunk = data[offset:offset + (length or CHUNK)]
    return client.patch(f"/entries/{entry.id}/uploads/{upload_id}", data=chunk,
                        headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                                 "Accept": "application/json"})


def send_all(client, entry, data, name):
    """The page's script without its network: begin, then every chunk; the last answer."""
    answer = begin(client, entry, data, name).get_json()
    while answer.get("state") == "receiving":
        answer = patch(client, entry, answer["id"], data, answer["offset"]).get_json()
    return answer


def parts_of(upload_id):
    return get_storage().list_keys(uploads.parts_prefix(upload_id))


def test_a_chunked_upload_resumes_after_drops_and_the_joined_file_is_checked(client, student_login, poster,
                                                                              school_people, db, png_bytes):
    student_login(school_people.students[0])
    data = png_bytes((500, 400), noise=True)  # about 600 KB: ten chunks
    started = begin(client, poster, data, "ap-phich.png")
    assert started.status_code == 201
    upload = started.get_json()
    assert (upload["offset"], upload["size"], upload["chunk_size"], upload["state"]) == (0, len(data), CHUNK,
                                                                                         "receiving")
    assert patch(client, poster, upload["id"], data, 0).get_json()["offset"] == CHUNK

    # the connection drops mid-chunk: what came of it is not kept
    cut = client.patch(f"/entries/{poster.id}/uploads/{upload['id']}",
                       input_stream=io.BytesIO(data[CHUNK:CHUNK + 1000]), content_length=CHUNK,
                       headers={"Upload-Offset": str(CHUNK), "Accept": "application/json"})
    assert cut.status_code == 400
    assert client.get(f"/entries/{poster.id}/uploads/{upload['id']}").get_json()["offset"] == CHUNK

    # the next chunk arrives but its answer is lost: the client asks, and goes on from the server's offset
    patch(client, poster, upload["id"], data, CHUNK)
    asked = client.get(f"/entries/{poster.id}/uploads/{upload['id']}")
    assert asked.get_json()["offset"] == 2 * CHUNK and asked.headers["Cache-Control"] == "no-store"
    again = patch(client, poster, upload["id"], data, CHUNK)  # a retry of the chunk already taken
    assert again.status_code == 409 and again.get_json()["offset"] == 2 * CHUNK
    assert parts_of(upload["id"]) == [uploads.part_key(db.session.get(EntryUpload, upload["id"]), n)
                                      for n in range(2)]

    # choosing the same file again after a reload finds the upload where it stands
    resumed = begin(client, poster, data, "ap-phich.png").get_json()
    assert (resumed["id"], resumed["offset"]) == (upload["id"], 2 * CHUNK)
    answer = resumed
    while answer["state"] == "receiving":
        answer = patch(client, poster, upload["id"], data, answer["offset"]).get_json()

    # the last chunk started the job (in-process here): the file is checked, stored and attached
    assert answer["state"] == "done" and answer["job"]["status"] == "done", answer
    assert answer["job"]["message"] == "Đã tải lên “ap-phich.png”."
    entry = db.session.get(Entry, poster.id)
    db.session.refresh(entry)
    [record] = entry.files
    assert (record.kind, record.original_name, record.width, record.height) == ("image", "ap-phich.png", 500, 400)
    stored = get_storage().read_bytes(services.file_key(entry, record.stored_name))
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(data)).tobytes()  # re-encoded, same pixels
    assert answer["file_id"] == record.id
    assert parts_of(upload["id"]) == []  # the parts are gone once the file is kept
    assert "ap-phich.png" in client.get(f"/entries/{poster.id}").get_data(as_text=True)


def test_a_chunk_at_the_wrong_place_or_of_the_wrong_length_is_refused(client, student_login, poster, school_people,
                                                                      png_bytes):
    student_login(school_people.students[0])
    data = png_bytes((500, 400), noise=True)
    upload = begin(client, poster, data, "a.png").get_json()
    ahead = patch(client, poster, upload["id"], data, CHUNK)
    assert ahead.status_code == 409 and ahead.get_json() == {"ok": False, "offset": 0, "state": "receiving",
                                                             "error": "Phần này không nối tiếp phần đã nhận."}
    short = patch(client, poster, upload["id"], data, 0, length=CHUNK - 10)
    assert short.status_code == 400 and "phải dài 65536 byte" in short.get_json()["error"]
    no_offset = client.patch(f"/entries/{poster.id}/uploads/{upload['id']}", data=data[:CHUNK],
                             headers={"Accept": "application/json"})
    assert no_offset.status_code == 400 and "Upload-Offset" in no_offset.get_json()["error"]
    assert parts_of(upload["id"]) == []
    assert client.get(f"/entries/{poster.id}/uploads/{upload['id']}").get_json()["offset"] == 0


def test_only_the_uploader_reaches_an_upload(client, student_login, login, poster, school_people, creative, db,
                                             png_bytes):
    p = school_people
    student_login(p.students[0])
    data = png_bytes((500, 400), noise=True)
    upload = begin(client, poster, data, "a.png").get_json()
    url = f"/entries/{poster.id}/uploads/{upload['id']}"
    other = services.create_entry(p.students[0].user, creative, category="poster", title="Bài khác",
                                  advisor_id=p.teacher.id)
    db.session.commit()
    # the same upload through another entry of the same student
    assert client.get(f"/entries/{other.id}/uploads/{upload['id']}").status_code == 404
    # a teammate, the advisor and the school admin may see the entry, not the upload
    for person in (p.students[1], p.teacher, p.admin):
        if hasattr(person, "user"):
            student_login(person)
        else:
            login(person)
        assert client.get(url).status_code == 404
        assert patch(client, poster, upload["id"], data, 0).status_code == 404
        assert client.delete(url).status_code == 404
    assert parts_of(upload["id"]) == []
    assert db.session.get(EntryUpload, upload["id"]).received == 0


def test_a_file_too_large_is_refused_before_a_byte_is_sent(client, student_login, poster, school_people, db):
    student_login(school_people.students[0])
    answer = client.post(f"/entries/{poster.id}/uploads", json={"name": "ap-phich.pdf", "size": 21 * 1024 * 1024},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "Tệp “ap-phich.pdf” (21 MB) lớn hơn 20 MB cho phép."
    assert db.session.execute(select(EntryUpload)).first() is None


def test_a_refused_file_fails_its_job_and_the_entry_page_says_why(client, student_login, poster, school_people, db):
    student_login(school_people.students[0])
    data = b"<html>" + b"x" * (3 * CHUNK) + b"</html>"
    answer = send_all(client, poster, data, "ap-phich.jpg")
    assert answer["state"] == "finishing" and answer["job"]["status"] == "failed"
    assert "không phải ảnh" in answer["job"]["message"]
    assert parts_of(answer["id"]) == []
    assert db.session.get(Entry, poster.id).files == []
    page = client.get(f"/entries/{poster.id}").get_data(as_text=True)
    assert "Tệp “ap-phich.jpg” không được nhận:" in page and "không phải ảnh" in page


def test_an_upload_may_be_given_up(client, student_login, poster, school_people, db, png_bytes):
    student_login(school_people.students[0])
    data = png_bytes((500, 400), noise=True)
    upload = begin(client, poster, data, "a.png").get_json()
    patch(client, poster, upload["id"], data, 0)
    assert len(parts_of(upload["id"])) == 1
    assert client.delete(f"/entries/{poster.id}/uploads/{upload['id']}").get_json() == {"ok": True}
    assert parts_of(upload["id"]) == [] and db.session.get(EntryUpload, upload["id"]) is None


def test_an_upload_ends_with_the_submission_window(client, student_login, poster, school_people, creative, db,
                                                   png_bytes):
    student_login(school_people.students[0])
    data = png_bytes((500, 400), noise=True)
    upload = begin(client, poster, data, "a.png").get_json()
    creative.submit_closes_at = utcnow() - timedelta(minutes=1)
    creative.submit_opens_at = creative.submit_closes_at - timedelta(days=3)
    db.session.commit()
    late = patch(client, poster, upload["id"], data, 0)
    assert late.status_code == 400 and "hết hạn nộp" in late.get_json()["error"]


def test_the_page_without_javascript_still_posts_a_small_file(client, student_login, poster, school_people, db,
                                                              png_bytes):
    student_login(school_people.students[0])
    page = client.post(f"/entries/{poster.id}/files", data={"file": (io.BytesIO(png_bytes()), "nho.png")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã tải lên “nho.png”" in page
    assert 'data-begin="/entries/' in page and "js/uploader.js" in page


def test_stale_partial_uploads_and_orphan_parts_are_purged(app, client, student_login, poster, school_people, db,
                                                           png_bytes):
    student_login(school_people.students[0])
    data = png_bytes((500, 400), noise=True)
    stale = begin(client, poster, data, "cu.png", fingerprint="old").get_json()
    patch(client, poster, stale["id"], data, 0)
    fresh = begin(client, poster, data, "moi.png", fingerprint="new").get_json()
    patch(client, poster, fresh["id"], data, 0)
    row = db.session.get(EntryUpload, stale["id"])
    row.updated_at = utcnow() - timedelta(hours=uploads.UPLOAD_IDLE_HOURS, minutes=1)
    db.session.commit()
    # parts no row names any more (their entry was deleted), older than any upload may live
    orphan = uploads.join_key(uploads.PARTS, "f" * 32, "000000")
    get_storage().save(orphan, b"x")
    old = time.time() - (uploads.UPLOAD_MAX_HOURS + 2) * 3600
    os.utime(os.path.join(app.config["UPLOAD_DIR"], *orphan.split("/")), (old, old))

    result = app.test_cli_runner().invoke(args=["jobs", "purge"])

    assert result.exit_code == 0 and "Đã xoá 1 tệp tải lên dở quá hạn." in result.output, result.output
    assert db.session.get(EntryUpload, stale["id"]) is None and parts_of(stale["id"]) == []
    assert db.session.get(EntryUpload, fresh["id"]) is not None and len(parts_of(fresh["id"])) == 1
    assert not get_storage().exists(orphan)


def test_begin_refuses_a_full_model_and_an_empty_file(client, student_login, creative, school_people, db, png_bytes):
    p = school_people
    model = services.create_entry(p.students[0].user, creative, category="model", title="Mô hình",
                                  description="Bìa cứng", advisor_id=p.teacher.id)
    creative.file_rules = {**creative.file_rules, "model": {"min_long_side": 100, "max_photos": 1}}
    db.session.commit()
    student_login(p.students[0])
    empty = client.post(f"/entries/{model.id}/uploads", json={"name": "0.png", "size": 0})
    assert empty.status_code == 400 and "rỗng" in empty.get_json()["error"]
    services.add_file(None, model, io.BytesIO(png_bytes()), "1.png")
    db.session.commit()
    full = begin(client, model, png_bytes(), "2.png")
    assert full.status_code == 400 and "tối đa 1 ảnh" in full.get_json()["error"]


# Posters as PDF get a thumbnail of their first page -----------------------------------------------

def test_a_pdf_poster_gets_a_thumbnail_of_its_first_page(client, student_login, poster, school_people, db,
                                                         pdf_poster):
    student_login(school_people.students[0])
    answer = send_all(client, poster, pdf_poster(pages=2), "ap-phich.pdf")
    assert answer["job"]["status"] == "done", answer
    entry = db.session.get(Entry, poster.id)
    [record] = entry.files
    assert (record.kind, record.pages) == ("pdf", 2) and record.thumb_name == record.stored_name[:32] + "_thumb.jpg"
    thumb = client.get(f"/files/{record.id}/thumb")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumb.data))
    assert max(image.size) == 480 and image.size[1] > image.size[0]  # an A4 page, upright
    red, green, blue = image.convert("RGB").getpixel((image.size[0] // 2, image.size[1] - 20))
    assert blue > 150 and red < 60  # the poster's blue
    page = client.get(f"/entries/{poster.id}").get_data(as_text=True)
    assert f'src="/files/{record.id}/thumb"' in page and 'loading="lazy"' in page and "2 trang" in page


def test_a_pdf_poster_posted_whole_gets_its_thumbnail_too(creative, school_people, db, pdf_poster):
    entry = services.create_entry(school_people.teacher, creative, category="poster", title="Áp phích",
                                  member_ids=[school_people.students[0].id])
    record = services.add_file(None, entry, io.BytesIO(pdf_poster()), "a.pdf")
    db.session.commit()
    assert get_storage().exists(services.file_key(entry, record.thumb_name))
    services.remove_file(school_people.teacher, entry, record.id)
    db.session.commit()
    assert not get_storage().exists(services.file_key(entry, record.thumb_name))  # it leaves with its poster


def test_the_gallery_shows_poster_thumbnails_to_anyone_and_names_only_the_winners(client, creative, school_people,
                                                                                 make_user, db, pdf_poster):
    from app.entries import judging
    from app.entries.models import Assignment
    p = school_people
    entries = []
    for number, student in enumerate(p.students):
        entry = services.create_entry(p.teacher, creative, category="poster", title=f"Áp phích {number + 1}",
                                      member_ids=[student.id])
        services.add_file(None, entry, io.BytesIO(pdf_poster(title=f"Áp phích {number + 1}")), f"{number}.pdf")
        services.submit_entry(p.teacher, entry)
        services.review_entry(p.admin, entry, approve=True)
        entries.append(entry)
    judge = make_user("judge")
    judging.set_panel(None, creative, "poster", [judge.id])
    creative.judges_per_entry = 1
    creative.approval_closes_at = creative.submit_closes_at = utcnow() - timedelta(minutes=1)
    creative.submit_opens_at = creative.submit_closes_at - timedelta(days=3)
    judging.assign_entries(None, creative, "poster")
    for assignment in db.session.execute(select(Assignment)).scalars():
        points = 9 - entries.index(assignment.entry) * 2  # the first two win the two prizes, the third none
        judging.save_scores(judge, assignment, {"noi_dung": points, "sang_tao": points, "tham_my": points,
                                                "lan_toa": points}, submit=True)
    judging.publish_results(None, creative)
    db.session.commit()

    client.post("/logout")
    listing = client.get("/trien-lam").get_data(as_text=True)
    for entry in entries:
        thumb = f"/files/{entry.files[0].id}/thumb"
        assert f'src="{thumb}"' in listing
        assert client.get(thumb).headers["Content-Type"] == "image/jpeg"  # anonymous: the gallery is public
    assert listing.count('loading="lazy"') >= 3
    winner = client.get(f"/trien-lam/{entries[0].id}").get_data(as_text=True)
    other = client.get(f"/trien-lam/{entries[2].id}").get_data(as_text=True)
    assert p.students[0].full_name in winner and f'src="/files/{entries[0].files[0].id}/thumb"' in winner
    assert p.students[2].full_name not in other and f'src="/files/{entries[2].files[0].id}/thumb"' in other


def test_while_a_file_is_processed_the_page_says_so_and_the_entry_waits_to_be_submitted(client, student_login, poster,
                                                                                       school_people, db):
    from app.jobs.models import Job
    student = school_people.students[0]
    upload = uploads.begin(student.user, poster, filename="IMG_0042.MOV", size=10)
    job = Job(id="a" * 32, kind=uploads.JOB_KIND, params={"upload_id": upload.id}, title="", user_id=student.user.id,
              status="running", done=40, total=100)
    db.session.add(job)
    upload.state, upload.job_id = "finishing", job.id
    db.session.commit()
    assert "tệp vừa tải lên (máy chủ đang kiểm tra, chờ xong rồi nộp)" in services.missing_for_submit(poster)
    student_login(student)
    page = client.get(f"/entries/{poster.id}").get_data(as_text=True)
    assert "Đang xử lý “IMG_0042.MOV”" in page and f'data-processing="/jobs/{job.id}"' in page
    assert "<span data-percent>40</span> %" in page
    refused = client.post(f"/entries/{poster.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "chờ xong rồi nộp" in refused
