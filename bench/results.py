"""How the published results pages hold up at a province's size.

For each size (5,000 and 50,000 participants by default) builds the database
`bench_results` on the local PostgreSQL: a Sở, schools of 500 students in classes of
40, one closed round in which every student has one finished attempt (students and
attempts written with bulk inserts), prizes for a tenth of them. Then publishes the
results through the service (timed: the ranking is computed once and stored) and runs
VACUUM ANALYZE, as autovacuum does after a bulk insert.

Serves the app under gunicorn (as bench/quiz_load.py does) with one more route,
registered only here: /bench-static/<name> answers the bytes of a page saved from the
app, from memory. So each page is timed against a static page of exactly its size,
through the same gunicorn, Flask and middleware. Cases, each on its first page and a
middle one:

  anonymous   the public page /ket-qua/<id> (winners, 50 a page), as every visitor
              but the first of each minute gets it: from the 60-second cache, in each
              worker's memory (SimpleCache, no REDIS_URL);
  redis       the same from a gunicorn with REDIS_URL set (RedisCache, on a
              redis-server started for the run on a free port and stopped after it);
  uncached    the same pages from a gunicorn with the cache off (CACHE_TYPE=NullCache):
              what the first visit of a page costs;
  staff       /ket-qua/<id>?page=N logged in as the Sở (the whole ranking, 50 a
              page; never cached): the deep OFFSET of the middle page included.

Each is timed one request at a time on a keep-alive connection (p50, p95) and with 4
connections at once (requests/s); the ratio page / static is printed (target: at most
2), and each figure at the largest size against the smallest (target: flat). Also
prints what every visit cost before pages were stored: ranking the round from its
attempts (round_ranking and the prizes), timed in-process.

Prints figures, then one JSON line. A benchmark, not a test: it asserts nothing.
Usage: .venv/bin/python bench/results.py [--sizes 5000 50000] [--requests 300] [--workers 2] [--threads 4]
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quiz_load import Gunicorn, _die_with_parent, admin_exec, free_port  # noqa: E402  (bench/, beside this script)

DB_NAME = "bench_results"
PASSWORD = "bench-Pass-2026"
SCHOOL_SIZE, CLASS_SIZE = 500, 40
STATIC_NAME = re.compile(r"[a-z0-9-]{1,60}")


# The app as gunicorn serves it here -------------------------------------------------------

def bench_app():
    """The app with /bench-static/<name>: the bytes of a page saved in BENCH_STATIC_DIR,
    read once and then answered from memory. BENCH_NO_CACHE=1 turns the page cache off."""
    from flask import Response, abort

    from app import create_app
    app = create_app({"CACHE_TYPE": "NullCache"} if os.environ.get("BENCH_NO_CACHE") else None)
    folder, pages = Path(os.environ["BENCH_STATIC_DIR"]), {}

    @app.route("/bench-static/<name>")
    def bench_static(name):
        if not STATIC_NAME.fullmatch(name) or not (folder / name).is_file():
            abort(404)
        if name not in pages:
            pages[name] = (folder / name).read_bytes()
        return Response(pages[name], mimetype="text/html")
    return app


# Building the province and publishing ------------------------------------------------

FAMILIES = ["Nguyễn Văn", "Trần Thị", "Lê Minh", "Phạm Ngọc", "Huỳnh Gia", "Võ Thanh", "Đặng Quốc", "Bùi Thu",
            "Hoàng Anh", "Phan Thị"]
GIVENS = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khang", "Linh", "My", "Nam", "Oanh", "Phúc", "Quân",
          "Sơn", "Tâm", "Uyên", "Vy", "Xuân", "Yến", "Đạt"]


def build_and_publish(url, participants):
    """The province, the round and its attempts; then the publication, timed. Returns
    (round id, seconds to build, seconds to publish, seconds of one live ranking)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from app import create_app
    from app.accounts.services import create_user
    from app.config import database_url
    from app.core.prizes import award_prizes
    from app.core.text import fold, name_sort_key
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.org.models import SchoolClass, Student
    from app.org.services import create_unit
    from app.quiz.banks.services import create_bank
    from app.quiz.contests.ranking import round_ranking
    from app.quiz.contests.services import add_round, create_contest, publish_results
    from app.quiz.models import Attempt, Round

    rng = random.Random(1588)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "UPLOAD_DIR": tempfile.mkdtemp()})
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        so = create_unit(None, kind="department", name="Sở Giáo dục và Đào tạo (bench)", code="SOBENCH")
        create_user(None, username="so.bench", password=PASSWORD, full_name="Chuyên viên Sở", role="department",
                    unit=so, must_change_password=False)
        year = 2026
        schools = [create_unit(None, kind="school", name=f"Trường THPT Số {k + 1}", code=f"B{k:04d}", level="THPT",
                               parent=so) for k in range(-(-participants // SCHOOL_SIZE))]
        db.session.execute(insert(SchoolClass), [
            dict(school_id=school.id, school_year=year, grade=10 + c % 3, name=f"{10 + c % 3}A{c + 1}")
            for school in schools for c in range(SCHOOL_SIZE // CLASS_SIZE + 1)])
        classes = {}
        for class_id, school_id in db.session.execute(select(SchoolClass.id, SchoolClass.school_id)
                                                      .order_by(SchoolClass.id)):
            classes.setdefault(school_id, []).append(class_id)
        rows = []
        for i in range(participants):
            school = schools[i // SCHOOL_SIZE]
            name = f"{rng.choice(FAMILIES)} {rng.choice(GIVENS)} {i:05d}"
            rows.append(dict(school_id=school.id, class_id=classes[school.id][(i % SCHOOL_SIZE) // CLASS_SIZE],
                             code=f"HS{i:06d}", full_name=name, sort_key=name_sort_key(name), search_name=fold(name),
                             birth_date=date(2009, 1, 1) + timedelta(days=i % 365)))
        db.session.execute(insert(Student), rows)
        bank = create_bank(None, so, code="BENCH", name="Ngân hàng bench")
        contest = create_contest(None, so, bank, code="BENCH", name="Cuộc thi bench", school_year=year,
                                 levels=("THPT",))
        closed = utcnow() - timedelta(days=1)
        winners = participants // 10
        round_ = add_round(None, contest, name="Đợt 1", opens_at=closed - timedelta(days=14), closes_at=closed,
                           question_count=20, passing_score=50.0,
                           prizes={"nhat": 1, "nhi": 3, "ba": 6, "kk": winners - 10})
        students = db.session.execute(select(Student.id, Student.school_id).order_by(Student.id)).all()
        attempts = []
        for student_id, school_id in students:
            score = float(min(20, max(0, round(rng.gauss(13, 4)))))
            started = round_.opens_at + timedelta(seconds=rng.randrange(13 * 86400))
            duration = rng.randrange(240, 1200)
            attempts.append(dict(round_id=round_.id, student_id=student_id, school_id=school_id, number=1,
                                 started_at=started, submitted_at=started + timedelta(seconds=duration),
                                 finished_by="student", score=score, max_score=20.0,
                                 prediction=rng.randrange(0, 400), duration_seconds=duration, answered_count=20))
        db.session.execute(insert(Attempt), attempts)
        db.session.commit()
        built = time.perf_counter() - t0

        round_ = db.session.get(Round, round_.id)
        t0 = time.perf_counter()
        ranking = round_ranking(round_)
        award_prizes(ranking, round_.prizes, round_.passing_score)
        live = time.perf_counter() - t0
        t0 = time.perf_counter()
        publish_results(None, round_, utcnow())
        db.session.commit()
        published = time.perf_counter() - t0
        round_id = round_.id
        db.engine.dispose()
    with app.app_context():  # outside a transaction
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return round_id, built, published, live


# Timing ------------------------------------------------------------------------------

class Browser:
    """One keep-alive connection with its cookies."""

    def __init__(self, port):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path):
        return self.request("GET", path)

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, val = value.split(";", 1)[0].partition("=")
                self.cookies[key.strip()] = val.strip()
        return response.status, data

    def login(self, username, password):
        _, page = self.get("/login")
        token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/login", urlencode({"csrf_token": token, "username": username,
                                                              "password": password, "next": ""}))
        if status != 302:
            raise RuntimeError(f"login failed: HTTP {status}")

    def copy(self):
        other = Browser(self.port)
        other.cookies = dict(self.cookies)
        return other

    def close(self):
        self.conn.close()


def time_one_at_a_time(browser, path, count):
    """Latencies in ms of `count` GETs one after the other (after 20 to warm up)."""
    for _ in range(20):
        browser.get(path)
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        status, _ = browser.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * len(times)) - 1], 2)}


def time_at_once(browser, path, count, connections=4):
    """Requests per second of `count` GETs over `connections` connections at once."""
    browsers = [browser.copy() for _ in range(connections)]
    for b in browsers:
        b.get(path)
    failures = []

    def run(b):
        for _ in range(count // connections):
            status, _ = b.get(path)
            if status != 200:
                failures.append(status)
    threads = [threading.Thread(target=run, args=(b,)) for b in browsers]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    for b in browsers:
        b.close()
    if failures:
        raise RuntimeError(f"{path}: HTTP {failures[:3]}")
    return round(connections * (count // connections) / elapsed, 1)


def measure(browser, path, static_dir, name, count):
    """The page and a static page of its size, timed alike."""
    status, body = browser.get(path)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    (static_dir / name).write_bytes(body)
    static = f"/bench-static/{name}"
    page = {"bytes": len(body), **time_one_at_a_time(browser, path, count),
            "rps": time_at_once(browser, path, count)}
    base = {**time_one_at_a_time(browser, static, count), "rps": time_at_once(browser, static, count)}
    return {"page": page, "static": base, "ratio_p50": round(page["p50_ms"] / base["p50_ms"], 2),
            "ratio_rps": round(base["rps"] / page["rps"], 2)}


def pages_to_time(round_id, participants):
    winner_pages = -(-(participants // 10) // 50)
    ranking_pages = -(-participants // 50)
    return {"anonymous": [("first", f"/ket-qua/{round_id}"), ("middle", f"/ket-qua/{round_id}?page={winner_pages // 2}")],
            "staff": [("first", f"/ket-qua/{round_id}"), ("middle", f"/ket-qua/{round_id}?page={ranking_pages // 2}")]}


def start_redis():
    """A redis-server of our own on a free port (no persistence); (process, url)."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def run_size(args, participants, env, redis_url):
    url = args.pg_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    admin_exec(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', f'CREATE DATABASE "{DB_NAME}"')
    static_dir = Path(tempfile.mkdtemp(prefix="bench-results-static-"))
    out = {"participants": participants}
    try:
        round_id, out["build_s"], out["publish_s"], out["live_ranking_s"] = build_and_publish(url, participants)
        print(f"{participants} participants: built in {out['build_s']:.1f} s, published (ranked and stored) in "
              f"{out['publish_s']:.2f} s; ranking live, as every visit did before: {out['live_ranking_s']:.2f} s",
              file=sys.stderr)
        env = dict(env, DATABASE_URL=url, BENCH_STATIC_DIR=str(static_dir))
        plan = pages_to_time(round_id, participants)
        servers = [("cached", {}), ("uncached", {"BENCH_NO_CACHE": "1"})]
        if redis_url:
            servers.insert(1, ("redis", {"REDIS_URL": redis_url}))
        for label, extra in servers:
            server = Gunicorn("results:bench_app()", args, dict(env, **extra), extra=("--pythonpath", str(ROOT / "bench")))
            try:
                server.wait_ready()
                anonymous = Browser(server.port)
                for which, path in plan["anonymous"]:
                    out[f"anonymous_{label}_{which}"] = measure(anonymous, path, static_dir,
                                                                f"{label}-anonymous-{which}", args.requests)
                anonymous.close()
                if label == "cached":
                    staff = Browser(server.port)
                    staff.login("so.bench", PASSWORD)
                    for which, path in plan["staff"]:
                        out[f"staff_{which}"] = measure(staff, path, static_dir, f"staff-{which}", args.requests)
                    staff.close()
                problems = server.problems()
                if any(problems.values()):
                    out[f"server_log_{label}"] = problems
            finally:
                server.stop()
                os.unlink(server.log.name)
    finally:
        shutil.rmtree(static_dir, ignore_errors=True)
        if not args.keep_db:
            admin_exec(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    return out


CASES = ("anonymous_cached_first", "anonymous_cached_middle", "anonymous_redis_first", "anonymous_redis_middle",
         "anonymous_uncached_first", "anonymous_uncached_middle", "staff_first", "staff_middle")


def report(runs):
    for run in runs:
        print(f"\n{run['participants']:,} participants: publish {run['publish_s']:.2f} s "
              f"(one live ranking, what each visit did before: {run['live_ranking_s']:.2f} s)")
        print(f"  {'page':<27}{'bytes':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}   "
              f"{'static p50':>10}{'req/s':>8}   {'x p50':>6}{'x req/s':>8}")
        for case in CASES:
            m = run.get(case)
            if not m:
                continue
            p, s = m["page"], m["static"]
            print(f"  {case.replace('_', ' '):<27}{p['bytes']:>8}{p['p50_ms']:>9.2f}{p['p95_ms']:>9.2f}{p['rps']:>8.0f}"
                  f"   {s['p50_ms']:>10.2f}{s['rps']:>8.0f}   {m['ratio_p50']:>6.2f}{m['ratio_rps']:>8.2f}")
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        print(f"\nflat? p50 at {large['participants']:,} / at {small['participants']:,}:")
        for case in CASES:
            if case in small and case in large:
                print(f"  {case.replace('_', ' '):<27}x{large[case]['page']['p50_ms'] / small[case]['page']['p50_ms']:.2f}"
                      f"   (static x{large[case]['static']['p50_ms'] / small[case]['static']['p50_ms']:.2f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page, and per static page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--keep-db", action="store_true", help=f"leave the database {DB_NAME} of the last size")
    parser.add_argument("--no-redis", action="store_true", help="skip the RedisCache case")
    parser.add_argument("--pg-url",
                        default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help=f"a database of the server to CREATE/DROP {DB_NAME} from")
    args = parser.parse_args()
    # One host, its own folders: the development settings (production wants Redis and a shared storage).
    scratch = tempfile.mkdtemp(prefix="bench-results-")
    env = dict(os.environ, SECRET_KEY=os.urandom(16).hex(), APP_ENV="development", INSTANCE_DIR=scratch,
               UPLOAD_DIR=scratch, PYTHONDONTWRITEBYTECODE="1", PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    for name in ("PROXY_COUNT", "REDIS_URL", "STORAGE_URL", "RESULTS_CACHE_SECONDS", "RESULTS_VERSION_SECONDS"):
        env.pop(name, None)
    redis, redis_url = start_redis() if not args.no_redis and shutil.which("redis-server") else (None, None)
    try:
        runs = [run_size(args, size, env, redis_url) for size in args.sizes]
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    report(runs)
    print(json.dumps({"gunicorn": f"-w {args.workers} -k gthread --threads {args.threads}", "runs": runs}))


if __name__ == "__main__":
    sys.exit(main())
