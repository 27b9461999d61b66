"""Settings from the environment. `create_app(config)` takes a dict that overrides them."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def database_url(url):
    """Accept the usual postgres:// spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# What every production host must be given, so that several hosts share one state.
PRODUCTION_NEEDS = {
    "DATABASE_URL": "the shared PostgreSQL database (postgresql://...)",
    "REDIS_URL": "the shared Redis for jobs, caches and limits (redis://...)",
    "SECRET_KEY": "one secret key for every host (for example `openssl rand -hex 32`, made once)",
    "STORAGE_URL": "the shared file storage (s3://bucket/prefix, or file:///a/folder every host mounts)",
}


def check_production(environ):
    """Refuse a production start that would quietly run on a state of its own."""
    missing = [f"{name}: {why}" for name, why in PRODUCTION_NEEDS.items() if not environ.get(name, "").strip()]
    if missing:
        raise RuntimeError("APP_ENV=production needs these settings: " + "; ".join(missing))
    if not environ["DATABASE_URL"].startswith(("postgres://", "postgresql")):
        raise RuntimeError("APP_ENV=production needs DATABASE_URL to name a PostgreSQL database")


def engine_options(url, environ):
    """Connection pool and statement timeout (PostgreSQL). Behind PgBouncer in transaction
    mode (DB_PGBOUNCER=1) there are no server-side prepared statements and no startup
    options: set statement_timeout on the database role instead (docs/deploy.md)."""
    options = {"pool_pre_ping": True}
    if not url.startswith("postgresql"):
        return options
    options.update(pool_size=int(environ.get("DB_POOL_SIZE", "5")),
                   max_overflow=int(environ.get("DB_MAX_OVERFLOW", "10")),
                   pool_timeout=float(environ.get("DB_POOL_TIMEOUT", "30")),
                   pool_recycle=int(environ.get("DB_POOL_RECYCLE", "1800")))
    timeout_ms = int(environ.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
    if environ.get("DB_PGBOUNCER", "").strip().lower() in ("1", "true", "yes", "on"):
        options["connect_args"] = {"prepare_threshold": None}
    elif timeout_ms:
        options["connect_args"] = {"options": f"-c statement_timeout={timeout_ms}"}
    return options


def load_config():
    production = os.environ.get("APP_ENV", "development") == "production"
    secret = os.environ.get("SECRET_KEY")
    if production:
        check_production(os.environ)
    instance = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "APP_ENV": "production" if production else "development",
        # Unset outside production: create_app uses the installation's own (instance_secret_key).
        "SECRET_KEY": secret,
        "INSTANCE_DIR": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'app.db'}")),
        # this host's folder: the files' home when STORAGE_URL is unset, and scratch space for uploads
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance / "uploads")),
        # where stored files live, shared by every app host (app/core/storage.py):
        # file:///abs/path or s3://bucket/prefix; unset, UPLOAD_DIR itself (one host)
        "STORAGE_URL": os.environ.get("STORAGE_URL", ""),
        # MinIO or another S3-compatible service (https://minio.example.vn:9000); unset, Amazon S3
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        # S3 only: answer a file download with a redirect to a signed URL valid this long, instead of
        # streaming it through the app
        "STORAGE_PRESIGN": _bool("STORAGE_PRESIGN", False),
        "STORAGE_PRESIGN_SECONDS": int(os.environ.get("STORAGE_PRESIGN_SECONDS", "600")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        # only the upload of an entry's file accepts more: a video may be 200 MB
        "ENTRY_UPLOAD_MB": int(os.environ.get("ENTRY_UPLOAD_MB", "210")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # werkzeug's scrypt by default; tests set a cheaper method to stay fast.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Login limits: an account is locked after a few failures in the window; an
        # address (a whole school shares one behind NAT) is only slowed down past many.
        "LOGIN_WINDOW_MINUTES": int(os.environ.get("LOGIN_WINDOW_MINUTES", "15")),
        # a practice round may be retaken, but not fast enough to farm answers
        "PRACTICE_STARTS_PER_HOUR": int(os.environ.get("PRACTICE_STARTS_PER_HOUR", "10")),
        # Deadline day (app/quiz/attempts/queue.py): starts admitted per second for the whole
        # deployment (shared through Redis when REDIS_URL is set); more wait on a page with their
        # place in the queue. 0: no queue (the default outside production).
        "START_RATE": float(os.environ.get("START_RATE", "40" if production else "0")),
        # an idle deployment admits START_RATE x this many starts at once
        "START_BURST_SECONDS": float(os.environ.get("START_BURST_SECONDS", "1")),
        # how long an admitted place waits for its student to start
        "START_PLACE_SECONDS": float(os.environ.get("START_PLACE_SECONDS", "120")),
        # the queue's key prefix in Redis (one deployment, one prefix)
        "START_QUEUE_PREFIX": os.environ.get("START_QUEUE_PREFIX", "dvc-startq:"),
        # Emergency receipts sign each saved answer with a key derived from this (unset: from
        # SECRET_KEY); the same on every host.
        "RECEIPT_KEY": os.environ.get("RECEIPT_KEY", ""),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_SLOW_AFTER_FAILURES_PER_ADDRESS", "100")),
        "LOGIN_ADDRESS_DELAY_SECONDS": float(os.environ.get("LOGIN_ADDRESS_DELAY_SECONDS", "2")),
        # Number of proxies in front of the app (nginx): trust X-Forwarded-For that deep.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # The address printed in certificates' QR codes (https://thi.sogd.example.vn); the request's when unset.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        "SITE_NAME": os.environ.get("SITE_NAME", "Cuộc thi tìm hiểu dịch vụ công trực tuyến"),
        # This app instance's name, sent as X-Instance on every response (which host answered,
        # behind a load balancer); unset, no header.
        "INSTANCE_NAME": os.environ.get("INSTANCE_NAME", "").strip(),
        # Background jobs: RQ on Redis when REDIS_URL is set, else in the web process.
        "REDIS_URL": redis_url,
        "JOB_QUEUE": os.environ.get("JOB_QUEUE", "dvc1588"),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("JOB_TIMEOUT_SECONDS", "7200")),
        "JOB_HEARTBEAT_SECONDS": float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10")),
        # a running job whose heartbeat is older than this is taken for a dead worker's
        "JOB_STALE_SECONDS": int(os.environ.get("JOB_STALE_SECONDS", "60")),
        "JOB_MAX_TRIES": int(os.environ.get("JOB_MAX_TRIES", "3")),
        "JOB_MAINTENANCE_SECONDS": float(os.environ.get("JOB_MAINTENANCE_SECONDS", "30")),
        "JOB_RESULT_HOURS": int(os.environ.get("JOB_RESULT_HOURS", "48")),
        "JOB_KEEP_DAYS": int(os.environ.get("JOB_KEEP_DAYS", "30")),
        # A short cache (published results pages): each process's own memory, or Redis,
        # shared by every worker and host, when REDIS_URL is set.
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "dvc:",
        "CACHE_DEFAULT_TIMEOUT": 60,
        # How long a public results page is kept (seconds), and the publication time that names
        # it: publishing again deletes both, but a process's own memory (no REDIS_URL) may show
        # the old publication's pages in another worker until its copy of that time expires.
        "RESULTS_CACHE_SECONDS": int(os.environ.get("RESULTS_CACHE_SECONDS", "60")),
        "RESULTS_VERSION_SECONDS": int(os.environ.get("RESULTS_VERSION_SECONDS", "5")),
    }


def instance_secret_key(instance_dir):
    """The secret key of this installation: made once, at random, in the instance folder
    (readable by its owner only) and read back on every later start. Never a key
    published with the code."""
    path = Path(instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)  # two starts at once: the first key wins, both use it
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to make a new secret key")
    return key
