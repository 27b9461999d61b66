"""Uploads from a phone in Chromium: the entry page sends the file in chunks with a progress
bar, and when the connection drops (one chunk never reaches the server, the answer to
another is lost) it waits, asks the server where the upload stands and goes on to the end;
a phone's MOV is converted on the server and shown with its poster frame."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts, set_password
from app.core.storage import get_storage
from app.core.timeutil import utcnow
from app.entries import services
from app.entries.models import Entry, EntryUpload

CHUNK = 64 * 1024


@pytest.fixture
def maker(live_app, tree, school, make_class, make_student, monkeypatch, db, TEST_PASSWORD):
    """A student of school A with a poster entry and a video entry in an open contest; the
    live server takes 64 KB chunks."""
    monkeypatch.setitem(live_app.config, "ENTRY_UPLOAD_CHUNK_BYTES", CHUNK)
    now = utcnow()
    contest = services.create_contest(
        None, tree.so, code="DT2026", name="Sáng tạo từ điện thoại", school_year=2026, levels=("THPT",),
        categories=("poster", "video"), submit_opens_at=now - timedelta(days=1),
        submit_closes_at=now + timedelta(days=5), approval_closes_at=now + timedelta(days=10),
        advisor_required=False, file_rules={"poster": {"min_long_side": 300}})
    student = make_student(make_class(school, "10A1", year=2026), "Nguyễn Thị Phương Thảo")
    ensure_student_accounts(None, [student], school)
    set_password(student.user, TEST_PASSWORD)
    poster = services.create_entry(student.user, contest, category="poster", title="Một chạm, vạn dịch vụ")
    video = services.create_entry(student.user, contest, category="video", title="VNeID trong 60 giây")
    db.session.commit()
    return type("Maker", (), dict(user=student.user, poster=poster, video=video))


def test_an_upload_cut_off_twice_resumes_and_finishes(page, log_in, maker, db, tmp_path, png_bytes, screenshot,
                                                      assert_fits_phone):
    data = png_bytes((640, 480), noise=True)  # about 900 KB: 15 chunks of 64 KB
    path = tmp_path / "ap-phich.png"
    path.write_bytes(data)
    sent, reached = [], []

    def network(route):
        request = route.request
        if request.method != "PATCH":
            route.continue_()
            return
        sent.append(int(request.headers["upload-offset"]))
        if len(sent) == 3:  # the Wi-Fi drops before the chunk leaves the phone
            route.abort("internetdisconnected")
        elif len(sent) == 6:  # the chunk arrives, the answer is lost
            route.fetch()
            reached.append(sent[-1])
            route.abort("connectionreset")
        else:
            reached.append(sent[-1])
            route.continue_()

    log_in(maker.user.username)
    page.route(re.compile(r"/entries/\d+/uploads/[0-9a-f]{32}$"), network)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.method == "GET" and "/uploads/" in r.url else None)
    page.goto(f"/entries/{maker.poster.id}")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Tải lên").click()
    status = page.locator(".upload-status")
    expect(status).to_contain_text("Mất kết nối")
    expect(page.locator("form[data-upload] progress")).to_be_visible()
    screenshot(page, "upload-dropped")
    expect(page.locator("img.work-img")).to_have_count(1, timeout=30_000)  # the page reloads with the poster

    # every chunk went once to the server, but the one that never left (sent again) and the one
    # whose answer was lost (the server said where it stood, 409 or a status, and the upload went on)
    offsets = list(range(0, len(data), CHUNK))
    assert sorted(set(reached)) == offsets and len(asked) >= 2
    assert sent[2] == sent[3] == offsets[2]
    entry = db.session.get(Entry, maker.poster.id)
    db.session.refresh(entry)
    [record] = entry.files
    stored = get_storage().read_bytes(services.file_key(entry, record.stored_name))
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    assert db.session.query(EntryUpload).one().state == "done"
    expect(page.locator("body")).to_contain_text("ap-phich.png")
    assert_fits_phone(page)
    screenshot(page, "upload-resumed")


@pytest.mark.ffmpeg
def test_a_phone_mov_is_converted_and_shown_with_its_poster_frame(page, log_in, maker, tmp_path, phone_video,
                                                                  screenshot):
    path = tmp_path / "IMG_0042.MOV"
    path.write_bytes(phone_video(".mov", codec="hevc", seconds=2, size="640x360"))
    log_in(maker.user.username)
    page.goto(f"/entries/{maker.video.id}")
    expect(page.locator("#file")).to_have_attribute("accept", re.compile(r"video/\*"))
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Tải lên").click()
    video = page.locator("video.work-video")
    expect(video).to_have_count(1, timeout=30_000)
    expect(video).to_have_attribute("poster", re.compile(r"^/files/\d+/thumb$"))
    poster_loads = page.evaluate("""(url) => new Promise(done => { const image = new Image();
        image.onload = () => done([image.naturalWidth, image.naturalHeight]); image.onerror = () => done(null);
        image.src = url; })""", video.get_attribute("poster"))
    assert poster_loads == [480, 270]
    expect(page.locator("body")).to_contain_text("IMG_0042.MOV")
    screenshot(page, "upload-video")
