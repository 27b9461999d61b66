"""Several app hosts for real, as a Sở runs them (tests/test_multihost.py):

- `hosts` (one per module): two gunicorn instances of the app in production mode
  (APP_ENV=production, so its checks apply), each with its own UPLOAD_DIR, sharing a
  PostgreSQL database of their own, an S3 bucket (moto's server standing in for
  MinIO), the test Redis with a queue of their own and one SECRET_KEY; a jobs worker;
  and nginx round-robin in front with PROXY_COUNT=1, from the files `make run-cluster`
  uses (deploy/cluster.py). Without nginx on the machine the tests address the two
  instances in turn themselves (CI=true: a failure, `make test` installs nginx).
  `hosts.app` is the test's own view of the shared database and storage.
- `on_hosts`: for one test, the shared database is the one the factories write to
  (its app context is pushed before the test's other fixtures run); every table is
  emptied afterwards.
- `Browser`: a person's requests session with the login form and CSRF tokens.

Runs in the PostgreSQL run of `make test` only (the database is PostgreSQL's)."""
import contextlib
import os
import re
import secrets
import subprocess
import time
import uuid

import boto3
import pytest
import requests
from redis import Redis
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db as _db
from deploy import cluster
from tests.plugins.app import empty_tables
from tests.plugins.environment import postgres_url, redis_url

BUCKET = "dvc-cluster"
CHEAP_HASH = "pbkdf2:sha256:1000"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
# a worker polls for stale jobs this often, and takes a job whose heartbeat is older than this for a dead one's
JOB_TIMING = {"JOB_HEARTBEAT_SECONDS": "0.5", "JOB_STALE_SECONDS": "3", "JOB_MAINTENANCE_SECONDS": "0.5"}


def csrf_of(html):
    match = CSRF.search(html)
    assert match, f"no csrf_token in the page: {html[:300]}"
    return match.group(1)


class Browser(requests.Session):
    """One person's browser: cookies for 127.0.0.1 whatever the port, so a login made
    through one host is sent to the others too (the load balancer's job)."""

    def login(self, base, username, password):
        token = csrf_of(self.get(f"{base}/login").text)
        return self.post(f"{base}/login", data={"csrf_token": token, "username": username, "password": password},
                         allow_redirects=False)

    def form_token(self, url):
        return csrf_of(self.get(url).text)

    csrf_of = staticmethod(csrf_of)


class Hosts:
    def __init__(self, tmp, env, app, instances, front, database):
        self.tmp, self.env, self.app, self.database = tmp, env, app, database
        self.instances = instances  # {"web1": "http://127.0.0.1:port", ...}
        self.a, self.b = instances.values()
        self.front = front  # nginx, or None (then the tests pick a host themselves)
        self.services = []
        self.workers = []

    def entrance(self, number=0):
        """Where a person's requests go in: nginx, or without it the hosts in turn."""
        return self.front or list(self.instances.values())[number % len(self.instances)]

    def other_than(self, name):
        """The address of the instance that is not `name`."""
        return next(base for web, base in self.instances.items() if web != name)

    def upload_dir(self, name):
        return self.tmp / name / "uploads"

    def start_worker(self):
        number = len(self.workers) + 1
        worker = cluster.Service(f"worker{number}", cluster.flask("jobs", "worker"),
                                 env=dict(self.env, UPLOAD_DIR=str(self.tmp / f"worker{number}")),
                                 log=str(self.tmp / f"worker{number}.log"))
        self.workers.append(worker)
        return worker

    def flask(self, *args):
        """A `flask` command as cron would run it on a host: a process of its own."""
        return subprocess.Popen(cluster.flask(*args), cwd=cluster.ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=dict(self.env, UPLOAD_DIR=str(self.tmp / "cli")))

    def logs(self):
        return "\n".join(f"--- {s.name}\n{s.tail(40)}" for s in self.services + self.workers)

    def stop(self):
        everything = self.services + self.workers
        for service in everything:
            service.terminate()  # all at once: each takes a second or two to wind down
        for service in reversed(everything):
            service.stop(10)


@contextlib.contextmanager
def _database(name):
    server = postgres_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def _s3():
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=cluster.free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(scope="module")
def hosts(app, tmp_path_factory):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the multi-host test runs in the PostgreSQL run (make test-pg)")
    nginx_found = cluster.nginx_binary()
    if nginx_found is None and os.environ.get("CI") == "true":
        pytest.fail("nginx not found (CI=true: the hosts must run behind it; `make nginx` installs it)")
    tmp = tmp_path_factory.mktemp("hosts")
    queue = f"test-hosts-{secrets.token_hex(4)}"
    name = f"{postgres_url().rsplit('/', 1)[1]}_multihost_{uuid.uuid4().hex[:6]}"
    with _database(name) as url, _s3() as endpoint, pytest.MonkeyPatch.context() as patch:
        aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
        for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(variable, raising=False)
        for variable, value in aws.items():  # the test's own view of the bucket reads them too
            patch.setenv(variable, value)
        shared = {"DATABASE_URL": url, "REDIS_URL": redis_url(), "JOB_QUEUE": queue,
                  "STORAGE_URL": f"s3://{BUCKET}/site", "S3_ENDPOINT_URL": endpoint,
                  "SECRET_KEY": secrets.token_hex(32), "PASSWORD_HASH_METHOD": CHEAP_HASH}
        own_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp / "test"),
                              "STORAGE_URL": shared["STORAGE_URL"], "S3_ENDPOINT_URL": endpoint,
                              "PASSWORD_HASH_METHOD": CHEAP_HASH, "REDIS_URL": redis_url(), "JOB_QUEUE": queue})
        with own_app.app_context():
            from flask_migrate import upgrade
            upgrade()  # once, before any host starts, as a release does
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PG_", "DB_"))}
        env.update(aws, **shared, **JOB_TIMING, APP_ENV="production", FLASK_APP="wsgi", SESSION_COOKIE_SECURE="0",
                   PROXY_COUNT="1" if nginx_found else "0", PYTHONUNBUFFERED="1")
        ports = {"web1": cluster.free_port(), "web2": cluster.free_port()}
        hosts = Hosts(tmp, env, own_app, {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, None, name)
        try:
            for web, port in ports.items():
                hosts.services.append(cluster.gunicorn(
                    web, port, dict(env, INSTANCE_NAME=web, UPLOAD_DIR=str(hosts.upload_dir(web))),
                    workers=1, threads=8, log=str(tmp / f"{web}.log")))
            hosts.start_worker()
            for service, base in zip(hosts.services, hosts.instances.values()):
                cluster.wait_http(f"{base}/login", service)
            if nginx_found:
                port = cluster.free_port()
                front = cluster.nginx("nginx", port, [base[len("http://"):] for base in hosts.instances.values()],
                                      log=str(tmp / "nginx.log"))
                hosts.services.append(front)
                cluster.wait_http(f"http://127.0.0.1:{port}/login", front)
                hosts.front = f"http://127.0.0.1:{port}"
            yield hosts
        finally:
            hosts.stop()
            with own_app.app_context():
                _db.engine.dispose()
            connection = Redis.from_url(redis_url())
            for key in connection.scan_iter(f"rq:*{queue}*"):
                connection.delete(key)


@pytest.fixture
def on_hosts(hosts, db):
    """The shared database for this test: factories asked for after this write to it."""
    with hosts.app.app_context():
        yield hosts
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            # a test that failed midway may leave a host or worker inside a transaction
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                              "current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"))
            empty_tables(conn)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on the hosts shows what each process logged."""
    report = (yield).get_result()
    hosts = getattr(item, "funcargs", {}).get("on_hosts")
    if report.failed and hosts is not None:
        report.sections.append(("logs of the app hosts", hosts.logs()))


def wait_for(read, until, timeout, message, every=0.2):
    """Call `read` until `until(value)` holds and give that value; AssertionError with
    `message` (and the last value) after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = read()
        if until(value):
            return value
        assert time.monotonic() < end, f"{message}: {value}"
        time.sleep(every)


@pytest.fixture(name="Browser")
def browser_class():
    return Browser


@pytest.fixture(name="wait_for")
def wait_for_fixture():
    return wait_for
