"""Phone videos (app/entries/media.py and the `entries.upload` job): a MOV, an HEVC or a 3GP
is converted to an MP4 of H.264 and AAC with a poster frame and without the place and
author the phone wrote in it; a file ffmpeg cannot read fails its job with a Vietnamese
message on the entry page. Videos are made by ffmpeg in the tests (the `ffmpeg` marker)."""
import io
import json
import subprocess
import tempfile

import pytest
from PIL import Image

from app.core.storage import get_storage
from app.entries import media, services, uploads
from app.entries.models import Entry
from app.extensions import db

pytestmark = pytest.mark.ffmpeg


@pytest.fixture
def video_entry(creative, school_people, db):
    entry = services.create_entry(school_people.teacher, creative, category="video", title="VNeID trong 60 giây",
                                  member_ids=[school_people.students[0].id])
    db.session.commit()
    return entry


@pytest.fixture
def upload_as(login, client, school_people):
    """Send a file to an entry in 64 KB chunks as the entry's advisor; the last answer."""
    login(school_people.teacher)

    def send(entry, data, name):
        begun = client.post(f"/entries/{entry.id}/uploads", json={"name": name, "size": len(data)},
                            headers={"Accept": "application/json"})
        answer = begun.get_json()
        while answer.get("state") == "receiving":
            offset = answer["offset"]
            answer = client.patch(f"/entries/{entry.id}/uploads/{answer['id']}",
                                  data=data[offset:offset + answer["chunk_size"]],
                                  headers={"Upload-Offset": str(offset), "Accept": "application/json"}).get_json()
        return answer
    return send


def streams_of(data):
    """What ffprobe says of an MP4: its streams' codecs and the container's tags."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        found = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,pix_fmt:format_tags",
             "-of", "json", f.name], check=True, capture_output=True).stdout)
    return {s["codec_type"]: s["codec_name"] for s in found["streams"]}, found.get("format", {}).get("tags", {})


def stored_video(entry):
    db.session.refresh(entry)
    [record] = entry.files
    return record, get_storage().read_bytes(services.file_key(entry, record.stored_name))


@pytest.mark.parametrize("suffix,codec,how", [
    (".mov", "h264", "remux"),   # an iPhone's "Most Compatible" MOV: copied, not encoded
    (".mov", "hevc", "encode"),  # an iPhone's "High Efficiency" MOV
    (".mp4", "hevc", "encode"),  # HEVC in MP4 (Android)
    (".3gp", "mpeg4", "encode"),  # an older Android's 3GP
])
def test_a_phone_video_becomes_a_browsers_mp4_with_a_poster_frame(upload_as, video_entry, client, phone_video, db,
                                                                  suffix, codec, how):
    data = phone_video(suffix, codec=codec)
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        assert media.probe(f.name, media.demuxer_of(data[:64]), "Tệp").copies == how
    answer = upload_as(video_entry, data, f"clip{suffix}")
    assert answer["job"]["status"] == "done", answer
    message = "Đã tải lên “clip.mp4”." if suffix == ".mp4" else f"Đã nhận “clip{suffix}” và chuyển sang MP4."
    assert answer["job"]["message"] == message
    record, stored = stored_video(video_entry)
    assert (record.kind, record.mime, record.original_name) == ("video", "video/mp4", f"clip{suffix}")
    assert 0.9 < record.duration < 1.2
    codecs, tags = streams_of(stored)
    assert codecs == {"video": "h264", "audio": "aac"}
    assert not {"location", "artist", "location-eng"} & set(tags), tags  # where and by whom it was shot: gone
    assert b"105.7720" not in stored and "Phương Thảo".encode() not in stored
    frame = client.get(f"/files/{record.id}/thumb")
    assert frame.status_code == 200 and frame.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(frame.data)).size == (320, 240)
    page = client.get(f"/entries/{video_entry.id}").get_data(as_text=True)
    assert f'poster="/files/{record.id}/thumb"' in page and 'preload="none"' in page


def test_a_large_video_is_scaled_to_1280_pixels_and_sent_whole_without_javascript(login, client, video_entry,
                                                                                  school_people, phone_video, db):
    login(school_people.teacher)
    data = phone_video(".mov", codec="hevc", size="1920x1080", seconds=1)
    page = client.post(f"/entries/{video_entry.id}/files", data={"file": (io.BytesIO(data), "IMG_0042.MOV")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã nhận “IMG_0042.MOV” và chuyển sang MP4." in page
    record, stored = stored_video(video_entry)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(stored)
        f.flush()
        size = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                               "stream=width,height", "-of", "csv=p=0", f.name], check=True, capture_output=True)
    assert size.stdout.decode().strip() == "1280,720"


def test_a_file_ffmpeg_cannot_read_fails_with_a_message_on_the_entry_page(upload_as, video_entry, client, db):
    broken = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00\x00\x10\x00moov" + b"\x13" * 5000
    answer = upload_as(video_entry, broken, "IMG_0001.MOV")
    assert answer["job"]["status"] == "failed"
    assert answer["job"]["message"].startswith("Tệp “IMG_0001.MOV” không đọc được như video (MP4, MOV (iPhone), 3GP")
    assert db.session.get(Entry, video_entry.id).files == []
    assert get_storage().list_keys(uploads.parts_prefix(answer["id"])) == []
    page = client.get(f"/entries/{video_entry.id}").get_data(as_text=True)
    assert "Tệp “IMG_0001.MOV” không được nhận:" in page and "không đọc được như video" in page


def test_a_picture_sent_as_a_video_and_a_video_too_long_are_refused(upload_as, video_entry, creative, phone_video,
                                                                     png_bytes, db):
    answer = upload_as(video_entry, png_bytes(), "anh.mov")
    assert answer["job"]["message"] == ("Tệp “anh.mov” không phải video (MP4, MOV (iPhone), 3GP, WebM, MKV hay "
                                        "AVI).")
    creative.file_rules = {**creative.file_rules, "video": {"max_seconds": 10}}
    db.session.commit()
    answer = upload_as(video_entry, phone_video(".mov", seconds=12, size="160x120", audio=False), "dai.mov")
    assert answer["job"]["message"] == "Video dài 12 giây, quá 10 giây cho phép."


def test_without_ffmpeg_an_mp4_is_still_taken_and_a_mov_refused_with_the_reason(upload_as, video_entry,
                                                                                phone_video, monkeypatch, db):
    mp4, mov = phone_video(".mp4"), phone_video(".mov")
    monkeypatch.setattr(media, "available", lambda: False)
    answer = upload_as(video_entry, mov, "a.mov")
    assert answer["job"]["status"] == "failed" and "chưa cài ffmpeg" in answer["job"]["message"]
    answer = upload_as(video_entry, mp4, "a.mp4")
    assert answer["job"]["status"] == "done"
    record, _ = stored_video(video_entry)
    assert record.thumb_name is None  # no poster frame without ffmpeg


def test_a_conversion_slower_than_its_limit_is_stopped(app, upload_as, video_entry, phone_video, monkeypatch):
    data = phone_video(".mov", codec="hevc")
    monkeypatch.setitem(app.config, "ENTRY_VIDEO_CONVERT_SECONDS", 0.01)  # no encode starts and ends in 10 ms
    answer = upload_as(video_entry, data, "cham.mov")
    assert answer["job"]["status"] == "failed" and "lâu quá" in answer["job"]["message"]
