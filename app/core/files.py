"""Checking and storing uploaded files (entries' posters, photos, PDFs and videos; the
images of certificate templates).

Students upload from phones and school computers, so a file's name and declared type
say nothing reliable: every check here reads the content. Images are decoded and
re-encoded (which drops EXIF, and with it the GPS position of a student's phone),
PDFs are refused when they carry active content (JavaScript, launch actions,
attachments) and rewritten without their author metadata, and MP4 videos are measured
from their `moov/mvhd` box without loading them and copied without the boxes that say
where and by whom they were shot: judging is blind and the gallery is public. A file
is checked in a private temporary folder of this host and reaches the storage
(app.core.storage), under its final random name, only once every check has passed, so
a refusal never leaves anything half-saved there.
"""
import io
import logging
import math
import os
import re
import secrets
import struct
import tempfile
import threading
import unicodedata
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from app.core.errors import DomainError
from app.core.storage import get_storage, join_key
from app.core.template_helpers import filesize

KINDS = ("image", "pdf", "video")
KIND_NAMES = {"image": "ảnh JPEG/PNG", "pdf": "tệp PDF", "video": "video MP4"}
MIME_NAMES = {"image/jpeg": "ảnh JPEG", "image/png": "ảnh PNG", "application/pdf": "tệp PDF", "video/mp4": "video MP4"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "video/mp4": ".mp4"}
MAX_PIXELS = 50_000_000  # a 50 MP photo is already more than any poster needs; beyond that, memory is at risk
THUMB_SIDE = 480
JPEG_QUALITY = 90
CHUNK = 1024 * 1024
HEAD_BYTES = 1024  # readers accept "%PDF-" anywhere in the first kilobyte
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71",
    b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV",
}
MAX_BOXES = 100_000  # a real MP4 has a handful of top-level boxes, a fragmented one some thousands
STORED_NAME = re.compile(r"[0-9a-f]{32}(_thumb)?\.(jpg|png|pdf|mp4)")


@dataclass
class StoredFile:
    kind: str            # "image", "pdf" or "video"
    mime: str            # "image/jpeg", "image/png", "application/pdf", "video/mp4"
    name: str            # file name stored in the folder `prefix` (random token + extension)
    size: int            # bytes of the stored file
    width: int | None = None
    height: int | None = None
    duration: float | None = None   # seconds, video only
    thumb_name: str | None = None   # JPEG thumbnail stored beside it, images only
    pages: int | None = None        # PDF only


# ---------------------------------------------------------------- uploads


def store_upload(stream, filename, *, allowed, prefix, max_bytes, min_long_side=0, max_seconds=None,
                 storage=None) -> StoredFile:
    """Copy `stream` to a temporary file, check it by content and keep it in the storage
    (the app's unless `storage` is given) under `prefix`/<random name>.

    Raises DomainError (Vietnamese message) for every refusal; nothing is left behind then."""
    allowed = set(allowed)
    if not allowed or not allowed <= set(KINDS):
        raise ValueError(f"allowed must be a non-empty subset of {KINDS}, not {allowed!r}")
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    target = (storage or get_storage(), prefix)
    subject = file_subject(filename)
    with tempfile.TemporaryDirectory(prefix="upload-") as scratch:  # removed whole, whatever happens
        work = Path(scratch)
        upload = _new_temp(work)
        _copy_limited(stream, upload, max_bytes, subject)
        kind, mime = _detect_kind(upload, subject, allowed)
        token = secrets.token_hex(16)
        if kind == "image":
            return _store_image(upload, mime, token, work, target, subject, min_long_side)
        if kind == "pdf":
            return _store_pdf(upload, token, work, target, subject)
        return _store_video(upload, token, work, target, subject, max_seconds)


def remove_stored(prefix, stored_file_or_names, storage=None):
    """Delete a stored file of the folder `prefix` and its thumbnail; names already gone are ignored.

    Accepts a StoredFile, one stored name, or several names."""
    storage = storage or get_storage()
    if isinstance(stored_file_or_names, StoredFile):
        names = [stored_file_or_names.name, stored_file_or_names.thumb_name]
    elif isinstance(stored_file_or_names, str):
        names = [stored_file_or_names]
    else:
        names = list(stored_file_or_names)
    for name in filter(None, names):
        # names come from the database: refuse anything but the names store_upload gives
        if not STORED_NAME.fullmatch(name):
            raise ValueError(f"not a stored file name: {name!r}")
        storage.delete(join_key(prefix, name))
        if "_thumb" not in name and name.endswith((".jpg", ".png")):  # only images have a thumbnail
            storage.delete(join_key(prefix, _thumb_name(name.split(".")[0])))


# Files and rows must agree whatever happens to the transaction: an old file leaves the
# storage only once the change that drops its row is committed, and a new file whose row
# is rolled back leaves with it.
_AFTER_COMMIT = "core.files.remove_after_commit"
_UNLESS_COMMIT = "core.files.remove_unless_commit"


def remove_after_commit(session, prefix, names):
    """Delete these stored files (of the folder `prefix`) once `session` commits; a rollback keeps them."""
    session.info.setdefault(_AFTER_COMMIT, []).append((get_storage(), prefix, [n for n in names if n]))


def remove_unless_commit(session, prefix, names):
    """Delete these newly stored files if `session` ends its transaction without committing."""
    session.info.setdefault(_UNLESS_COMMIT, []).append((get_storage(), prefix, [n for n in names if n]))


@event.listens_for(Session, "after_commit")
def _removals_after_commit(session):
    session.info.pop(_UNLESS_COMMIT, None)  # committed: the new files are the rows' now
    _remove_quietly(session.info.pop(_AFTER_COMMIT, []))


@event.listens_for(Session, "after_transaction_end")
def _removals_without_commit(session, transaction):
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    session.info.pop(_AFTER_COMMIT, None)  # not committed: the old rows, and so their files, stay
    _remove_quietly(session.info.pop(_UNLESS_COMMIT, []))


def _remove_quietly(batches):
    """The transaction is over: a file that cannot be deleted is logged, not raised."""
    for storage, prefix, names in batches:
        try:
            remove_stored(prefix, names, storage)
        except Exception:  # noqa: BLE001 - a disk's OSError or an S3 service's error alike; the answer is sent
            logging.getLogger(__name__).warning("could not delete %s in %s", names, prefix, exc_info=True)


def file_subject(filename):
    """'Tệp “name”' for messages; the client's name is only ever displayed."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > 80:
        name = name[:77] + "..."
    return f"Tệp “{name}”" if name else "Tệp tải lên"


def _new_temp(work):
    handle, name = tempfile.mkstemp(dir=work, suffix=".part")
    os.close(handle)
    return Path(name)


def _copy_limited(stream, target, max_bytes, subject):
    """Copy in chunks, stopping as soon as the limit is passed: a 200 MB video never sits in memory."""
    total = 0
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise DomainError(f"{subject} lớn hơn {filesize(max_bytes)} cho phép.")
            out.write(chunk)
    if total == 0:
        raise DomainError(f"{subject} rỗng (0 byte), hãy chọn lại tệp.")
    return total


def _detect_kind(path, subject, allowed):
    """(kind, mime) from the magic bytes, or a refusal naming what is accepted here."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    kind, mime = _sniff(head)
    if kind in allowed:
        return kind, mime
    accepted = _accepted_kinds(allowed)
    if kind in KINDS:
        raise DomainError(f"{subject} là {MIME_NAMES[mime]}; ở đây chỉ nhận {accepted}.")
    if kind == "quicktime" and "video" in allowed:
        raise DomainError(f"{subject} là video MOV (QuickTime), chưa phải MP4: hãy chuyển sang MP4 rồi tải lại.")
    raise DomainError(f"{subject} không phải {accepted}.")


def _sniff(head):
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in MP4_BRANDS:
            return "video", "video/mp4"
        return ("quicktime", None) if brand == b"qt  " else (None, None)
    if b"%PDF-" in head:
        return "pdf", "application/pdf"
    return None, None


def _accepted_kinds(allowed):
    if allowed == {"image"}:
        return "ảnh JPEG hay PNG"
    names = [KIND_NAMES[kind] for kind in KINDS if kind in allowed]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " hay " + names[-1]


def _publish(target, moves):
    """Put finished temporary files into the storage under their final names; all of them or none."""
    storage, prefix = target
    done = []
    try:
        for temp, name, mime in moves:
            key = join_key(prefix, name)
            with open(temp, "rb") as f:
                storage.save(key, f, content_type=mime)
            done.append(key)
    except BaseException:
        for key in done:
            storage.delete(key)
        raise


def _thumb_name(token):
    return f"{token}_thumb.jpg"


# ---------------------------------------------------------------- images

_strict_decoding_lock = threading.Lock()


@contextmanager
def _strict_decoding():
    """Pillow's tolerance of truncated files is one process-wide switch: force it off while we
    decode, then put back whatever other code chose. The lock keeps two uploads from
    restoring each other's value."""
    with _strict_decoding_lock:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _store_image(upload, mime, token, work, target, subject, min_long_side):
    image = _decode_image(upload, "JPEG" if mime == "image/jpeg" else "PNG", subject)
    width, height = image.size
    if max(width, height) < min_long_side:
        raise DomainError(
            f"Ảnh quá nhỏ: cần ít nhất {min_long_side} điểm ảnh ở cạnh dài (ảnh này {width} × {height})."
        )
    stored, thumb = _new_temp(work), _new_temp(work)
    if mime == "image/jpeg":
        image.save(stored, "JPEG", quality=JPEG_QUALITY)
    else:
        image.save(stored, "PNG")
    _thumbnail(image).save(thumb, "JPEG", quality=85)
    size = stored.stat().st_size
    name = token + EXTENSIONS[mime]
    _publish(target, [(stored, name, mime), (thumb, _thumb_name(token), "image/jpeg")])
    return StoredFile("image", mime, name, size, width=width, height=height, thumb_name=_thumb_name(token))


def _decode_image(path, image_format, subject):
    """The fully decoded image, turned upright, with no metadata left to save."""
    too_big = f"{subject} có kích thước ảnh quá lớn (tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh)."
    broken = f"{subject} không đọc được như ảnh {image_format}: tệp bị hỏng hoặc chưa tải lên hết."
    try:
        with Image.open(path, formats=[image_format]) as opened:
            width, height = opened.size
            # checked before load(): the header alone says how much memory decoding would take
            if width * height > MAX_PIXELS:
                raise DomainError(f"{too_big[:-1]}; ảnh này {width} × {height}.")
            with _strict_decoding():
                opened.load()
            image = _without_metadata(ImageOps.exif_transpose(opened), image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(too_big) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
        raise DomainError(broken) from None
    return image


def _without_metadata(image, image_format):
    if image_format == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    elif image_format == "PNG" and "transparency" in image.info:
        image = image.convert("RGBA")  # palette transparency lives in `info`, which is about to go
    # Pillow writes EXIF, ICC, XMP, text chunks from `info`; an empty `info` keeps none of them
    image.info = {}
    return image


def _thumbnail(image):
    """A small RGB copy; transparent areas come out white, as on the page."""
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA")
    scale = THUMB_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


# ---------------------------------------------------------------- PDF

ACTIVE_KEYS = {
    "/JS": "mã JavaScript",
    "/JavaScript": "mã JavaScript",
    "/EmbeddedFiles": "tệp đính kèm",
    "/EmbeddedFile": "tệp đính kèm",
    "/EF": "tệp đính kèm",
    "/XFA": "biểu mẫu XFA",
}
ACTIVE_NAMES = {  # values of /S (action type), /Type, /Subtype
    "/JavaScript": "mã JavaScript",
    "/Launch": "lệnh mở chương trình (Launch)",
    "/EmbeddedFile": "tệp đính kèm",
    "/RichMedia": "nội dung đa phương tiện (RichMedia)",
}
# optional everywhere, and where Office, Acrobat and Illustrator put the author's name
PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")


def _store_pdf(upload, token, work, target, subject):
    # no byte scan: compressed image data spells /JS by chance; the deep check reads every live
    # object, and the rewrite below keeps only those
    pages = _check_pdf_structure(upload, subject)
    cleaned = _new_temp(work)
    _write_pdf_without_metadata(upload, cleaned, pages, subject)
    name = token + ".pdf"
    size = cleaned.stat().st_size
    _publish(target, [(cleaned, name, "application/pdf")])
    return StoredFile("pdf", "application/pdf", name, size, pages=pages)


def _write_pdf_without_metadata(source, target, pages, subject):
    """Rewrite the PDF with only its live objects, minus /Info and every XMP /Metadata stream
    and /PieceInfo: the author's Office account name must reach neither a blind judge nor the
    gallery. Rewriting also drops what earlier revisions (incremental updates) left in the bytes."""
    try:
        reader = PdfReader(source)
        writer = PdfWriter(clone_from=reader)
        writer.pdf_header = reader.pdf_header
        writer.metadata = None
        for obj in writer._objects:  # noqa: SLF001 - every indirect object, pages and images included
            _drop_metadata_keys(obj)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        with open(target, "wb") as out:
            writer.write(out)
        check = PdfReader(target)
        clean = len(check.pages) == pages and "/Info" not in check.trailer and "/Metadata" not in check.root_object
    except Exception:  # noqa: BLE001 - as in the check above: pypdf's many errors all mean "cannot rewrite"
        clean = False
    if not clean:
        raise DomainError(f"{subject}: không xóa được thông tin tác giả trong tệp PDF; "
                          "hãy xuất lại PDF (In ra PDF / Save as PDF) rồi tải lên.")


def _drop_metadata_keys(obj):
    todo = [obj]
    while todo:  # direct objects only: indirect ones are in the writer's list themselves
        item = todo.pop()
        if isinstance(item, DictionaryObject):
            for key in PDF_METADATA_KEYS:
                item.pop(key, None)
            todo.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            todo.extend(list.__iter__(item))


def _check_pdf_structure(path, subject):
    """Page count of a readable, unencrypted PDF without active content in any object."""
    unreadable = f"{subject} không đọc được như tệp PDF: tệp bị hỏng hoặc chưa tải lên hết."
    try:
        reader = PdfReader(path)
        encrypted = reader.is_encrypted
        pages = None if encrypted else len(reader.pages)
        found = None if encrypted else _deep_active_content(reader)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds of errors on hostile input; all mean "unreadable"
        raise DomainError(unreadable) from None
    if encrypted:
        raise DomainError(f"{subject} là PDF đã mã hoá hoặc đặt mật khẩu, không được nhận: hãy xuất lại bản thường.")
    if not pages:
        raise DomainError(f"{subject} là PDF không có trang nào.")
    if found:
        raise DomainError(f"{subject} có {found}, không được nhận.")
    return pages


def _deep_active_content(reader):
    """Walk every object pypdf can load, including those inside compressed object streams,
    where a raw byte scan sees nothing; names come decoded (/J#61vaScript is /JavaScript)."""
    todo = [reader.trailer]
    for generation, numbers in reader.xref.items():
        todo.extend(IndirectObject(number, generation, reader) for number in numbers)
    todo.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen = set()
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream objects are dictionaries too
            found = _active_entry(obj)
            if found:
                return found
            todo.extend(dict.values(obj))  # raw values: references are followed through `seen`
        elif isinstance(obj, ArrayObject):
            todo.extend(list.__iter__(obj))
    return None


def _active_entry(dictionary):
    for key in dictionary:
        if key in ACTIVE_KEYS:
            return ACTIVE_KEYS[key]
        if key.startswith("/RichMedia"):
            return ACTIVE_NAMES["/RichMedia"]
    for key in ("/S", "/Type", "/Subtype"):
        value = dictionary.get(key)
        if isinstance(value, IndirectObject):
            value = value.get_object()
        if isinstance(value, NameObject) and value in ACTIVE_NAMES:
            return ACTIVE_NAMES[value]
    return None


# ---------------------------------------------------------------- MP4


class _BrokenVideo(Exception):
    pass


class _UncleanVideo(Exception):
    """A structure that cannot be rewritten safely; the message says why, in Vietnamese."""


def _store_video(upload, token, work, target, subject, max_seconds):
    try:
        with open(upload, "rb") as f:
            duration = _mp4_duration(f, upload.stat().st_size)
    except _BrokenVideo:
        raise DomainError(f"{subject} là video hỏng hoặc chưa tải lên hết.") from None
    if duration is None:
        raise DomainError(f"{subject}: không đọc được thời lượng video (tệp có thể bị hỏng).")
    if max_seconds is not None and duration > max_seconds:
        raise DomainError(
            f"Video dài {_format_duration(math.ceil(duration))}, quá {_format_duration(max_seconds)} cho phép."
        )
    cleaned = _new_temp(work)
    try:
        _write_mp4_without_metadata(upload, cleaned, upload.stat().st_size)
        with open(cleaned, "rb") as f:
            readable = _mp4_duration(f, cleaned.stat().st_size) == duration
    except _BrokenVideo:
        raise DomainError(f"{subject} là video hỏng hoặc chưa tải lên hết.") from None
    except _UncleanVideo as exc:
        raise DomainError(f"{subject} {exc}") from None
    if not readable:
        raise DomainError(f"{subject} {MP4_ODD}")
    name = token + ".mp4"
    size = cleaned.stat().st_size
    _publish(target, [(cleaned, name, "video/mp4")])
    return StoredFile("video", "video/mp4", name, size, duration=duration)


# A phone writes where and by whom a video was shot in udta (©xyz, ©ART), meta (Apple's keys,
# iTunes' ilst) and XMP uuid boxes, at the top and inside moov and its tracks. The copy we keep
# has only what a player needs: at the top ftyp, moov and mdat (the rest, free space included,
# may hold old metadata), and inside moov the same boxes dropped. Chunk offsets (stco, co64)
# are absolute, so when a box before an mdat goes, or the moov in front of it shrinks, they move.
MP4_TOP_KEPT = {b"ftyp", b"moov", b"mdat"}
MP4_FRAGMENTS = {b"moof", b"mfra", b"sidx", b"ssix", b"styp"}
MP4_DROPPED = {b"udta", b"meta", b"uuid", b"free", b"skip"}
MP4_CONTAINERS = {b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"}
MAX_MOOV_BYTES = 64 * 1024 * 1024  # a two-hour film's sample tables are a few MB
EXPORT_AGAIN = "hãy xuất lại video thành MP4 thường (bằng trình chỉnh sửa video của điện thoại, CapCut…) rồi tải lên."
MP4_ODD = "có cấu trúc lạ nên không xóa được thông tin nơi quay và người quay trong tệp: " + EXPORT_AGAIN
MP4_FRAGMENTED = ("là video dạng phân đoạn (fragmented MP4), không xóa được thông tin nơi quay và người quay: "
                  + EXPORT_AGAIN)
MP4_TIMED_METADATA = ("có kèm một luồng dữ liệu cảm biến (như vị trí GPS của camera hành trình) không xóa được: "
                      + EXPORT_AGAIN)


def _write_mp4_without_metadata(source, target, file_size):
    with open(source, "rb") as f:
        top = list(_box_spans(f, 0, file_size))
        if any(kind in MP4_FRAGMENTS for kind, *_ in top):
            raise _UncleanVideo(MP4_FRAGMENTED)  # moof and sidx hold offsets of their own
        kept = [span for span in top if span[0] in MP4_TOP_KEPT]
        moovs = [span for span in kept if span[0] == b"moov"]
        if len(moovs) != 1 or moovs[0][3] - moovs[0][2] > MAX_MOOV_BYTES:
            raise _UncleanVideo(MP4_ODD)
        _, _, payload, end = moovs[0]
        f.seek(payload)
        moov = _clean_boxes(f.read(end - payload))
        layout, position = [], 0  # (type, old start, old end, new start)
        for kind, start, _, end in kept:
            layout.append((kind, start, end, position))
            position += _box_size(b"moov", moov) if kind == b"moov" else end - start
        media = [(start, end, new) for kind, start, end, new in layout if kind == b"mdat"]

        def moved(offset):
            for start, end, new in media:
                if start <= offset < end:
                    return new + offset - start
            raise _UncleanVideo(MP4_ODD)  # a chunk outside the media data: nothing says where it goes

        with open(target, "wb") as out:
            for kind, start, end, _ in layout:
                if kind == b"moov":
                    out.write(_box_bytes(b"moov", moov, moved))
                    continue
                f.seek(start)
                left = end - start
                while left:
                    chunk = f.read(min(CHUNK, left))
                    if not chunk:
                        raise _BrokenVideo
                    out.write(chunk)
                    left -= len(chunk)


def _clean_boxes(data, depth=0):
    """The children of a moov (or of a container inside it) without metadata boxes:
    [(type, raw box bytes | children | (version and flags, chunk offsets))]."""
    if depth > 8:
        raise _BrokenVideo
    children = []
    for kind, start, payload, end in _box_spans(io.BytesIO(data), 0, len(data)):
        body = data[payload:end]
        if kind in MP4_DROPPED:
            continue
        if kind == b"trak" and _track_handler(body) == b"meta":
            raise _UncleanVideo(MP4_TIMED_METADATA)  # its samples are in the mdat, among the picture's
        if kind == b"saio":
            raise _UncleanVideo(MP4_ODD)  # absolute offsets of encryption data, not rewritten here
        if kind in MP4_CONTAINERS:
            children.append((kind, _clean_boxes(body, depth + 1)))
        elif kind in (b"stco", b"co64"):
            width = 4 if kind == b"stco" else 8
            count = struct.unpack(">I", body[4:8])[0] if len(body) >= 8 else -1
            if count < 0 or len(body) < 8 + count * width:
                raise _BrokenVideo
            offsets = struct.unpack(f">{count}{'I' if width == 4 else 'Q'}", body[8:8 + count * width])
            children.append((kind, (body[:4], offsets)))
        else:
            children.append((kind, data[start:end]))
    return children


def _track_handler(trak):
    """The handler type of a trak ('vide', 'soun', 'meta'...) from mdia/hdlr, or None."""
    f = io.BytesIO(trak)
    for kind, _, payload, end in _box_spans(f, 0, len(trak)):
        if kind == b"mdia":
            for inner, _, start, stop in _box_spans(f, payload, end):
                if inner == b"hdlr" and stop - start >= 12:
                    return trak[start + 8:start + 12]
    return None


def _box_size(kind, value):
    if isinstance(value, bytes):
        return len(value)
    if kind in (b"stco", b"co64"):
        return 16 + len(value[1]) * (4 if kind == b"stco" else 8)
    return 8 + sum(_box_size(*child) for child in value)


def _box_bytes(kind, value, moved):
    if isinstance(value, bytes):
        return value
    if kind in (b"stco", b"co64"):
        flags, offsets = value
        payload = flags + struct.pack(f">I{len(offsets)}{'I' if kind == b'stco' else 'Q'}", len(offsets),
                                      *map(moved, offsets))
    else:
        payload = b"".join(_box_bytes(*child, moved) for child in value)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mp4_duration(f, file_size):
    """Seconds from moov/mvhd, or None when there is none (or it says 'unknown')."""
    moov = None
    for box_type, start, end in _boxes(f, 0, file_size):  # walks to the end, so a cut-off file shows
        if box_type == b"moov" and moov is None:
            moov = (start, end)
    if moov is None:
        return None
    for box_type, start, end in _boxes(f, *moov):
        if box_type == b"mvhd":
            return _mvhd_seconds(f, start, end)
    return None


def _boxes(f, start, end):
    """(type, payload start, box end) of the ISO-BMFF boxes between start and end, reading only headers."""
    for box_type, _, payload, box_end in _box_spans(f, start, end):
        yield box_type, payload, box_end


def _box_spans(f, start, end):
    """(type, box start, payload start, box end) of the boxes between start and end."""
    position, count = start, 0
    while position < end:
        count += 1
        if count > MAX_BOXES or end - position < 8:
            raise _BrokenVideo
        f.seek(position)
        size, box_type = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:  # 64-bit "largesize" follows the type
            large = f.read(8)
            if len(large) < 8:
                raise _BrokenVideo
            size, header = struct.unpack(">Q", large)[0], 16
        elif size == 0:  # the box runs to the end of its container
            size = end - position
        if size < header or position + size > end:
            raise _BrokenVideo
        yield box_type, position, position + header, position + size
        position += size


def _mvhd_seconds(f, start, end):
    f.seek(start)
    version = f.read(1)
    if version == b"\x00" and end - start >= 20:
        f.seek(start + 12)
        timescale, duration = struct.unpack(">II", f.read(8))
        unknown = 0xFFFFFFFF
    elif version == b"\x01" and end - start >= 32:
        f.seek(start + 20)
        timescale, duration = struct.unpack(">IQ", f.read(12))
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        return None
    if timescale == 0 or duration in (0, unknown):  # 0: a fragmented file that does not say its length
        return None
    return duration / timescale


def _format_duration(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    if not minutes:
        return f"{seconds} giây"
    return f"{minutes} phút" + (f" {seconds} giây" if seconds else "")
