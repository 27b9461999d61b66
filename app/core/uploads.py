"""Files waiting between an import preview and its confirmation, kept outside the
web root under UPLOAD_DIR/pending and bound to the user who sent them."""
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING_HOURS = 24
EXPIRED_UPLOAD = "Phiên nhập đã hết hạn, vui lòng tải tệp lên lại."


def _pending_dir():
    path = Path(current_app.config["UPLOAD_DIR"]) / "pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(user_id, token):
    if not _TOKEN.match(token or ""):
        return None
    return _pending_dir() / f"{int(user_id)}-{token}.bin"


def save_pending(user_id, data):
    _purge_old()
    token = secrets.token_hex(16)
    _path(user_id, token).write_bytes(data)
    return token


def load_pending(user_id, token):
    path = _path(user_id, token)
    if path is None or not path.exists():
        return None
    return path.read_bytes()


def drop_pending(user_id, token):
    path = _path(user_id, token)
    if path is not None and path.exists():
        path.unlink()


def _purge_old():
    cutoff = time.time() - PENDING_HOURS * 3600
    for entry in _pending_dir().iterdir():
        if entry.stat().st_mtime < cutoff:
            os.unlink(entry)


def two_step_upload(user_id, upload_form, confirm_form):
    """The file of an upload -> preview -> confirm import, in a view:
    (data, token, expired). On the first step `token` is None: the view keeps the file
    (`save_pending`) only once its preview is shown, so a refused upload, or one whose
    reading crashed or was killed, leaves nothing behind. On the confirming step (a
    `token` field) the kept file is read back. `data` is None when neither form was
    sent, and `expired` is True when the kept file is gone."""
    from flask import abort, request
    if "token" in request.form:
        if not confirm_form.validate_on_submit():
            abort(400)
        token = confirm_form.token.data
        data = load_pending(user_id, token)
        return data, token, data is None
    if upload_form.validate_on_submit():
        return upload_form.file.data.read(), None, False
    return None, None, False
