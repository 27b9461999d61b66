"""The file storage: one contract, kept by the local folder and by S3 (moto's in-process
S3, nothing leaves the machine); entry files served through it; a pending import
confirmed on another app host than the one that previewed it; a certificate whose seal
is gone refuses to render; keys that could leave the storage refused."""
import io
import os
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from moto import mock_aws
from sqlalchemy import func, select

from app import create_app
from app.certificates import services as certificates
from app.certificates.render import CertificateRenderer
from app.core import uploads
from app.core.errors import DomainError
from app.core.storage import InvalidKey, LocalStorage, S3Storage, StorageMissing, get_storage, join_key, \
    storage_from_config
from app.entries import services as entries
from app.extensions import db as _db
from app.org.models import Student
from app.org.services import set_class_teachers

BUCKET = "dvc-files"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


@pytest.fixture
def aws(monkeypatch):
    """moto's S3 with made-up credentials, whatever the environment holds."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    request.getfixturevalue("aws")
    return S3Storage(BUCKET, "site")


@pytest.fixture
def app_storage(app, storage, monkeypatch):
    """The app's storage is the backend under test."""
    monkeypatch.setitem(app.extensions, "storage", storage)
    return storage


def body(response):
    response.direct_passthrough = False  # a streamed file: read it here as a client would
    data = response.get_data()
    response.close()
    return data


# ---------------------------------------------------------------- the contract, on both backends


def test_bytes_saved_are_read_back_with_their_size(storage):
    storage.save("entries/12/abc.pdf", PDF, content_type="application/pdf")

    assert storage.exists("entries/12/abc.pdf")
    assert storage.read_bytes("entries/12/abc.pdf") == PDF
    assert storage.size("entries/12/abc.pdf") == len(PDF)
    with storage.open("entries/12/abc.pdf") as stream:
        assert stream.read(9) == b"%PDF-1.4\n"


def test_a_large_stream_is_saved_whole_and_a_second_save_replaces_it(storage):
    data = os.urandom(9 * 1024 * 1024)  # past boto3's 8 MB threshold: sent in parts to S3

    storage.save("entries/1/video.mp4", io.BytesIO(data), content_type="video/mp4")
    assert storage.size("entries/1/video.mp4") == len(data) and storage.read_bytes("entries/1/video.mp4") == data

    storage.save("entries/1/video.mp4", b"short")
    assert storage.read_bytes("entries/1/video.mp4") == b"short"


def test_a_missing_key_raises_storage_missing_and_deleting_it_is_harmless(storage):
    assert not storage.exists("entries/1/none.pdf")
    for read in (storage.open, storage.read_bytes, storage.size):
        with pytest.raises(StorageMissing) as caught:
            read("entries/1/none.pdf")
        assert caught.value.key == "entries/1/none.pdf"
    storage.delete("entries/1/none.pdf")


def test_a_deleted_file_is_gone(storage):
    storage.save("certificates/5/seal.png", b"png")
    storage.delete("certificates/5/seal.png")

    assert not storage.exists("certificates/5/seal.png")
    with pytest.raises(StorageMissing):
        storage.read_bytes("certificates/5/seal.png")


def test_a_folder_lists_and_purges_only_its_own_files(storage):
    for key in ("entries/1/a.pdf", "entries/1/b/c.jpg", "entries/12/d.pdf", "pending/7-x.bin"):
        storage.save(key, b"x")

    assert storage.list_keys("entries/1") == ["entries/1/a.pdf", "entries/1/b/c.jpg"]  # not entries/12
    assert storage.delete_prefix("entries/1") == 2

    assert storage.list_keys("entries") == ["entries/12/d.pdf"]
    assert storage.exists("pending/7-x.bin")
    assert storage.list_keys("nothing") == [] and storage.delete_prefix("nothing") == 0


def test_a_purge_with_older_than_keeps_what_is_younger(storage):
    storage.save("pending/1-a.bin", b"a")
    storage.save("pending/2-b.bin", b"b")
    tomorrow = datetime.now(timezone.utc) + timedelta(hours=25)

    assert storage.delete_prefix("pending", older_than=timedelta(hours=24)) == 0
    assert storage.list_keys("pending", older_than=timedelta(hours=24), now=tomorrow) == [
        "pending/1-a.bin", "pending/2-b.bin"]
    assert storage.delete_prefix("pending", older_than=timedelta(hours=24), now=tomorrow) == 2
    assert storage.list_keys("pending") == []


def test_a_purge_on_disk_tells_old_files_from_new_ones(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.save("pending/1-old.bin", b"a")
    storage.save("pending/2-new.bin", b"b")
    day_ago = time.time() - 25 * 3600
    os.utime(tmp_path / "pending" / "1-old.bin", (day_ago, day_ago))

    assert storage.delete_prefix("pending", older_than=timedelta(hours=24)) == 1
    assert storage.list_keys("pending") == ["pending/2-new.bin"]


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "", "a\\..\\b", ".hidden",
                                 "entries/1/", "C:/x", "a b", None])
def test_a_key_that_could_leave_the_storage_is_refused_before_any_backend_sees_it(storage, key):
    for operation in (lambda: storage.save(key, b"x"), lambda: storage.open(key), lambda: storage.exists(key),
                      lambda: storage.delete(key), lambda: storage.size(key), lambda: storage.list_keys(key),
                      lambda: storage.delete_prefix(key)):
        with pytest.raises(InvalidKey):
            operation()


def test_join_key_builds_checked_keys():
    assert join_key("entries", 12, "abc.pdf") == "entries/12/abc.pdf"
    assert join_key("", "abc.pdf") == "abc.pdf"
    with pytest.raises(InvalidKey):
        join_key("entries", "../x")


def test_a_file_is_sent_whole_with_its_type_name_and_cache_policy(app, storage):
    storage.save("entries/3/f.pdf", PDF)
    with app.test_request_context("/files/9"):
        response = storage.send("entries/3/f.pdf", "AP-001-1.pdf", "application/pdf", cache_control="no-store")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == "inline; filename=AP-001-1.pdf"
        assert response.headers["Cache-Control"] == "no-store"
        assert int(response.headers["Content-Length"]) == len(PDF)
        assert body(response) == PDF


def test_a_range_is_answered_so_a_video_can_seek(app, storage):
    storage.save("entries/3/v.mp4", PDF)
    with app.test_request_context("/files/9", headers={"Range": "bytes=100-199"}):
        response = storage.send("entries/3/v.mp4", "v.mp4", "video/mp4")
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"
        assert body(response) == PDF[100:200]


def test_an_attachment_with_a_vietnamese_name_is_named_for_every_browser(app, storage):
    storage.save("entries/3/f.pdf", PDF)
    with app.test_request_context("/"):
        response = storage.send("entries/3/f.pdf", "Bài dự thi.pdf", "application/pdf", as_attachment=True)
        disposition = response.headers["Content-Disposition"]
        response.close()
    assert disposition.startswith("attachment;") and "filename*=UTF-8''B%C3%A0i%20d%E1%BB%B1%20thi.pdf" in disposition


def test_sending_a_missing_file_raises_storage_missing(app, storage):
    with app.test_request_context("/"), pytest.raises(StorageMissing):
        storage.send("entries/3/none.pdf", "x.pdf", "application/pdf")


def test_with_presigning_s3_redirects_to_a_short_lived_signed_url_of_a_private_object(app, aws):
    storage = S3Storage(BUCKET, "site", presign=True, presign_seconds=120)
    storage.save("entries/3/f.pdf", PDF)
    with app.test_request_context("/"):
        response = storage.send("entries/3/f.pdf", "AP-001-1.pdf", "application/pdf", cache_control="no-store")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    url = urlsplit(response.headers["Location"])
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["120"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"] == ["inline; filename=AP-001-1.pdf"]
    assert storage.served_from == f"{url.scheme}://{url.netloc}"
    fetched = requests.get(response.headers["Location"], timeout=10)
    assert fetched.content == PDF and fetched.headers["Content-Type"] == "application/pdf"
    # the object itself is not public: without the signature it is refused
    assert requests.get(f"{url.scheme}://{url.netloc}{url.path}", timeout=10).status_code == 403
    with app.test_request_context("/"), pytest.raises(StorageMissing):
        storage.send("entries/3/none.pdf", "x.pdf", "application/pdf")


def test_with_presigning_the_pages_may_show_images_and_video_from_the_storage(tmp_path, aws, database_uri):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "UPLOAD_DIR": str(tmp_path),
                      "STORAGE_URL": f"s3://{BUCKET}/site", "STORAGE_PRESIGN": True})
    origin = app.extensions["storage"].served_from
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert f"img-src 'self' data: {origin};" in policy and f"media-src 'self' {origin};" in policy
    with app.app_context():
        _db.engine.dispose()


# ---------------------------------------------------------------- settings


def test_storage_url_chooses_the_backend_and_defaults_to_upload_dir(tmp_path):
    default = storage_from_config({"UPLOAD_DIR": str(tmp_path), "STORAGE_URL": ""})
    assert isinstance(default, LocalStorage) and default.root == tmp_path
    shared = storage_from_config({"UPLOAD_DIR": "/ignored", "STORAGE_URL": "file:///srv/dvc%20files"})
    assert isinstance(shared, LocalStorage) and str(shared.root) == "/srv/dvc files"
    s3 = storage_from_config({"UPLOAD_DIR": "/ignored", "STORAGE_URL": "s3://dvc-files/site/prod/",
                              "S3_ENDPOINT_URL": "http://127.0.0.1:9000"})
    assert (s3.bucket, s3.prefix, s3.endpoint_url, s3.presign) == ("dvc-files", "site/prod", "http://127.0.0.1:9000",
                                                                   False)
    for wrong in ("file://relative/path", "s3:///no-bucket", "ftp://host/x", "/just/a/path"):
        with pytest.raises(ValueError):
            storage_from_config({"UPLOAD_DIR": "/ignored", "STORAGE_URL": wrong})


def test_a_minio_endpoint_is_addressed_with_the_bucket_in_the_path(aws):
    storage = S3Storage(BUCKET, "", endpoint_url="http://127.0.0.1:9000", presign=True)
    assert storage.served_from == "http://127.0.0.1:9000"
    assert storage.client.meta.config.s3["addressing_style"] == "path"


# ---------------------------------------------------------------- the callers, through the storage


def test_an_uploaded_entry_file_is_served_from_the_storage(app_storage, client, login, creative, school_people, db,
                                                            png_bytes):
    p = school_people
    entry = entries.create_entry(p.teacher, creative, category="poster", title="Bài", member_ids=[p.students[0].id])
    record = entries.add_file(p.teacher, entry, io.BytesIO(png_bytes((500, 400))), "poster.png")
    db.session.commit()
    key = entries.file_key(entry, record.stored_name)
    assert app_storage.list_keys(entries.files_prefix(creative.id)) == sorted(
        [key, entries.file_key(entry, record.thumb_name)])

    login(p.teacher)
    response = client.get(f"/files/{record.id}")
    assert response.status_code == 200 and response.get_data() == app_storage.read_bytes(key)
    assert response.headers["Content-Type"] == "image/png" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    thumb = client.get(f"/files/{record.id}/thumb")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.get_data()[:3] == b"\xff\xd8\xff"

    app_storage.delete(key)  # lost from the storage: a 404, not a server error
    assert client.get(f"/files/{record.id}").status_code == 404


@pytest.fixture(params=["file", "s3"])
def shared_storage_url(request, tmp_path):
    if request.param == "file":
        return (tmp_path / "shared").as_uri()
    request.getfixturevalue("aws")
    return f"s3://{BUCKET}/site"


@pytest.fixture
def two_hosts(app, tmp_path, shared_storage_url):
    """Two app hosts behind one proxy: each its own UPLOAD_DIR, one database, one storage."""
    hosts = [create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": app.config["SECRET_KEY"], "UPLOAD_DIR": str(tmp_path / name),
                         "STORAGE_URL": shared_storage_url, "WTF_CSRF_ENABLED": False,
                         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
             for name in ("host-a", "host-b")]
    yield hosts
    for host in hosts:
        with host.app_context():
            _db.engine.dispose()


def test_a_roster_previewed_on_one_host_is_confirmed_on_another(two_hosts, tmp_path, tree, teacher, make_class, db,
                                                                 messy_class_roster, TEST_PASSWORD):
    class_10a1 = make_class(tree.school_a, "10A1")
    set_class_teachers(None, class_10a1, [teacher])
    db.session.commit()
    host_a, host_b = (host.test_client() for host in two_hosts)
    assert host_a.post("/login", data={"username": teacher.username, "password": TEST_PASSWORD}).status_code == 302
    url = f"/classes/{class_10a1.id}/roster"

    page = host_a.post(url, data={"file": (io.BytesIO(messy_class_roster()), "ds.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    with two_hosts[0].app_context():
        assert get_storage().list_keys("pending") == [f"pending/{teacher.id}-{token}.bin"]
    # the proxy sends the confirmation to the other host, with the same login
    host_b.set_cookie("session", host_a.get_cookie("session").value, domain="localhost")
    response = host_b.post(url, data={"token": token, "action": "commit"})

    assert response.status_code == 302
    assert "hết hạn" not in host_b.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 4
    with two_hosts[1].app_context():
        assert get_storage().list_keys("pending") == []  # thrown away once imported
    assert not any((tmp_path / name / "pending").exists() for name in ("host-a", "host-b"))


def test_a_pending_import_stays_bound_to_its_user(app_storage, app):
    with app.test_request_context("/"):
        token = uploads.save_pending(7, b"roster")
        assert uploads.load_pending(7, token) == b"roster"
        assert uploads.load_pending(8, token) is None  # another user's token reads nothing
        assert uploads.load_pending(7, "../../etc/passwd") is None
        uploads.drop_pending(8, token)
        assert uploads.load_pending(7, token) == b"roster"
        uploads.drop_pending(7, token)
        assert uploads.load_pending(7, token) is None


def test_a_pending_import_older_than_a_day_is_purged_by_the_next_one(tmp_path, app, monkeypatch):
    storage = LocalStorage(tmp_path)
    monkeypatch.setitem(app.extensions, "storage", storage)
    old = uploads.save_pending(7, b"old")
    day_ago = time.time() - 25 * 3600
    os.utime(tmp_path / "pending" / f"7-{old}.bin", (day_ago, day_ago))

    new = uploads.save_pending(8, b"new")

    assert uploads.load_pending(7, old) is None and uploads.load_pending(8, new) == b"new"


def test_a_certificate_whose_seal_is_gone_from_the_storage_is_refused(app_storage, client, login, finished, db,
                                                                       png_bytes):
    template = finished.template
    certificates.set_image(None, template, "signature", io.BytesIO(png_bytes((600, 300))), "con-dau.png")
    db.session.commit()
    folder = certificates.image_dir(template)
    assert "signature" in CertificateRenderer(template, certificates.verify_url, folder).images

    app_storage.delete(join_key(folder, template.signature_name))

    message = "Thiếu ảnh chữ ký, con dấu của mẫu giấy chứng nhận, hãy tải lại."
    with pytest.raises(DomainError, match=message):
        CertificateRenderer(template, certificates.verify_url, folder)
    login(finished.officer)
    template_page = f"/contests/{finished.contest.id}/certificates/template"
    response = client.get(f"/contests/{finished.contest.id}/certificates/preview.pdf",
                          headers={"Referer": f"http://localhost{template_page}"})
    assert response.status_code == 302 and response.headers["Location"] == template_page
    assert message in client.get(template_page).get_data(as_text=True)


def test_a_replaced_template_image_leaves_the_storage_only_when_the_change_commits(app_storage, finished, db,
                                                                                   png_bytes):
    template = finished.template
    first = certificates.set_image(None, template, "logo", io.BytesIO(png_bytes((300, 300))), "logo.png")
    db.session.commit()
    folder = certificates.image_dir(template)
    second = certificates.set_image(None, template, "logo", io.BytesIO(png_bytes((320, 320))), "logo2.png")
    assert app_storage.exists(join_key(folder, first.name)) and app_storage.exists(join_key(folder, second.name))

    db.session.rollback()  # the replacement failed: the template keeps its logo, and the logo its file

    assert app_storage.exists(join_key(folder, first.name)) and not app_storage.exists(join_key(folder, second.name))
    certificates.set_image(None, template, "logo", io.BytesIO(png_bytes((320, 320))), "logo2.png")
    db.session.commit()
    assert not app_storage.exists(join_key(folder, first.name))
    assert app_storage.list_keys(folder) == sorted(join_key(folder, name) for name in (
        template.logo_name, template.logo_name.replace(".png", "_thumb.jpg")))

