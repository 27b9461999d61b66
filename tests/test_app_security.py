"""What create_app sets for every response and every start: security headers (a CSP
without inline script), and a secret key that is never the published one."""
import os
import stat

import pytest

from app import create_app
from app.config import load_config


def test_every_response_has_the_security_headers(client):
    for response in (client.get("/login"), client.get("/static/js/app.js"), client.get("/khong-co-trang-nay")):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # only in production, over HTTPS
        assert "X-Instance" not in headers  # only when the instance is given a name


def test_production_adds_hsts(app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_named_instance_says_so_on_every_response(app, monkeypatch):
    monkeypatch.setitem(app.config, "INSTANCE_NAME", "web2")
    client = app.test_client()
    assert {client.get(path).headers.get("X-Instance") for path in ("/login", "/khong-co-trang-nay")} == {"web2"}


def test_templates_have_no_inline_script():
    """The CSP refuses inline script: no on* handlers, javascript: URLs or <script> bodies."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text.lower() \
                or re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text):
            offenders.append(path.name)
    assert offenders == []


def test_a_development_start_makes_its_own_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": str(tmp_path / "up")})
    key = first.config["SECRET_KEY"]
    assert key and key != "dev-only-secret-change-me" and len(key) >= 32
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": str(tmp_path / "up")})
    assert again.config["SECRET_KEY"] == key


def test_two_installations_get_different_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / name))
        keys.add(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": str(tmp_path / "up")})
                 .config["SECRET_KEY"])
    assert len(keys) == 2


def test_production_still_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()


PRODUCTION = {"APP_ENV": "production", "DATABASE_URL": "postgresql://app@db/dvc", "REDIS_URL": "redis://r:6379/0",
              "SECRET_KEY": "k" * 64, "STORAGE_URL": "s3://dvc/files"}


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STORAGE_URL"])
def test_production_refuses_to_start_without_a_shared_setting(monkeypatch, missing):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing) as refused:
        load_config()
    assert sum(name in str(refused.value) for name in PRODUCTION if name != "APP_ENV") == 1


def test_production_refuses_its_own_sqlite_and_starts_with_everything_shared(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/dvc/app.db")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        load_config()
    monkeypatch.setenv("DATABASE_URL", PRODUCTION["DATABASE_URL"])
    config = load_config()
    assert config["SECRET_KEY"] == "k" * 64 and config["REDIS_URL"] == "redis://r:6379/0"


def test_the_database_pool_and_timeout_come_from_settings(monkeypatch):
    from app.config import engine_options
    plain = engine_options("postgresql+psycopg://db/x", {"DB_POOL_SIZE": "20", "DB_STATEMENT_TIMEOUT_MS": "5000"})
    assert plain["pool_size"] == 20 and plain["connect_args"] == {"options": "-c statement_timeout=5000"}
    bouncer = engine_options("postgresql+psycopg://db/x", {"DB_PGBOUNCER": "1"})
    assert bouncer["connect_args"] == {"prepare_threshold": None}  # no server-side prepared statements
    assert engine_options("sqlite:///x.db", {"DB_POOL_SIZE": "20"}) == {"pool_pre_ping": True}
