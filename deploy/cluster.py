"""`make run-cluster`: the layout of a Sở's production on one machine, to try it by hand.

  redis    the Redis answering at 127.0.0.1:6379, else a redis-server started here (keeps nothing on disk)
  web1     gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:8001, UPLOAD_DIR instance/cluster/web1/uploads
  web2     the same on 127.0.0.1:8002, UPLOAD_DIR instance/cluster/web2/uploads
  worker   flask jobs worker
  nginx    http://127.0.0.1:8080, round-robin over web1 and web2 (deploy/nginx/cluster.conf.template,
           which includes the production proxy settings of deploy/nginx/proxy.conf), PROXY_COUNT=1

Every process gets the same settings, as the hosts of a real deployment would:
APP_ENV=production (so the app refuses to start without a shared database, Redis, key
and storage), DATABASE_URL (database dvc_cluster on the local PostgreSQL: created when
missing, migrated, the demo loaded into it once), REDIS_URL, SECRET_KEY (made once into
instance/cluster/secret_key) and STORAGE_URL (the folder instance/cluster/storage, or
--storage-url s3://bucket/prefix with S3_ENDPOINT_URL and AWS_* in the environment).
The site is plain http on localhost, so SESSION_COOKIE_SECURE=0 is set explicitly:
production's default (Secure cookies) would log nobody in over http. Each response says
which instance answered in its X-Instance header. Ctrl-C stops everything.

The test of tests/test_multihost.py and bench/quiz_load.py --hosts 2 start their
processes and nginx with the helpers of this module.
"""
import argparse
import contextlib
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx" / "cluster.conf.template"
PROXY_CONF = DEPLOY / "nginx" / "proxy.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def venv_bin(name):
    """A command installed beside the Python running this (the project's venv)."""
    return str(Path(sys.executable).parent / name)


def nginx_binary():
    """Debian's nginx (/usr/sbin is not on every user's PATH), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child: SIGTERM when the launcher dies, so no process outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Service:
    """A process in a session of its own: a Ctrl-C reaches the launcher only, which then
    stops each service in turn. Output goes to `log` (a path), else to this terminal with
    the service's name in front of each line."""

    def __init__(self, name, argv, env=None, log=None):
        self.name, self.argv, self.log = name, argv, log
        self.scratch = None  # a folder of the service's own, removed once it has stopped
        out = open(log, "ab") if log else subprocess.PIPE
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        if log:
            out.close()
        else:
            threading.Thread(target=self._echo, name=f"echo-{name}", daemon=True).start()

    def _echo(self):
        for line in self.proc.stdout:
            sys.stdout.write(f"{time.strftime('%H:%M:%S')} {self.name:<6} | {line.decode(errors='replace')}")
            sys.stdout.flush()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def terminate(self):
        """SIGTERM to the whole process group (gunicorn's workers too), without waiting."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self, timeout=20):
        """SIGTERM to the whole process group, SIGKILL to what is left after `timeout`."""
        if self.alive():
            self.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything of the group left behind
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
        return self.proc.returncode

    def kill(self):
        """SIGKILL at once, as a machine that dies would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def tail(self, lines=30):
        if not self.log or not os.path.exists(self.log):
            return ""
        with open(self.log, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])


def wait_http(url, service=None, timeout=30.0):
    """Until `url` answers with any HTTP status; RuntimeError if `service` exits first or time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if service is not None and not service.alive():
            raise RuntimeError(f"{service.name} exited with {service.proc.returncode}:\n{service.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s" + (f":\n{service.tail()}" if service else ""))


def gunicorn(name, port, env, workers=2, threads=4, log=None, extra=()):
    """One app instance: gunicorn with the production settings file, on 127.0.0.1:`port`."""
    argv = [venv_bin("gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), *extra, "wsgi:app"]
    return Service(name, argv, env=env, log=log)


def flask(*args):
    return [venv_bin("flask"), *args]


def nginx(name, listen_port, upstreams, log=None, access_log="off"):
    """nginx in the foreground from deploy/nginx/cluster.conf.template, its errors in the
    service's output. Its files (pid, spooled uploads) go to a folder of its own under
    /tmp, which its unprivileged worker process can reach (a folder under /root or
    pytest's 0700 temporary folders it cannot), removed when it stops."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx not found: install Debian's nginx (`make nginx`)")
    runtime = Path(tempfile.mkdtemp(prefix="dvc-nginx-"))
    os.chmod(runtime, 0o755)
    config = runtime / "nginx.conf"
    config.write_text(string.Template(NGINX_TEMPLATE.read_text()).substitute(
        runtime=runtime, listen_port=listen_port, proxy_conf=PROXY_CONF, access_log=access_log,
        upstream_servers="\n".join(f"        server {address};" for address in upstreams)))
    service = Service(name, [binary, "-p", str(runtime), "-e", "stderr", "-c", str(config), "-g", "daemon off;"],
                      log=log)
    service.scratch = runtime
    return service


def redis_answers(url, timeout=2.0):
    from redis import Redis
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=timeout).ping())
    except Exception:  # any reason it does not answer
        return False


def ensure_database(admin_url, name):
    """Create the database `name` on the server of `admin_url` when it is missing; True if created."""
    import psycopg
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def _parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1")
    parser.add_argument("--web-ports", default="8001,8002", help="one gunicorn per port")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--pg-url", default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a database of the server to create the cluster's database from")
    parser.add_argument("--database", default="dvc_cluster")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--storage-url", default=os.environ.get("CLUSTER_STORAGE_URL", ""),
                        help="the shared storage (default: the folder instance/cluster/storage)")
    parser.add_argument("--home", default=str(ROOT / "instance" / "cluster"))
    return parser.parse_args()


def main():
    args = _parse()
    sys.path.insert(0, str(ROOT))
    from app.config import instance_secret_key

    home = Path(args.home)
    home.mkdir(parents=True, exist_ok=True)
    web_ports = [int(port) for port in args.web_ports.split(",")]
    for port in [args.port, *web_ports]:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(f"port {port} is taken: stop what listens there, or choose --port / --web-ports")
    database_url = f"{args.pg_url.rsplit('/', 1)[0]}/{args.database}"
    if ensure_database(args.pg_url, args.database):
        print(f"database {args.database} created")
    storage_url = args.storage_url or (home / "storage").resolve().as_uri()
    env = dict(os.environ, APP_ENV="production", FLASK_APP="wsgi", DATABASE_URL=database_url,
               REDIS_URL=args.redis_url, SECRET_KEY=instance_secret_key(home), STORAGE_URL=storage_url,
               SESSION_COOKIE_SECURE="0",  # plain http on localhost: Secure cookies would never come back
               PROXY_COUNT="1", PUBLIC_URL=f"http://127.0.0.1:{args.port}", PYTHONUNBUFFERED="1")
    services = []

    def stop(signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        if not redis_answers(args.redis_url):
            redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
            if not os.access(redis_server, os.X_OK):
                sys.exit(f"nothing answers at {args.redis_url} and redis-server is not installed (`make redis`)")
            port = args.redis_url.split(":")[-1].split("/")[0]
            services.append(Service("redis", [redis_server, "--bind", "127.0.0.1", "--port", port, "--save", "",
                                              "--appendonly", "no"]))
            for _ in range(50):
                if redis_answers(args.redis_url, 0.5):
                    break
                time.sleep(0.1)
        subprocess.run(flask("db", "upgrade"), cwd=ROOT, env=env, check=True)  # once, before any host starts
        subprocess.run(flask("demo"), cwd=ROOT, env=env, check=True)  # only into an empty database
        webs = [gunicorn(f"web{number}", port, dict(env, INSTANCE_NAME=f"web{number}",
                                                    UPLOAD_DIR=str(home / f"web{number}" / "uploads")),
                         workers=args.workers, threads=args.threads)
                for number, port in enumerate(web_ports, start=1)]
        services.extend(webs)
        services.append(Service("worker", flask("jobs", "worker"), env=dict(env, UPLOAD_DIR=str(home / "worker"))))
        for web, port in zip(webs, web_ports):
            wait_http(f"http://127.0.0.1:{port}/login", web)
        services.append(nginx("nginx", args.port, [f"127.0.0.1:{port}" for port in web_ports]))
        wait_http(f"http://127.0.0.1:{args.port}/login", services[-1])
        print(f"\nhttp://127.0.0.1:{args.port}  nginx -> {', '.join(f'127.0.0.1:{p}' for p in web_ports)}; "
              f"storage {storage_url}; database {args.database}; Redis {args.redis_url}\n"
              "Demo logins: so.cantho / Demo@2025, anhnt.thptnd / hocsinh2025 (README). Ctrl-C stops everything.\n",
              flush=True)
        while all(service.alive() for service in services):
            time.sleep(0.5)
        gone = [f"{s.name} (exit {s.proc.returncode})" for s in services if not s.alive()]
        print(f"stopped: {', '.join(gone)}; stopping the others", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        status = 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the stopping short
        for service in reversed(services):  # all at once: each takes a second or two to wind down
            service.terminate()
        for service in reversed(services):
            service.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
