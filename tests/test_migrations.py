"""`flask db upgrade` on an empty database builds exactly the models' schema, and
downgrades cleanly; on SQLite always, on PostgreSQL when the run uses it."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.config import database_url
from app.extensions import db

EXPECTED_TABLES = {"unit", "participation", "coverage_target", "award", "class_session", "contest", "round", "attempt", "attempt_question", "question_bank", "question", "question_version", "unit_closure", "school_class", "class_teacher", "student", "user",
                   "login_attempt", "audit_log", "alembic_version", "creative_contest", "entry", "entry_member", "entry_file",
                   "judging_panel", "panel_judge", "judge_assignment", "certificate_template", "certificate",
                   "class_session_join", "login_throttle", "user_login", "job", "ranking", "ranking_row",
                   "collective_row", "entry_upload", "question_report", "correction", "correction_note",
                   "round_unit_window", "attempt_receipt"}


def check_empty_database(uri, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": str(tmp_path / "up")})
    with app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        from app.coverage.models import NATIONAL_TARGETS
        with db.engine.connect() as conn:
            loaded = conn.execute(text("SELECT stage, year, percent FROM coverage_target WHERE unit_id IS NULL "
                                       "ORDER BY stage, year")).all()
        assert [tuple(row) for row in loaded] == list(NATIONAL_TARGETS)
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "student" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_upgrade_on_an_empty_sqlite_file(tmp_path):
    check_empty_database(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)


@pytest.mark.postgres
def test_upgrade_on_an_empty_postgresql_database(tmp_path):
    # The local PostgreSQL every machine of this project has (see README).
    server = database_url(os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        check_empty_database(server.rsplit("/", 1)[0] + "/" + name, tmp_path)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
