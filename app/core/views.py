from flask import Blueprint
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
