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
