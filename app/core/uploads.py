"""Files waiting between an import preview and its confirmation, kept in the storage
(app.core.storage, so any app host can confirm what another previewed) under
pending/<user id>-<token>.bin: bound to the user who sent them."""
import re
import secrets
from datetime import timedelta

from flask import abort, request

from app.core.storage import StorageMissing, get_storage, join_key

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING = "pending"
PENDING_HOURS = 24
EXPIRED_UPLOAD = "Phiên nhập đã hết hạn, vui lòng tải tệp lên lại."


def _key(user_id, token):
    if not _TOKEN.match(token or ""):
        return None
    return join_key(PENDING, f"{int(user_id)}-{token}.bin")


def save_pending(user_id, data):
    _purge_old()
    token = secrets.token_hex(16)
    get_storage().save(_key(user_id, token), data)
    return token


def load_pending(user_id, token):
    key = _key(user_id, token)
    if key is None:
        return None
    try:
        return get_storage().read_bytes(key)
    except StorageMissing:
        return None


def drop_pending(user_id, token):
    key = _key(user_id, token)
    if key is not None:
        get_storage().delete(key)


def _purge_old():
    get_storage().delete_prefix(PENDING, older_than=timedelta(hours=PENDING_HOURS))


def two_step_upload(user_id, upload_form, confirm_form):
    """The file of an upload -> preview -> confirm import, in a view:
    (data, token, expired). On the first step `token` is None: the view keeps the file
    (`save_pending`) only once its preview is shown, so a refused upload, or one whose
    reading crashed or was killed, leaves nothing behind. On the confirming step (a
    `token` field) the kept file is read back. `data` is None when neither form was
    sent, and `expired` is True when the kept file is gone."""
    if "token" in request.form:
        if not confirm_form.validate_on_submit():
            abort(400)
        token = confirm_form.token.data
        data = load_pending(user_id, token)
        return data, token, data is None
    if upload_form.validate_on_submit():
        return upload_form.file.data.read(), None, False
    return None, None, False
