"""Uploads that go on where they stopped: a phone on a school's Wi-Fi sends a 200 MB video
in chunks, and a dropped connection costs one chunk, not the file.

The protocol (the entry page's static/js/uploader.js speaks it; views in app.entries.views):

1. `POST /entries/<id>/uploads` with JSON `{"name", "size", "fingerprint"}` (the browser's
   size and date of the file) begins an upload, or finds the user's unfinished one of the
   same file, and answers `{"id", "offset", "size", "chunk_size"}`. The size is checked
   against the contest's limit before a byte is sent.
2. `PATCH /entries/<id>/uploads/<upload id>` with the header `Upload-Offset: n` and the
   bytes from n (a whole chunk, the last one shorter) answers `{"offset"}`; an offset other
   than the server's answers 409 with the server's, which the client continues from.
3. `GET` of the same address answers where the upload stands (`offset`, `state`, its job),
   for a client whose connection dropped before it heard the answer.
4. The chunk that completes the file starts a background job (`entries.upload`, app/jobs)
   that joins the parts, checks the file as a single upload is checked
   (app.core.files), converts a phone video (app.entries.media) and adds it to the entry;
   the answer names the job, whose page (`/jobs/<id>`, JSON) the client follows.
   `DELETE` gives up an upload.

Every request is the uploader's own (the upload row names its user; anyone else gets 404)
and carries the page's CSRF token. Parts are kept in the storage (app.core.storage) under
entry-uploads/<upload id>/<chunk number>, so with several app hosts behind nginx any host
takes the next chunk, and the job may run on another machine. A chunk has a fixed place
and length (the upload's chunk size), so the same chunk sent twice (a retry whose first
try did arrive) writes the same bytes, and the offset moves by one conditional UPDATE:
two hosts taking the same chunk at once move it once. Unfinished uploads are removed
after UPLOAD_IDLE_HOURS without a chunk, every upload after UPLOAD_MAX_HOURS
(`purge_stale`, run by `flask jobs purge` and every jobs worker)."""
import logging
import os
import secrets
import tempfile
from datetime import timedelta, timezone

from flask import current_app, has_app_context
from sqlalchemy import delete, or_, select, update

from app.core import files
from app.core.errors import DomainError
from app.core.storage import StorageMissing, get_storage, join_key
from app.core.template_helpers import filesize
from app.core.text import nfc
from app.core.timeutil import utcnow
from app.entries import services
from app.entries.models import EntryFile, EntryUpload, UploadState
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.services import start_job

log = logging.getLogger(__name__)

PARTS = "entry-uploads"
JOB_KIND = "entries.upload"
CHUNK_BYTES = 5 * 1024 * 1024  # ENTRY_UPLOAD_CHUNK_BYTES overrides it (the browser test sends small chunks)
MIN_CHUNK_BYTES = 16 * 1024
UPLOAD_IDLE_HOURS = 24
UPLOAD_MAX_HOURS = 48
GONE = "Tệp tải lên dở đã hết hạn hoặc bị hủy: hãy chọn tệp và tải lên lại."


class OffsetMismatch(Exception):
    """The chunk does not start where the upload stands; `offset` is where it does."""

    def __init__(self, offset):
        super().__init__(offset)
        self.offset = offset


def chunk_size_setting():
    size = current_app.config.get("ENTRY_UPLOAD_CHUNK_BYTES", CHUNK_BYTES) if has_app_context() else CHUNK_BYTES
    return max(MIN_CHUNK_BYTES, int(size))


def part_key(upload, number):
    return join_key(PARTS, upload.id, f"{int(number):06d}")


def parts_prefix(upload_id):
    return join_key(PARTS, upload_id)


def begin(actor, entry, *, filename, size, fingerprint="", now=None):
    """A new upload of `size` bytes to the entry, or the actor's unfinished upload of the same
    file (same name, size and fingerprint), to be continued."""
    now = now or utcnow()
    services.check_editable(actor, entry, now)
    services.check_room_for_file(entry)
    filename = nfc(str(filename or "")).strip()[:255]
    fingerprint = str(fingerprint or "")[:64]
    subject = files.file_subject(filename)
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise DomainError("Không đọc được dung lượng tệp.") from None
    limit = services.max_bytes_of(entry.contest.rules_for(entry.category))
    if size <= 0:
        raise DomainError(f"{subject} rỗng (0 byte), hãy chọn lại tệp.")
    if size > limit:
        raise DomainError(f"{subject} ({filesize(size)}) lớn hơn {filesize(limit)} cho phép.")
    if fingerprint:
        unfinished = db.session.execute(select(EntryUpload).where(
            EntryUpload.entry_id == entry.id, EntryUpload.user_id == actor.id, EntryUpload.filename == filename,
            EntryUpload.size == size, EntryUpload.fingerprint == fingerprint,
            EntryUpload.state == UploadState.RECEIVING, EntryUpload.updated_at >= now - idle_time())
            .order_by(EntryUpload.received.desc()).limit(1)).scalar()
        if unfinished is not None:
            return unfinished
    purge_stale(now, sweep_storage=False)
    upload = EntryUpload(id=secrets.token_hex(16), entry_id=entry.id, user_id=actor.id, filename=filename,
                         fingerprint=fingerprint, size=size, chunk_size=chunk_size_setting(), received=0,
                         state=UploadState.RECEIVING, created_at=now, updated_at=now)
    db.session.add(upload)
    db.session.flush()
    return upload


def expected_length(upload, offset):
    return min(upload.chunk_size, upload.size - offset)


def take_chunk(actor, upload, offset, stream, length, now=None):
    """Keep the chunk at `offset` (`length` bytes read from `stream`). OffsetMismatch when the
    upload stands elsewhere (a retry of a chunk already taken, or one sent too far); the
    completing chunk starts the job that finishes the file (the upload's `job` then)."""
    now = now or utcnow()
    if upload.state != UploadState.RECEIVING:
        raise OffsetMismatch(upload.received)
    if offset != upload.received:
        raise OffsetMismatch(upload.received)
    expected = expected_length(upload, offset)
    if length != expected:
        raise DomainError(f"Phần tệp từ byte {offset} phải dài {expected} byte, không phải {length}.")
    services.check_editable(actor, upload.entry, now)
    data = stream.read(expected + 1)
    if len(data) != expected:  # the connection dropped mid-chunk: nothing is kept
        raise DomainError("Phần tệp đến không đủ (mất kết nối giữa chừng): hãy gửi lại phần này.")
    get_storage().save(part_key(upload, offset // upload.chunk_size), data)
    complete = offset + expected == upload.size
    moved = db.session.execute(
        update(EntryUpload).where(EntryUpload.id == upload.id, EntryUpload.received == offset,
                                  EntryUpload.state == UploadState.RECEIVING)
        .values(received=offset + expected, updated_at=now, received_at=now if complete else None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(upload)
    if not moved:  # another request took this chunk first (the same bytes, at the same place)
        raise OffsetMismatch(upload.received)
    if complete:
        finish(actor, upload)
    return upload


def take_whole(actor, entry, stream, filename, now=None):
    """A file sent in one request (the form without JavaScript) goes the same way as a chunked
    one: kept as a single part, then finished by the job. Returns the upload."""
    now = now or utcnow()
    services.check_editable(actor, entry, now)
    services.check_room_for_file(entry)
    limit = services.max_bytes_of(entry.contest.rules_for(entry.category))
    subject = files.file_subject(filename)
    with tempfile.TemporaryFile(prefix="upload-") as copy:
        size = 0
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise DomainError(f"{subject} lớn hơn {filesize(limit)} cho phép.")
            copy.write(chunk)
        if size == 0:
            raise DomainError(f"{subject} rỗng (0 byte), hãy chọn lại tệp.")
        copy.seek(0)
        upload = EntryUpload(id=secrets.token_hex(16), entry_id=entry.id, user_id=actor.id,
                             filename=nfc(str(filename or "")).strip()[:255], size=size, chunk_size=size,
                             received=size, state=UploadState.RECEIVING, created_at=now, updated_at=now,
                             received_at=now)
        get_storage().save(part_key(upload, 0), copy)
    db.session.add(upload)
    db.session.flush()
    finish(actor, upload)
    return upload


def finish(actor, upload):
    """The file is all here: its job joins, checks, converts and attaches it. Without Redis
    the job has run when this returns (app.jobs)."""
    upload.state = UploadState.FINISHING
    job = start_job(actor, JOB_KIND, {"upload_id": upload.id}, f"Xử lý tệp “{upload.filename}”")
    upload.job_id = job.id
    return job


def cancel(upload):
    """Give up an unfinished upload: its parts and its row go."""
    if upload.state != UploadState.RECEIVING:
        raise DomainError("Tệp đã tải lên xong, không hủy được nữa.")
    upload_id = upload.id
    db.session.delete(upload)
    db.session.flush()
    get_storage().delete_prefix(parts_prefix(upload_id))


def status(upload):
    """What the client is told of an upload (the same shape for every answer)."""
    answer = {"ok": True, "id": upload.id, "offset": upload.received, "size": upload.size,
              "chunk_size": upload.chunk_size, "state": upload.state, "name": upload.filename}
    if upload.job is not None:
        answer["job"] = {"id": upload.job.id, **upload.job.as_json()}
    if upload.file_id:
        answer["file_id"] = upload.file_id
    return answer


# The job: join, check, convert, attach ------------------------------------------------------

def run_finish(context):
    """The `entries.upload` job (registered in app.entries.jobs). Safe to run again: a
    finished upload is not done twice, and the parts stay until the job is over."""
    upload = db.session.get(EntryUpload, context.params["upload_id"])
    if upload is None:
        raise DomainError(GONE)
    if upload.state == UploadState.DONE:
        return _done_message(upload)
    upload.job_id = context.job.id
    entry, user = upload.entry, context.user
    if user is None or not services.is_author(user, entry):
        raise DomainError("Bạn không còn trong nhóm tác giả của bài dự thi này.")
    try:
        # the deadline is checked at the moment the last byte came, not after the conversion
        services.check_editable(user, entry, upload.received_at or utcnow())
        if entry.category == "model":
            services.check_room_for_file(entry)
        with tempfile.TemporaryDirectory(prefix="upload-") as work:
            source = os.path.join(work, "source")
            _join_parts(upload, source)
            context.progress(0, 100)
            stored = services.store_checked_file(entry, source, upload.filename,
                                                 progress=lambda done, total: context.progress(done, total))
        record = services.attach_file(user, entry, stored, upload.filename)
        upload.state, upload.file_id = UploadState.DONE, record.id
        db.session.flush()
    finally:
        # the parts are of no more use whatever the outcome (a refused file is refused again);
        # only a worker that dies here leaves them, for the job's next run
        get_storage().delete_prefix(parts_prefix(upload.id))
    return _done_message(upload)


def _done_message(upload):
    record = db.session.get(EntryFile, upload.file_id) if upload.file_id else None
    if record is not None and record.kind == "video" and not upload.filename.lower().endswith(".mp4"):
        return f"Đã nhận “{upload.filename}” và chuyển sang MP4."
    return f"Đã tải lên “{upload.filename}”."


def _join_parts(upload, target):
    """The parts, in order, into one local file; each must be exactly as long as its place."""
    storage = get_storage()
    count = -(-upload.size // upload.chunk_size)
    with open(target, "wb") as out:
        for number in range(count):
            expected = expected_length(upload, number * upload.chunk_size)
            try:
                with storage.open(part_key(upload, number)) as part:
                    written = 0
                    while data := part.read(1024 * 1024):
                        written += len(data)
                        if written > expected:
                            break
                        out.write(data)
            except StorageMissing:
                raise DomainError(GONE) from None
            if written != expected:
                log.warning("upload %s: part %s has %s bytes, not %s", upload.id, number, written, expected)
                raise DomainError(GONE)


# Tidying up ---------------------------------------------------------------------------------

def idle_time():
    return timedelta(hours=UPLOAD_IDLE_HOURS)


def purge_stale(now, sweep_storage=True):
    """Remove uploads without a chunk for UPLOAD_IDLE_HOURS or begun more than UPLOAD_MAX_HOURS
    ago (their rows and parts), and, with `sweep_storage`, parts older than any upload may be
    that no row names (their row went with its entry). Returns how many uploads went."""
    stale = db.session.execute(select(EntryUpload.id).where(or_(
        EntryUpload.updated_at < now - idle_time(),
        EntryUpload.created_at < now - timedelta(hours=UPLOAD_MAX_HOURS)))).scalars().all()
    if stale:
        db.session.execute(delete(EntryUpload).where(EntryUpload.id.in_(stale))
                           .execution_options(synchronize_session=False))
        db.session.flush()
    storage = get_storage()
    for upload_id in stale:
        storage.delete_prefix(parts_prefix(upload_id))
    if sweep_storage:
        storage.delete_prefix(PARTS, older_than=timedelta(hours=UPLOAD_MAX_HOURS + 1), now=_aware(now))
    return len(stale)


def _aware(now):
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def purge_job(now):
    """For app.jobs' maintenance: commits its own work."""
    count = purge_stale(now)
    db.session.commit()
    return count


# For the entry page ----------------------------------------------------------------------------

def shown_on_entry(entry, user):
    """The uploads the entry page tells its authors about: those being processed, and those
    whose job failed (with its message) since the entry last got a file; the user's own
    unfinished ones (to be resumed by choosing the file again)."""
    rows = db.session.execute(select(EntryUpload).outerjoin(Job, Job.id == EntryUpload.job_id)
                              .where(EntryUpload.entry_id == entry.id)
                              .order_by(EntryUpload.created_at.desc(), EntryUpload.id).limit(20)).scalars().all()
    shown = []
    for upload in rows:
        if upload.state == UploadState.DONE:
            break  # what came before a finished upload is old news
        if upload.state == UploadState.RECEIVING:
            if upload.user_id == user.id:
                shown.append(("receiving", upload))
        elif upload.job is not None and upload.job.status == JobStatus.FAILED:
            shown.append(("failed", upload))
        elif upload.job is not None and upload.job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            shown.append(("processing", upload))
    return shown
