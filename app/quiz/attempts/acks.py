"""Signed acknowledgements of saved answers, and the receipts made of them.

Every answer the server stores is acknowledged with a signature (HMAC-SHA256, truncated
to 128 bits) over (attempt id, position, digest of the stored response, seq, server
time in milliseconds), with a key derived from RECEIPT_KEY, or from SECRET_KEY when that
is unset (every host has the same, so any host verifies what another signed). The
prediction is acknowledged the same way at position 0. The page keeps the latest ack of
each question; when the final submit cannot reach the server it offers them as a
receipt (a file and a QR code) which a teacher uploads later (`receipts.py`).

A receipt's code, the same in the file and in the QR code:

    R1.<attempt id>.<item>~<item>~...
    item = <position>.<seq>.<server time, ms, base 36>.<digest>.<signature>.<response>

where the digest and signature are base64url, and the response is the JSON the page sent,
base64url: the server maps it through the attempt's option order and cleans it as it did
when it stored it, so the digest is of what was stored. The file is JSON with the code
under "ma_bien_nhan" and, for people, the same answers and times spelled out (ignored).
This module is pure: no database."""
import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.core.errors import DomainError

PREDICTION = 0  # the position of the prediction in a receipt
VERSION = "R1"
_LABEL = b"dvc1588 answer receipts v1"
_EPOCH = datetime(1970, 1, 1)
_B64 = re.compile(r"^[A-Za-z0-9_-]*$")
MAX_ITEMS = 500


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    if not _B64.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def millis(now):
    delta = now - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_millis(value):
    return _EPOCH + timedelta(milliseconds=value)


def _key():
    secret = current_app.config.get("RECEIPT_KEY") or current_app.config["SECRET_KEY"]
    keys = current_app.extensions.setdefault("receipt_keys", {})
    if secret not in keys:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        keys[secret] = hmac.new(raw, _LABEL, hashlib.sha256).digest()
    return keys[secret]


def digest(response):
    """Of a response as stored (cleaned, choices as indexes into the version)."""
    text = json.dumps(response, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _b64(hashlib.sha256(text.encode("utf-8")).digest()[:9])


def _signature(attempt_id, position, digest_, seq, time_ms):
    message = f"{attempt_id}|{position}|{digest_}|{seq}|{time_ms}".encode("ascii")
    return _b64(hmac.new(_key(), message, hashlib.sha256).digest()[:16])


def sign_ack(attempt_id, position, response, seq, now):
    """The acknowledgement of a stored response: {"t": server ms, "d": digest, "m": signature}."""
    time_ms = millis(now)
    digest_ = digest(response)
    return {"t": time_ms, "d": digest_, "m": _signature(attempt_id, position, digest_, seq, time_ms)}


@dataclass(frozen=True)
class Item:
    position: int
    seq: int
    time_ms: int
    digest: str
    signature: str
    raw: object  # the response as the page sent it (the prediction: an int)

    @property
    def time(self):
        return from_millis(self.time_ms)

    def signed_by_server(self, attempt_id):
        expected = _signature(attempt_id, self.position, self.digest, self.seq, self.time_ms)
        return hmac.compare_digest(expected, self.signature)


@dataclass(frozen=True)
class Receipt:
    attempt_id: int
    items: tuple
    code: str

    @property
    def sha256(self):
        return hashlib.sha256(self.code.encode("ascii")).hexdigest()


NOT_A_RECEIPT = ("Đây không phải biên nhận bài thi, hoặc biên nhận đã bị cắt bớt hay sửa đổi. "
                 "Thầy cô tải lên đúng tệp biên nhận (.json) học sinh đã tải về, hoặc dán mã trong mã QR.")


def encode(attempt_id, items):
    """The code of a receipt (what the page builds in static/js/attempt.js; here for tests)."""
    parts = []
    for item in items:
        raw = _b64(json.dumps(item.raw, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        parts.append(".".join([str(item.position), str(item.seq), _base36(item.time_ms), item.digest,
                               item.signature, raw]))
    return f"{VERSION}.{attempt_id}." + "~".join(parts)


def _base36(value):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


def parse_receipt(text):
    """A Receipt from what a teacher uploads or pastes: the JSON file, its code, or the
    link of the QR code (the code after '#'). DomainError when it is not one."""
    text = (text or "").strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise DomainError(NOT_A_RECEIPT) from None
        text = data.get("ma_bien_nhan") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise DomainError(NOT_A_RECEIPT)
    if "#" in text:
        text = text.rsplit("#", 1)[1]
    text = "".join(text.split())
    try:
        version, attempt_id, body = text.split(".", 2)
        if version != VERSION:
            raise ValueError("version")
        items = []
        for chunk in body.split("~") if body else []:
            position, seq, time36, digest_, signature, raw = chunk.split(".")
            if not (_B64.match(digest_) and _B64.match(signature)):
                raise ValueError("bad characters")
            items.append(Item(int(position), int(seq), int(time36, 36), digest_, signature,
                              json.loads(_unb64(raw).decode("utf-8"))))
        if len(items) > MAX_ITEMS or not text.isascii():
            raise ValueError("too long")
        return Receipt(int(attempt_id), tuple(items), text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise DomainError(NOT_A_RECEIPT) from None
