"""A chunked upload on two app hosts behind nginx, for real (tests/plugins/cluster.py): its
chunks go to one host and the other in turn, the parts wait in the shared bucket, the jobs
worker (another process) joins them and converts the phone's MOV, and no host keeps a copy
of its own. Runs in the PostgreSQL run, with Redis and ffmpeg."""
import pytest
from sqlalchemy import select

from app.core.storage import get_storage
from app.entries import services, uploads
from app.entries.models import EntryFile

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.ffmpeg, pytest.mark.usefixtures("on_hosts")]


def test_chunks_taken_by_both_hosts_are_joined_and_converted_by_the_worker(hosts, creative, school_people, db,
                                                                           Browser, wait_for, phone_video,
                                                                           TEST_PASSWORD):
    entry = services.create_entry(school_people.teacher, creative, category="video", title="VNeID trong 60 giây",
                                  member_ids=[school_people.students[0].id])
    db.session.commit()
    data = phone_video(".mov", seconds=3, size="1920x1080", lossless=True)
    assert len(data) > 2 * uploads.CHUNK_BYTES  # three chunks of 5 MB at least
    browser, entrance = Browser(), hosts.entrance()
    assert browser.login(entrance, "gv.ta", TEST_PASSWORD).status_code == 302
    headers = {"X-CSRFToken": browser.form_token(f"{entrance}/entries/{entry.id}"), "Accept": "application/json"}
    begun = browser.post(f"{entrance}/entries/{entry.id}/uploads", json={"name": "IMG_0042.MOV", "size": len(data)},
                         headers=headers)
    assert begun.status_code == 201, begun.text[:300]

    answer, took, bases = begun.json(), [], list(hosts.instances.values())
    while answer["state"] == "receiving":
        offset = answer["offset"]
        sent = browser.patch(f"{bases[len(took) % 2]}/entries/{entry.id}/uploads/{answer['id']}",
                             data=data[offset:offset + answer["chunk_size"]],
                             headers={**headers, "Upload-Offset": str(offset)})
        assert sent.status_code == 200, sent.text[:300]
        took.append(sent.headers["X-Instance"])
        answer = sent.json()
    assert set(took) == {"web1", "web2"}

    job = wait_for(lambda: browser.get(f"{entrance}/jobs/{answer['job']['id']}",
                                       headers={"Accept": "application/json"}).json(),
                   lambda state: state["status"] in ("done", "failed"), 90, "the upload's job did not end")
    assert job["status"] == "done" and job["message"] == "Đã nhận “IMG_0042.MOV” và chuyển sang MP4.", job
    record = db.session.execute(select(EntryFile).where(EntryFile.entry_id == entry.id)).scalar_one()
    served = browser.get(f"{entrance}/files/{record.id}/thumb")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert get_storage().list_keys(uploads.PARTS) == []  # the parts went once the video was kept
    # neither host kept a copy of its own: the bucket is the only home of the parts and the video
    assert [path for web in hosts.instances for path in hosts.upload_dir(web).rglob("*") if path.is_file()] == []
