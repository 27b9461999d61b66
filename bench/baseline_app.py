"""The baseline for bench/quiz_load.py: the same stack with nothing of the app in it.

One POST route that takes the JSON an answer save sends and inserts it as one row
with SQLAlchemy (Flask-SQLAlchemy, the engine options the app uses), in a table of
the benchmark's own database. quiz_load.py serves it with the same gunicorn
settings as the app, so the ratio of the two throughputs is what the app's own
work per answer costs.

  gunicorn --pythonpath bench 'baseline_app:create_app()'   (DATABASE_URL in the environment)
"""
import os
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class BaselineRow(db.Model):
    __tablename__ = "bench_baseline_row"

    id = db.Column(db.Integer, primary_key=True)
    client = db.Column(db.Integer, nullable=False)
    position = db.Column(db.Integer, nullable=False)
    response = db.Column(db.JSON)
    seq = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False)


def _url(url):
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_app(url=None):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url(url or os.environ["DATABASE_URL"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}  # as app/config.py
    db.init_app(app)

    @app.route("/answer", methods=["POST"])
    def answer():
        data = request.get_json(silent=True) or {}
        db.session.add(BaselineRow(client=int(data.get("client", 0)), position=int(data.get("position", 0)),
                                   response=data.get("response"), seq=int(data.get("seq", 0)),
                                   created_at=datetime.now(timezone.utc).replace(tzinfo=None)))
        db.session.commit()
        return jsonify(stored=True, seq=data.get("seq"))

    return app


def create_table(url):
    """Create the baseline's table (before gunicorn starts, so workers do not race)."""
    app = create_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
