"""What a test needs from the machine, as markers (registered in pytest.ini):

- `e2e`: Debian's Chromium at /usr/bin/chromium (every test under tests/e2e gets it);
- `postgres`: a PostgreSQL server that answers at DATABASE_URL (when it names one) or
  PG_TEST_URL;
- `redis`: a Redis server that answers at REDIS_TEST_URL (redis://127.0.0.1:6379/15 by default);
- `ffmpeg`: Debian's ffmpeg and ffprobe on the PATH (phone videos made and converted).

A test whose need is missing is skipped with the reason, so a laptop without them
still runs the rest; with CI=true it fails instead, so CI cannot pass by skipping."""
import functools
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
E2E_DIR = Path(__file__).resolve().parents[1] / "e2e"
DEFAULT_PG_TEST_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def postgres_url():
    """The server the `postgres` tests use: the run's own database when it is
    PostgreSQL, else PG_TEST_URL (the local server of README by default)."""
    from app.config import database_url
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        return database_url(url)
    return database_url(os.environ.get("PG_TEST_URL") or DEFAULT_PG_TEST_URL)


def chromium_missing():
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's Chromium (`make chromium`)"
    return None


@functools.cache
def postgres_missing():
    from sqlalchemy import create_engine, text
    url = postgres_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any reason the server does not answer
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"PostgreSQL unreachable at {engine.url.render_as_string(hide_password=True)}: {first_line}"
    finally:
        engine.dispose()
    return None


def redis_url():
    return os.environ.get("REDIS_TEST_URL") or DEFAULT_REDIS_TEST_URL


@functools.cache
def redis_missing():
    from redis import Redis
    try:
        Redis.from_url(redis_url(), socket_connect_timeout=3).ping()
    except Exception as error:  # any reason the server does not answer
        return f"Redis unreachable at {redis_url()}: {error}"
    return None


def ffmpeg_missing():
    missing = [name for name in ("ffmpeg", "ffprobe") if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found: install Debian's ffmpeg (`make ffmpeg`)"
    return None


NEEDS = {"e2e": chromium_missing, "postgres": postgres_missing, "redis": redis_missing, "ffmpeg": ffmpeg_missing}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    for marker, missing in NEEDS.items():
        if item.get_closest_marker(marker) and (reason := missing()):
            if os.environ.get("CI") == "true":
                pytest.fail(f"{reason} (CI=true: this test must run)", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(name="redis_test_url")
def redis_test_url_fixture():
    return redis_url()
