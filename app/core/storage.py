"""One storage for every stored file: entries' files, certificate template images,
pending imports. Several app hosts behind one proxy must see the same files, so no
code keeps a path of its own: it names a key and asks the app's storage.

`STORAGE_URL` chooses the backend: `file:///abs/path` (a folder; the default is
UPLOAD_DIR, which is also each host's own scratch space) or `s3://bucket/prefix`
(boto3; `S3_ENDPOINT_URL` for MinIO or another S3-compatible service, credentials
from the usual AWS_* variables). Keys are relative paths (`entries/12/<token>.pdf`)
checked in one place, `check_key`, before any backend sees them. Objects are never
public: a file is served by `send` from a view that has checked access, streamed
through the app or, with `STORAGE_PRESIGN`, by a redirect to a short-lived signed URL.
"""
import io
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import current_app, redirect, request, send_file
from werkzeug.http import dump_options_header
from werkzeug.wrappers import Response

CHUNK = 1024 * 1024
MAX_KEY_LENGTH = 512
# no empty, "." or ".." segment (a segment never starts with a dot), no backslash, nothing absolute
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_BATCH = 1000  # S3's DeleteObjects takes at most 1,000 keys a call


class StorageMissing(LookupError):
    """No stored file under this key."""

    def __init__(self, key):
        super().__init__(f"no stored file {key!r}")
        self.key = key


class InvalidKey(ValueError):
    """A key that could leave the storage's folder or is not a plain relative path."""


def check_key(key):
    """The key itself when it is a plain relative path ('entries/12/abc.pdf'), else InvalidKey."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"not a storage key: {key!r}")
    if not all(_SEGMENT.fullmatch(part) for part in key.split("/")):
        raise InvalidKey(f"not a storage key: {key!r}")
    return key


def join_key(*parts):
    """'entries', 12, 'abc.pdf' -> 'entries/12/abc.pdf', checked."""
    return check_key("/".join(str(part) for part in parts if part not in (None, "")))


def get_storage():
    """The storage of the current app (made by `init_app` from its settings)."""
    return current_app.extensions["storage"]


def init_app(app):
    app.extensions["storage"] = storage_from_config(app.config)


def storage_from_config(config):
    url = config.get("STORAGE_URL") or Path(config["UPLOAD_DIR"]).resolve().as_uri()
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"STORAGE_URL must be file:///absolute/path, not {url!r}")
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"STORAGE_URL must be s3://bucket/prefix, not {url!r}")
        return S3Storage(parts.netloc, parts.path.strip("/"), endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                         presign=bool(config.get("STORAGE_PRESIGN")),
                         presign_seconds=int(config.get("STORAGE_PRESIGN_SECONDS") or 600))
    raise ValueError(f"STORAGE_URL must start with file:// or s3://, not {url!r}")


class Storage:
    """The operations every backend has. Public methods check the key, then call the
    backend's `_name` method with it; a missing key raises StorageMissing."""

    # where a browser fetches files from besides this site (a redirect to signed URLs), for the CSP
    served_from = None

    def save(self, key, data, content_type=None):
        """Store bytes or a readable binary file under `key`, replacing what was there."""
        self._save(check_key(key), io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data,
                   content_type or "application/octet-stream")

    def open(self, key):
        """A readable binary stream of the file; close it (or use `with`)."""
        return self._open(check_key(key))

    def read_bytes(self, key):
        with self.open(key) as stream:
            return stream.read()

    def exists(self, key):
        return self._exists(check_key(key))

    def size(self, key):
        return self._size(check_key(key))

    def delete(self, key):
        """Delete the file; a key already gone is not an error (deleting twice is harmless)."""
        self._delete(check_key(key))

    def list_keys(self, prefix, older_than=None, now=None):
        """The keys in the folder `prefix` and below, sorted; with `older_than` (a timedelta)
        only those last written longer ago than that before `now` (an aware datetime)."""
        cutoff = None if older_than is None else (now or datetime.now(timezone.utc)) - older_than
        return sorted(self._list(check_key(prefix), cutoff))

    def delete_prefix(self, prefix, older_than=None, now=None):
        """Delete every file in the folder `prefix` (older than `older_than`); the number deleted."""
        keys = self.list_keys(prefix, older_than, now)
        self._delete_many(keys)
        return len(keys)

    def send(self, key, download_name, mimetype, as_attachment=False, cache_control="no-store"):
        """A response with the file, for a view that has already checked who may see it.
        `cache_control` is for the file itself; ranges (a video's seeking) are answered."""
        return self._send(check_key(key), download_name, mimetype, as_attachment, cache_control)

    def _delete_many(self, keys):
        for key in keys:
            self._delete(key)


class LocalStorage(Storage):
    """A folder on this host (or a network share mounted on every host)."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key):
        return self.root.joinpath(*key.split("/"))

    def _save(self, key, stream, content_type):
        # written beside its final name and renamed: a reader on another worker never sees half a file
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            os.chmod(temporary, 0o644)  # mkstemp makes 0600; a front web server may run as another user
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _open(self, key):
        try:
            return open(self._path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageMissing(key) from None

    def _exists(self, key):
        return self._path(key).is_file()

    def _size(self, key):
        path = self._path(key)
        if not path.is_file():
            raise StorageMissing(key)
        return path.stat().st_size

    def _delete(self, key):
        path = self._path(key)
        if not path.is_dir():
            path.unlink(missing_ok=True)

    def _list(self, prefix, cutoff):
        folder = self._path(prefix)
        for directory, _, names in os.walk(folder):
            relative = Path(directory).relative_to(self.root).as_posix()
            for name in names:
                if name.startswith("."):  # a file being written (.upload-*.part)
                    continue
                if cutoff is not None:
                    try:
                        modified = os.stat(os.path.join(directory, name)).st_mtime
                    except FileNotFoundError:
                        continue
                    if modified >= cutoff.timestamp():
                        continue
                yield f"{relative}/{name}"

    def _send(self, key, download_name, mimetype, as_attachment, cache_control):
        path = self._path(key)
        if not path.is_file():
            raise StorageMissing(key)
        response = send_file(path, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name,
                             conditional=True)
        response.headers["Cache-Control"] = cache_control
        return response


class S3Storage(Storage):
    """A bucket (and a prefix inside it) of Amazon S3, MinIO or another S3-compatible service."""

    def __init__(self, bucket, prefix="", endpoint_url=None, presign=False, presign_seconds=600):
        self.bucket, self.prefix, self.endpoint_url = bucket, prefix.strip("/"), endpoint_url
        self.presign, self.presign_seconds = presign, presign_seconds
        if self.prefix:
            check_key(self.prefix)
        self._client = None
        self._client_lock = threading.Lock()
        if presign:
            self.served_from = self._origin()

    def __repr__(self):
        return f"S3Storage({self.bucket!r}, {self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    @property
    def client(self):
        # made on first use, once per app: boto3 clients are thread-safe, their creation is not
        with self._client_lock:
            if self._client is None:
                self._client = _s3_client(self.endpoint_url)
            return self._client

    def _name(self, key):
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, name):
        return name[len(self.prefix) + 1:] if self.prefix else name

    def _save(self, key, stream, content_type):
        # upload_fileobj sends a large video in parts, never whole in memory
        self.client.upload_fileobj(stream, self.bucket, self._name(key), ExtraArgs={"ContentType": content_type})

    def _open(self, key):
        return self._get(key)["Body"]

    def _get(self, key, **options):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key), **options)
        except self.client.exceptions.NoSuchKey:
            raise StorageMissing(key) from None

    def _head(self, key):
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise StorageMissing(key) from None
            raise

    def _exists(self, key):
        try:
            self._head(key)
        except StorageMissing:
            return False
        return True

    def _size(self, key):
        return self._head(key)["ContentLength"]

    def _delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def _delete_many(self, keys):
        for start in range(0, len(keys), _BATCH):
            batch = [{"Key": self._name(key)} for key in keys[start:start + _BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def _list(self, prefix, cutoff):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self._name(prefix) + "/")
        for page in pages:
            for item in page.get("Contents", []):
                if cutoff is None or item["LastModified"] < cutoff:
                    yield self._key(item["Key"])

    def _send(self, key, download_name, mimetype, as_attachment, cache_control):
        if self.presign:
            return self._redirect(key, download_name, mimetype, as_attachment, cache_control)
        return self._stream(key, download_name, mimetype, as_attachment, cache_control)

    def _redirect(self, key, download_name, mimetype, as_attachment, cache_control):
        self._head(key)  # a missing file is a 404 here, not a signed URL that fails in the browser
        url = self.client.generate_presigned_url("get_object", ExpiresIn=self.presign_seconds, Params={
            "Bucket": self.bucket, "Key": self._name(key), "ResponseContentType": mimetype,
            "ResponseContentDisposition": content_disposition(download_name, as_attachment),
            "ResponseCacheControl": cache_control})
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"  # the signed URL expires; the redirect must not outlive it
        return response

    def _stream(self, key, download_name, mimetype, as_attachment, cache_control):
        requested = request.range
        options = {}
        if requested is not None and requested.units == "bytes" and len(requested.ranges) == 1:
            options["Range"] = requested.to_header()
        try:
            obj = self._get(key, **options)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InvalidRange":
                raise
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{self._size(key)}"
            return response
        body = obj["Body"]
        response = Response(body.iter_chunks(CHUNK), mimetype=mimetype, direct_passthrough=True)
        response.call_on_close(body.close)
        response.content_length = obj["ContentLength"]
        response.headers["Accept-Ranges"] = "bytes"
        response.headers["Content-Disposition"] = content_disposition(download_name, as_attachment)
        response.headers["Cache-Control"] = cache_control
        if obj.get("ContentRange"):
            response.status_code = 206
            response.headers["Content-Range"] = obj["ContentRange"]
        if obj.get("ETag"):
            response.set_etag(obj["ETag"].strip('"'))
        if obj.get("LastModified"):
            response.last_modified = obj["LastModified"]
        if response.status_code == 200:
            response.make_conditional(request)  # If-None-Match / If-Modified-Since answer 304
        return response

    def _origin(self):
        """Scheme and host of the signed URLs, made locally from a sample key (no request is sent)."""
        sample = urlsplit(self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._name("x")}, ExpiresIn=60))
        return f"{sample.scheme}://{sample.netloc}"


def _s3_client(endpoint_url):
    # MinIO and most S3-compatible services answer at one address with the bucket in the path
    addressing = {"addressing_style": "path"} if endpoint_url else {}
    return boto3.client("s3", endpoint_url=endpoint_url, config=Config(signature_version="s3v4", s3=addressing))


def content_disposition(download_name, as_attachment):
    """'inline; filename=...' as Flask's send_file writes it (RFC 5987 form for non-ASCII names)."""
    kind = "attachment" if as_attachment else "inline"
    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
        quoted = quote(download_name, safe="!#$&+-.^_`|~")
        return dump_options_header(kind, {"filename": simple, "filename*": f"UTF-8''{quoted}"})
    return dump_options_header(kind, {"filename": download_name})
