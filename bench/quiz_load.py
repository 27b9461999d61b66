"""How many students can take a round at once: a school sits a 20-question round.

Builds a database `bench_quiz` on the local PostgreSQL (a Sở, one school, 600
students with accounts, a 40-question bank, a contest with a round of 20 questions
open now), serves the app under gunicorn and drives it from a separate process
(one asyncio process, one keep-alive connection and cookie jar per student):

  logins    every student logs in and opens their page (before the timing starts);
  start     all students press "start" within 10 s (POST /rounds/<id>/start), then
  page      load the attempt page (GET /attempts/<id>) and read the options from it;
            they read the first question until every student is in (--no-barrier:
            they do not wait), then
  answer    save every answer as the page does (POST /attempts/<id>/answer, JSON),
  submit    and submit with the prediction (POST /attempts/<id>/submit).

Each student goes as fast as the server answers (no think time unless --think), so
the figures are the server's capacity, and latencies include the queue of 600
students waiting. Prints requests per second, p50/p95/p99 latency per kind, the
count of 5xx, and the answers stored in the database against the answers the
server acknowledged (must be equal).

In the same run, the baseline: the same gunicorn serving bench/baseline_app.py,
one POST route inserting one row with SQLAlchemy into a table of the same
database, driven the same way (warm-up, 600 clients coming in within 10 s with one
insert each, then 20 inserts each). The answer throughput of both is taken over the
window where every student is saving answers (from the moment all are in to the
first one done), so starts and submits do not dilute it; the ratio app / baseline
is printed.

With --queue (deadline day), 2,000 students by default press "start" within the ramp
and the app admits START_RATE starts a second (--start-rate, 40 by default as in production; the queue
in Redis as in production): a start beyond the rate is answered with the waiting page
(302 to /rounds/<id>/cho), the student polls it as JSON as static/js/waiting.js does
(after poll_seconds, with the same spread) and presses start again when admitted. The
report adds how many waited, the longest wait and position, and the polls; the answer
ratio to the baseline is measured as always, once every student is in. Without --queue
the app runs with START_RATE=0 (no queue), as before.

Ends with one JSON line. Stops by itself within --budget seconds (default 170; 480 with --queue),
even if the server hangs; gunicorn is stopped on every exit. Exit status 1 when the
stored rows do not match the acknowledged ones, 3 when another run holds bench_quiz.
With --hosts 2 (or more) the app and the baseline each run as that many gunicorn
instances (every one --workers x --threads, with its own UPLOAD_DIR, one shared
storage folder) behind nginx, round-robin, with the configuration of `make
run-cluster` (deploy/cluster.py), and the driver talks to nginx only.

Usage: .venv/bin/python bench/quiz_load.py [--students 600] [--questions 20] [--hosts 1]
       [--workers 3] [--threads 4] [--ramp 10] [--think 0] [--no-barrier] [--keep-db]
       [--queue [--start-rate 40]]
"""
import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import cluster  # noqa: E402  (nginx in front of --hosts instances)

DB_NAME = "bench_quiz"
PASSWORD = "bench-Pass-2026"
KINDS = ("start", "page", "answer", "submit", "poll")  # poll: the waiting page (--queue)
RUN_LOCK_KEY = 0x62656E6368717A  # "benchqz"


# ---------------------------------------------------------------------------------
# The driver: a separate process (`quiz_load.py --drive CONFIG`), standard library only.
# ---------------------------------------------------------------------------------

class HTTPError(Exception):
    pass


class Client:
    """One student's browser: a keep-alive HTTP/1.1 connection and a cookie jar."""

    def __init__(self, host, port, stats):
        self.host, self.port, self.stats = host, port, stats
        self.reader = self.writer = None
        self.jar = {}
        self.csrf = None

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method, path, body=b"", ctype=None, headers=None, timeout=60.0):
        """(status, headers, body); closes the connection on any error or timeout."""
        try:
            return await asyncio.wait_for(self._request(method, path, body, ctype, headers), timeout)
        except BaseException:
            self.close()
            raise

    async def _request(self, method, path, body, ctype, headers):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        if self.jar:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.jar.items()))
        lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for _ in range(2):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("connection closed before the reply")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh:
                    raise
                # The server closed an idle keep-alive connection: send again on a new one
                # (every request here is safe to replay: the app makes them idempotent).
                self.stats["reconnects"] += 1
                continue
            return await self._response(status_line)
        raise ConnectionResetError("connection closed twice")

    async def _response(self, status_line):
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val and "expires=thu, 01 jan 1970" not in value.lower():
                    self.jar[key.strip()] = val.strip()
                else:
                    self.jar.pop(key.strip(), None)
            else:
                headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
POSITION_RE = re.compile(r'data-position="(\d+)"')
OPTION_RE = re.compile(r'name="q(\d+)" value="(\d+)"')
ATTEMPT_RE = re.compile(r"/attempts/(\d+)")
POSITION_ON_PAGE_RE = re.compile(r'id="position">(\d+)<')


def csrf_of(html):
    match = CSRF_RE.search(html)
    if not match:
        raise HTTPError("no csrf_token in the page")
    return match.group(1)


class Driver:
    def __init__(self, cfg):
        self.cfg = cfg
        self.host, self.port = "127.0.0.1", cfg["port"]
        self.records = []  # (kind, t_sent, t_done, status); status -1: timeout / connection error
        self.stats = {"reconnects": 0, "errors": 0, "unexpected": 0, "acked": 0, "not_stored": 0,
                      "submitted": 0, "logged_in": 0, "other_acked": 0, "completed_users": 0,
                      "in_flight_at_stop": 0, "queued": 0, "admitted_after_waiting": 0, "max_position": 0}
        self.waits = []  # seconds from the first start sent to the admitted start, of those who waited
        self.first_answer_sent = {}
        self.last_answer_done = {}
        self.start_sent = []
        self.error_samples = []
        self.rng = random.Random(2026)

    async def timed(self, client, kind, method, path, **kw):
        t0 = time.perf_counter()
        try:
            status, headers, body = await client.request(method, path, timeout=self.cfg["request_timeout"], **kw)
        except asyncio.CancelledError:
            self.stats["in_flight_at_stop"] += 1  # sent, maybe done by the server, never acknowledged
            raise
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            self.records.append((kind, t0, time.perf_counter(), -1))
            self.stats["errors"] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind}: {type(exc).__name__} {exc}")
            raise HTTPError(f"{kind}: {type(exc).__name__}") from None
        self.records.append((kind, t0, time.perf_counter(), status))
        return status, headers, body

    def unexpected(self, kind, status, body):
        self.stats["unexpected"] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: HTTP {status} {body[:120]!r}")
        raise HTTPError(f"{kind}: HTTP {status}")

    async def think(self):
        if self.cfg["think"]:
            await asyncio.sleep(self.rng.uniform(0, 2 * self.cfg["think"]))

    # The quiz ----------------------------------------------------------------------

    async def login(self, client, username, sem):
        async with sem:
            try:
                status, _, body = await self.timed(client, "login", "GET", "/login")
                form = urlencode({"csrf_token": csrf_of(body.decode()), "username": username,
                                  "password": self.cfg["password"], "next": ""}).encode()
                status, headers, body = await self.timed(client, "login", "POST", "/login", body=form,
                                                         ctype="application/x-www-form-urlencoded")
                if status != 302:
                    self.unexpected("login", status, body)
                status, _, body = await self.timed(client, "login", "GET", "/me")
                if status != 200:
                    self.unexpected("login", status, body)
                client.csrf = csrf_of(body.decode())
                self.stats["logged_in"] += 1
                return True
            except HTTPError:
                return False
            finally:
                client.close()  # reopened at its start time, as a student coming back to the page

    def arrive(self):
        """One more student is in (or gave up); all in: everyone may answer."""
        self.arrived += 1
        if self.arrived >= self.expected and not self.all_in.is_set():
            self.all_in.set()
            self.cpu_all_in = (cpu_snapshot(self.cfg["server_pids"]), time.process_time())

    async def wait_all_in(self):
        if self.cfg["barrier"]:
            # with the start queue, the last of them is admitted students / rate after the first
            admission = self.cfg["students"] / self.cfg["start_rate"] if self.cfg.get("start_rate") else 0
            try:
                await asyncio.wait_for(self.all_in.wait(),
                                       self.cfg["ramp"] + admission + self.cfg["request_timeout"])
            except asyncio.TimeoutError:
                pass

    async def take_round(self, i, client, at):
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        self.start_sent.append(time.perf_counter() - self.t0)
        arrived = False
        try:
            form = urlencode({"csrf_token": client.csrf}).encode()
            status, headers, body = await self.timed(client, "start", "POST", f"/rounds/{self.cfg['round_id']}/start",
                                                     body=form, ctype="application/x-www-form-urlencoded")
            if status == 302 and headers.get("location", "").endswith("/cho"):
                status, headers, body = await self.wait_turn(client, form, urlsplit(headers["location"]).path)
            match = ATTEMPT_RE.search(headers.get("location", ""))
            if status != 302 or not match:
                self.unexpected("start", status, body)
            attempt = match.group(1)
            status, _, body = await self.timed(client, "page", "GET", f"/attempts/{attempt}")
            if status != 200:
                self.unexpected("page", status, body)
            html = body.decode()
            csrf = csrf_of(html)
            options = {}
            for position, value in OPTION_RE.findall(html):
                options.setdefault(int(position), []).append(int(value))
            positions = [int(p) for p in POSITION_RE.findall(html)]
            if len(positions) != self.cfg["questions"]:
                self.unexpected("page", status, f"{len(positions)} questions on the page".encode())
            self.arrive()
            arrived = True
            await self.wait_all_in()  # reading the first question while the others come in
            for seq, position in enumerate(positions, start=1):
                await self.think()
                choice = self.rng.choice(options[position])
                payload = json.dumps({"position": position, "response": {"choices": [choice]}, "seq": seq}).encode()
                self.first_answer_sent.setdefault(i, time.perf_counter())
                try:
                    status, _, body = await self.timed(client, "answer", "POST", f"/attempts/{attempt}/answer",
                                                       body=payload, ctype="application/json",
                                                       headers={"X-CSRFToken": csrf})
                except HTTPError:
                    continue
                if status == 200:
                    if json.loads(body).get("stored"):
                        self.stats["acked"] += 1
                    else:
                        self.stats["not_stored"] += 1
                else:
                    self.stats["unexpected"] += 1
            self.last_answer_done[i] = time.perf_counter()
            await self.think()
            form = urlencode({"csrf_token": csrf, "prediction": "5"}).encode()
            status, headers, body = await self.timed(client, "submit", "POST", f"/attempts/{attempt}/submit",
                                                     body=form, ctype="application/x-www-form-urlencoded")
            if status != 302 or "/result" not in headers.get("location", ""):
                self.unexpected("submit", status, body)
            self.stats["submitted"] += 1
            self.stats["completed_users"] += 1
        except HTTPError:
            pass
        finally:
            if not arrived:
                self.arrive()
            client.close()

    async def wait_turn(self, client, form, waiting_url):
        """Deadline day: the waiting page, then polls as static/js/waiting.js makes them until
        admitted, then start again. The reply of that start."""
        t_first = time.perf_counter()
        self.stats["queued"] += 1
        status, _, body = await self.timed(client, "poll", "GET", waiting_url)
        if status != 200:
            self.unexpected("poll", status, body)
        match = POSITION_ON_PAGE_RE.search(body.decode())
        if match:
            self.stats["max_position"] = max(self.stats["max_position"], int(match.group(1)))
        poll = float(re.search(r'data-poll="([\d.]+)"', body.decode()).group(1))
        admitted = 'data-admitted="1"' in body.decode()
        while not admitted:
            await asyncio.sleep(max(0.5, poll * self.rng.uniform(0.9, 1.1)))
            status, _, body = await self.timed(client, "poll", "GET", waiting_url,
                                               headers={"Accept": "application/json"})
            if status != 200:
                self.unexpected("poll", status, body)
            data = json.loads(body)
            admitted = data["admitted"] or data["gone"]
            poll = data.get("poll_seconds") or 1.0
        reply = await self.timed(client, "start", "POST", f"/rounds/{self.cfg['round_id']}/start",
                                 body=form, ctype="application/x-www-form-urlencoded")
        self.waits.append(time.perf_counter() - t_first)
        self.stats["admitted_after_waiting"] += 1
        return reply

    # The baseline ------------------------------------------------------------------

    async def baseline_user(self, i, client, at):
        """Comes in with one insert (as the round's start), waits for the others, then saves its answers."""
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        self.start_sent.append(time.perf_counter() - self.t0)
        try:
            await self.insert_rows(i, client, 1, "arrive")
        finally:
            self.arrive()
        await self.wait_all_in()
        await self.insert_rows(i, client, self.cfg["questions"], "answer")

    async def insert_rows(self, i, client, count, kind):
        try:
            for seq in range(1, count + 1):
                await self.think()
                payload = json.dumps({"client": i, "position": seq, "response": {"choices": [self.rng.randrange(4)]},
                                      "seq": seq}).encode()
                if kind == "answer":
                    self.first_answer_sent.setdefault(i, time.perf_counter())
                try:
                    status, _, body = await self.timed(client, kind, "POST", "/answer", body=payload,
                                                       ctype="application/json")
                except HTTPError:
                    continue
                if status == 200 and json.loads(body).get("stored"):
                    self.stats["acked" if kind == "answer" else "other_acked"] += 1
                else:
                    self.stats["unexpected"] += 1
            if kind == "answer":
                self.last_answer_done[i] = time.perf_counter()
                self.stats["completed_users"] += 1
        finally:
            client.close()

    # Running ------------------------------------------------------------------------

    def left(self):
        return self.cfg["deadline"] - time.time()

    async def run(self):
        cfg, n = self.cfg, self.cfg["students"]
        clients = [Client(self.host, self.port, self.stats) for _ in range(n)]
        try:  # logins (and warm-up) before the timing; whoever is not in by the deadline stays out
            if cfg["mode"] == "quiz":
                sem = asyncio.Semaphore(32)
                await asyncio.wait_for(asyncio.gather(*(self.login(c, u, sem)
                                                        for c, u in zip(clients, cfg["usernames"]))),
                                       max(1.0, self.left() - 5))
            else:
                self.t0 = time.perf_counter()
                warm = [Client(self.host, self.port, self.stats) for _ in range(16)]
                await asyncio.wait_for(asyncio.gather(*(self.insert_rows(-1 - k, c, 10, "warmup")
                                                        for k, c in enumerate(warm))), max(1.0, self.left() - 5))
        except asyncio.TimeoutError:
            self.error_samples.append("logins/warm-up not finished by the deadline")
        self.records = [r for r in self.records if r[0] in KINDS]  # time only the round itself
        self.start_sent = []
        cpu0, proc0 = cpu_snapshot(cfg["server_pids"]), time.process_time()
        self.t0 = time.perf_counter()
        ramp = cfg["ramp"]
        self.all_in, self.arrived, self.cpu_all_in = asyncio.Event(), 0, None
        if cfg["mode"] == "quiz":
            tasks = [asyncio.ensure_future(self.take_round(i, c, self.t0 + ramp * i / n))
                     for i, c in enumerate(clients) if c.csrf]
        else:
            tasks = [asyncio.ensure_future(self.baseline_user(i, c, self.t0 + ramp * i / n))
                     for i, c in enumerate(clients)]
        self.expected = len(tasks)
        done, pending = await asyncio.wait(tasks, timeout=max(1.0, self.left()))
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
        elapsed = time.perf_counter() - self.t0
        cpu1, proc1 = cpu_snapshot(cfg["server_pids"]), time.process_time()
        cpu = {"whole": cpu_share(cpu0, cpu1, proc1 - proc0)}
        if self.cpu_all_in:  # before and after every student is in: starts, then answers and submits
            cpu["starting"] = cpu_share(cpu0, self.cpu_all_in[0], self.cpu_all_in[1] - proc0)
            cpu["answering"] = cpu_share(self.cpu_all_in[0], cpu1, proc1 - self.cpu_all_in[1])
        return self.report(len(tasks), len(pending), elapsed, cpu)

    def report(self, users, unfinished, elapsed, cpu):
        recs = self.records
        out = {"mode": self.cfg["mode"], "users": users, "unfinished_users": users - self.stats["completed_users"],
               "timed_out": unfinished > 0, **self.stats}
        statuses = {}
        for _, _, _, status in recs:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        out["statuses"] = statuses
        out["http_5xx"] = sum(v for k, v in statuses.items() if k.startswith("5"))
        out["requests"] = len(recs)
        if recs:
            span = max(r[2] for r in recs) - min(r[1] for r in recs)
            out["span_s"] = round(span, 2)
            out["rps"] = round(len(recs) / span, 1) if span else None
        for kind in KINDS:
            times = sorted((r[2] - r[1]) * 1000 for r in recs if r[0] == kind and r[3] > 0)
            if times:
                out[kind] = {"n": len(times), "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                             "p99_ms": pct(times, 99), "max_ms": round(times[-1], 1)}
        out["starts_sent_within_s"] = round(max(self.start_sent), 2) if self.start_sent else None
        # When the last student was in: attempt page loaded (quiz), first insert sent (baseline).
        if self.cfg["mode"] == "quiz":
            ends = [r[2] for r in recs if r[0] == "page" and r[3] == 200]
        else:
            ends = list(self.first_answer_sent.values())
        out["all_started_by_s"] = round(max(ends) - self.t0, 2) if ends else None
        # Answer throughput over the window where every student is saving answers.
        answers = [r for r in recs if r[0] == "answer" and r[3] == 200]
        users_done = list(self.last_answer_done)
        if answers:
            span = max(r[2] for r in answers) - min(r[1] for r in answers)
            out["answer_rps_span"] = round(len(answers) / span, 1) if span > 0 else None
            w0 = max(self.first_answer_sent.values())
            # to the first student done with their answers (or to the stop, if none got that far)
            w1 = min(self.last_answer_done[i] for i in users_done) if users_done else max(r[2] for r in answers)
            inside = sum(1 for r in answers if w0 <= r[2] <= w1)
            if w1 - w0 >= 2.0 and inside >= 100:
                out["answer_window"] = [round(w0 - self.t0, 2), round(w1 - self.t0, 2)]
                out["answer_rps"] = round(inside / (w1 - w0), 1)
            else:  # the window is too short to measure: the whole answer span instead
                out["answer_window"] = None
                out["answer_rps"] = out.get("answer_rps_span")
        # Completions per kind in 5-second steps: where the time went.
        step = 5.0
        timeline = {}
        for kind, _, t1, status in recs:
            if status > 0 and kind in KINDS:
                row = timeline.setdefault(int((t1 - self.t0) // step), dict.fromkeys(KINDS, 0))
                row[kind] += 1
        out["timeline"] = [[int(b * step)] + [timeline[b][k] for k in KINDS] for b in sorted(timeline)]
        out["elapsed_s"] = round(elapsed, 2)
        if self.waits:
            waits = sorted(self.waits)
            out["queue_wait_s"] = {"n": len(waits), "p50": round(pct(waits, 50), 2), "p95": round(pct(waits, 95), 2),
                                   "max": round(waits[-1], 2)}
        out["cpu"] = cpu
        out["error_samples"] = self.error_samples
        return out


def pct(sorted_ms, p):
    """Nearest-rank percentile of a sorted list."""
    k = max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))
    return round(sorted_ms[k], 1)


def cpu_snapshot(server_pids):
    """CPU ticks so far: the machine (busy), the gunicorn trees, nginx, the PostgreSQL processes."""
    server_pids = set(server_pids)
    snap = {"busy": 0, "total": 0, "gunicorn": 0, "postgres": 0, "nginx": 0}
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        snap["total"] = sum(fields[:8])
        snap["busy"] = snap["total"] - fields[3] - fields[4]
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    data = f.read()
            except OSError:
                continue
            comm = data[data.index("(") + 1:data.rindex(")")]
            rest = data[data.rindex(")") + 2:].split()
            # with the children it has reaped (cutime, cstime): a PostgreSQL backend or a gunicorn
            # worker that exits between two snapshots still counts, under its parent
            ppid, ticks = int(rest[1]), sum(int(rest[k]) for k in (11, 12, 13, 14))
            if int(pid) in server_pids or ppid in server_pids:
                snap["gunicorn"] += ticks
            elif comm == "postgres" or comm.startswith("postgres:"):
                snap["postgres"] += ticks
            elif comm == "nginx":
                snap["nginx"] += ticks
    except (OSError, ValueError, IndexError):
        pass
    return snap


def cpu_share(a, b, driver_seconds):
    """Percent of one core used during the phase by each part, and the machine's busy %."""
    hz = os.sysconf("SC_CLK_TCK")
    cores = os.cpu_count() or 1
    wall = (b["total"] - a["total"]) / hz / cores
    if wall <= 0:
        return None
    out = {"cores": cores, "machine_busy_pct": round(100 * (b["busy"] - a["busy"]) / (b["total"] - a["total"]), 1),
           "gunicorn_pct_of_core": round(100 * (b["gunicorn"] - a["gunicorn"]) / hz / wall, 1),
           "postgres_pct_of_core": round(100 * (b["postgres"] - a["postgres"]) / hz / wall, 1),
           "nginx_pct_of_core": round(100 * (b["nginx"] - a["nginx"]) / hz / wall, 1),
           "driver_pct_of_core": round(100 * driver_seconds / wall, 1)}
    # Whatever else ran on the machine meanwhile (it takes cores from the server).
    out["other_pct_of_core"] = round(max(0.0, out["machine_busy_pct"] * cores - out["gunicorn_pct_of_core"]
                                         - out["postgres_pct_of_core"] - out["nginx_pct_of_core"]
                                         - out["driver_pct_of_core"]), 1)
    return out


def drive(config_path):
    with open(config_path) as f:
        cfg = json.load(f)
    result = asyncio.run(Driver(cfg).run())
    print(json.dumps(result))


# ---------------------------------------------------------------------------------
# The orchestrator: database, seed, gunicorn, the driver, the counts, the report.
# ---------------------------------------------------------------------------------

def _die_with_parent():
    """In the child: get SIGTERM if the benchmark dies, so no gunicorn outlives it."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn in its own process group; stop() ends that group (TERM, then KILL)."""

    def __init__(self, target, args, env, extra=()):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)
        # the gunicorn beside this Python (the project's .venv, shared by its worktrees)
        self.argv = [str(Path(sys.executable).with_name("gunicorn")), "--chdir", str(ROOT), *extra,
                     "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads),
                     "--bind", f"127.0.0.1:{self.port}", "--keep-alive", "30", "--timeout", "60",
                     "--graceful-timeout", "10", "--log-level", "warning", target]
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
        self.workers = args.workers

    def wait_ready(self, timeout=30):
        import http.client
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login")
                conn.getresponse().read()
                conn.close()
                if len(self.children()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.log_tail()}")

    def children(self):
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                return f.read().split()
        except OSError:
            return ["?"] * self.workers

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(12)  # gunicorn's graceful timeout is 10 s
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        else:  # the master is gone: make sure no worker of its group is left
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def log_tail(self, lines=15):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def problems(self):
        """Tracebacks and errors gunicorn logged (worker timeouts, unhandled exceptions)."""
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            text = f.read()
        return {"tracebacks": text.count("Traceback"), "worker_timeouts": text.count("WORKER TIMEOUT"),
                "error_lines": sum(1 for line in text.splitlines() if "[ERROR]" in line or "[CRITICAL]" in line)}


class Front:
    """What the driver talks to: one gunicorn, or --hosts of them (each its own UPLOAD_DIR,
    INSTANCE_NAME webN) behind nginx round-robin with PROXY_COUNT=1."""

    def __init__(self, target, args, env, extra=()):
        self.scratch, self.gunicorns, self.nginx = [], [], None
        try:
            self._start(target, args, env, extra)
        except BaseException:
            self.close()
            raise

    def _start(self, target, args, env, extra):
        for number in range(1, args.hosts + 1):
            host_env = env
            if args.hosts > 1:
                self.scratch.append(tempfile.mkdtemp(prefix="bench-quiz-host-"))
                host_env = dict(env, INSTANCE_NAME=f"web{number}", UPLOAD_DIR=self.scratch[-1], PROXY_COUNT="1")
            self.gunicorns.append(Gunicorn(target, args, host_env, extra))
        self.pids = [gunicorn.proc.pid for gunicorn in self.gunicorns]
        for gunicorn in self.gunicorns:
            gunicorn.wait_ready()
        self.port = self.gunicorns[0].port
        if args.hosts > 1:
            self.port = free_port()
            self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-nginx-", suffix=".log", delete=False)
            self.nginx = cluster.nginx("nginx", self.port, [f"127.0.0.1:{g.port}" for g in self.gunicorns],
                                       log=self.log.name)
            cluster.wait_http(f"http://127.0.0.1:{self.port}/", self.nginx)

    def stop(self):
        if self.nginx is not None:
            self.nginx.stop()
        for gunicorn in self.gunicorns:
            gunicorn.stop()

    def problems(self):
        """Tracebacks and errors the gunicorns logged, summed; nginx's error lines."""
        totals = {}
        for gunicorn in self.gunicorns:
            for key, count in gunicorn.problems().items():
                totals[key] = totals.get(key, 0) + count
        if self.nginx is not None:
            with open(self.log.name, errors="replace") as f:
                totals["nginx_error_lines"] = sum(1 for line in f if "[error]" in line or "[crit]" in line)
        return totals

    def close(self):
        self.stop()
        for gunicorn in self.gunicorns:
            os.unlink(gunicorn.log.name)
        if self.nginx is not None:
            os.unlink(self.log.name)
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)


def run_driver(cfg, hard_timeout):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    try:
        proc = subprocess.run([sys.executable, __file__, "--drive", f.name], capture_output=True, text=True,
                              timeout=hard_timeout, preexec_fn=_die_with_parent)
    finally:
        os.unlink(f.name)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"driver failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def bench_url(admin_url):
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{DB_NAME}"


def admin_exec(admin_url, *statements):
    import psycopg
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


@contextlib.contextmanager
def run_lock(admin_url):
    """A PostgreSQL advisory lock held for the whole run, so that a second run does not
    drop the database under the first one."""
    import psycopg
    conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=10)
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,)).fetchone()[0]:
            print(f"another bench/quiz_load.py run is using the database {DB_NAME}; try again when it is done",
                  file=sys.stderr)
            raise SystemExit(3)
        yield
    finally:
        conn.close()


def db_scalar(url, sql):
    import psycopg
    with psycopg.connect(url, connect_timeout=10) as conn:
        return conn.execute(sql).fetchone()[0]


def seed(url, args, upload_dir):
    """The school, its students with accounts, the bank, the contest and the round."""
    from datetime import date, timedelta

    from flask_migrate import upgrade
    from sqlalchemy import select, update
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.accounts.models import User
    from app.accounts.services import ensure_student_accounts
    from app.config import database_url
    from app.core.timeutil import local_today, school_year_of, utcnow
    from app.extensions import db
    from app.org.models import Student
    from app.org.services import create_class, create_unit
    from app.quiz.contests.services import add_round, create_contest
    from app.quiz.banks.formats import answer, new_question
    from app.quiz.banks.services import create_bank, import_questions

    families = ["Nguyễn Văn", "Trần Thị", "Lê Minh", "Phạm Ngọc", "Huỳnh Gia", "Võ Thanh", "Đặng Quốc", "Bùi Thu"]
    givens = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khang", "Linh", "My", "Nam", "Oanh", "Phúc",
              "Quân", "Sơn", "Tâm", "Uyên", "Vy", "Xuân", "Yến", "Đạt"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "UPLOAD_DIR": upload_dir})
    with app.app_context():
        upgrade()
        year = school_year_of(local_today())
        so = create_unit(None, kind="department", name="Sở Giáo dục và Đào tạo (bench)", code="SOBENCH")
        school = create_unit(None, kind="school", name="Trường THPT Bench", code="BENCH", level="THPT", parent=so)
        classes = [create_class(None, school, name=f"{10 + k % 3}A{k + 1}", grade=10 + k % 3, school_year=year)
                   for k in range((args.students + 39) // 40)]
        students = []
        for i in range(args.students):
            student = Student(school_id=school.id, class_id=classes[i // 40].id, code=f"BQ{i:06d}",
                              birth_date=date(2009, 1, 1) + timedelta(days=i % 365))
            student.set_name(f"{families[i % len(families)]} {givens[(i // len(families)) % len(givens)]}")
            db.session.add(student)
            students.append(student)
        db.session.flush()
        ensure_student_accounts(None, students, school)
        # One cheap hash for all: login is not what is measured, and scrypt would dominate it.
        cheap = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        db.session.execute(update(User).where(User.role == "student")
                           .values(password_hash=cheap, must_change_password=False))
        bank = create_bank(None, so, code="BENCH", name="Ngân hàng bench")
        questions = []
        for k in range(1, args.bank_size + 1):
            questions.append(new_question(
                "multichoice", f"Câu hỏi số {k}: dịch vụ công trực tuyến mức độ nào cho phép nộp hồ sơ qua mạng?",
                key=f"BQ{k:03d}", topic="T", level="all", difficulty="easy",
                answers=[answer(f"Phương án đúng của câu {k}", 1.0), answer(f"Phương án B của câu {k}", 0.0),
                         answer(f"Phương án C của câu {k}", 0.0), answer(f"Phương án D của câu {k}", 0.0)],
                general_feedback="Giải thích ngắn.", source="Bench"))
        import_questions(None, bank, questions)
        contest = create_contest(None, so, bank, code="BENCH", name="Cuộc thi bench", school_year=year)
        now = utcnow()
        round_ = add_round(None, contest, name="R1", opens_at=now - timedelta(hours=1),
                           closes_at=now + timedelta(days=1), time_limit_minutes=30, question_count=args.questions,
                           ask_prediction=True, review_policy="after_submit")
        db.session.commit()
        usernames = db.session.execute(select(User.username).join(Student, User.student_id == Student.id)
                                       .order_by(Student.id)).scalars().all()
        round_id = round_.id
        db.engine.dispose()
    return round_id, usernames


def fmt_kind(name, k):
    if not k:
        return f"  {name:<7} -"
    return (f"  {name:<7} n={k['n']:<6} p50 {k['p50_ms']:>7.1f} ms   p95 {k['p95_ms']:>7.1f} ms   "
            f"p99 {k['p99_ms']:>7.1f} ms   max {k['max_ms']:>7.1f} ms")


def fmt_cpu(cpu, label="the timed phase"):
    if not cpu:
        return f"  CPU during {label}: -"
    return (f"  CPU during {label} ({cpu['cores']} cores, machine {cpu['machine_busy_pct']}% busy): "
            f"gunicorn {cpu['gunicorn_pct_of_core']}% of a core, PostgreSQL {cpu['postgres_pct_of_core']}%, "
            + (f"nginx {cpu['nginx_pct_of_core']}%, " if cpu.get("nginx_pct_of_core") else "")
            + f"driver {cpu['driver_pct_of_core']}%, other processes {cpu['other_pct_of_core']}%"
            + ("  <- WARNING: the machine was not idle, figures are low" if cpu["other_pct_of_core"] > 25 else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=None, help="600; 2000 with --queue")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--bank-size", type=int, default=40)
    parser.add_argument("--hosts", type=int, default=1,
                        help="gunicorn instances behind nginx (deploy/cluster.py), app and baseline alike")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gthread), app and baseline alike")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--ramp", type=float, default=10.0, help="all students start within this many seconds")
    parser.add_argument("--no-barrier", dest="barrier", action="store_false",
                        help="answer as soon as one's own page is loaded, not once every student is in")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause before each answer and the submit, s")
    parser.add_argument("--budget", type=float, default=None,
                        help="the whole run ends within this many seconds (170; 480 with --queue)")
    parser.add_argument("--queue", action="store_true",
                        help="deadline day: the app admits --start-rate starts a second, the others wait and poll")
    parser.add_argument("--start-rate", type=float, default=40.0,
                        help="START_RATE of the app with --queue (40, as in production)")
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--keep-db", action="store_true", help=f"leave the database {DB_NAME} for inspection")
    parser.add_argument("--pg-url",
                        default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a database of the server to CREATE/DROP bench_quiz from")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(args.drive)
    args.bank_size = max(args.bank_size, args.questions)
    if args.students is None:
        args.students = 2000 if args.queue else 600
    if args.budget is None:
        args.budget = 480.0 if args.queue else 170.0

    begin = time.time()
    deadline = begin + args.budget

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    url = bench_url(args.pg_url)
    servers = []
    upload_dir = tempfile.mkdtemp(prefix="bench-quiz-uploads-")
    if args.hosts > 1 and cluster.nginx_binary() is None:
        sys.exit("--hosts needs nginx: install Debian's (`make nginx`)")
    # production's settings (their checks included); jobs are not used, Redis need not answer
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=os.urandom(16).hex(), APP_ENV="production",
               REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
               STORAGE_URL=Path(upload_dir).as_uri(), SESSION_COOKIE_SECURE="0", UPLOAD_DIR=upload_dir,
               PYTHONDONTWRITEBYTECODE="1",
               # the start queue: off (as before it existed), or --start-rate, in Redis under a key
               # prefix of this run's own
               START_RATE=str(args.start_rate if args.queue else 0),
               START_QUEUE_PREFIX=f"bench-startq-{os.getpid()}-{int(time.time())}:")
    env.pop("PROXY_COUNT", None)
    with run_lock(args.pg_url):  # one run at a time: they share the database
        admin_exec(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', f'CREATE DATABASE "{DB_NAME}"')
        try:
            t = time.time()
            round_id, usernames = seed(url, args, upload_dir)
            sys.path.insert(0, str(ROOT / "bench"))
            import baseline_app
            baseline_app.create_table(url)
            seed_s = time.time() - t
            pg = {k: db_scalar(url, f"SHOW {k}")
                  for k in ("server_version", "synchronous_commit", "fsync", "max_connections")}
            print(f"built {DB_NAME}: {len(usernames)} students, {args.bank_size} questions, round {round_id} "
                  f"in {seed_s:.1f} s", file=sys.stderr)

            common = {"students": args.students, "questions": args.questions, "ramp": args.ramp,
                      "start_rate": args.start_rate if args.queue else 0,
                      "think": args.think, "request_timeout": args.request_timeout, "barrier": args.barrier}
            # The baseline: a share of the budget, so the round has most of it.
            server = Front("baseline_app:create_app()", args, env, extra=("--pythonpath", str(ROOT / "bench")))
            servers.append(server)
            base_deadline = min(time.time() + max(30.0, 0.3 * (deadline - time.time())), deadline - 60)
            base = run_driver(dict(common, mode="baseline", port=server.port, server_pids=server.pids,
                                   deadline=base_deadline), hard_timeout=base_deadline - time.time() + 20)
            server.stop()
            base["server_log"] = server.problems()
            base["rows_in_db"] = db_scalar(url, "SELECT count(*) FROM bench_baseline_row")
            base["acked_total"] = base["acked"] + base["other_acked"]
            print("baseline done", file=sys.stderr)

            server = Front("wsgi:app", args, env)
            servers.append(server)
            quiz_deadline = deadline - 15  # room to stop gunicorn, count and drop the database
            quiz = run_driver(dict(common, mode="quiz", port=server.port, server_pids=server.pids,
                                   deadline=quiz_deadline, round_id=round_id, usernames=usernames,
                                   password=PASSWORD), hard_timeout=quiz_deadline - time.time() + 8)
            server.stop()  # lets requests still in flight finish before counting
            quiz["server_log"] = server.problems()
            quiz["answers_in_db"] = db_scalar(
                url, "SELECT count(*) FROM attempt_question WHERE response IS NOT NULL")
            quiz["attempts_in_db"] = db_scalar(url, "SELECT count(*) FROM attempt")
            quiz["submitted_in_db"] = db_scalar(url, "SELECT count(*) FROM attempt WHERE submitted_at IS NOT NULL")
            # How many starts wrote the round's pool (the first ones, before one of them committed).
            quiz["round_row_updates"] = db_scalar(
                url, "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'round'")
            quiz["deadlocks"] = db_scalar(
                url, f"SELECT deadlocks FROM pg_stat_database WHERE datname = '{DB_NAME}'")
        finally:
            for server in servers:
                server.close()
            shutil.rmtree(upload_dir, ignore_errors=True)
            if not args.keep_db:
                try:
                    admin_exec(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                except Exception as exc:  # noqa: BLE001 - the report matters more than the cleanup
                    print(f"could not drop {DB_NAME}: {exc}", file=sys.stderr)

    submit_ratio = None
    if quiz.get("submit") and quiz.get("answer"):
        submit_ratio = round(quiz["submit"]["p95_ms"] / quiz["answer"]["p95_ms"], 2)
    ratio = None
    if quiz.get("answer_rps") and base.get("answer_rps"):
        ratio = round(quiz["answer_rps"] / base["answer_rps"], 3)
    equal = quiz["answers_in_db"] == quiz["acked"]
    # Cut short by the deadline, requests in flight may have been stored without their reply.
    ok = (quiz["acked"] <= quiz["answers_in_db"] <= quiz["acked"] + quiz["in_flight_at_stop"]
          and base["acked_total"] <= base["rows_in_db"] <= base["acked_total"] + base["in_flight_at_stop"])
    gun = f"gunicorn -w {args.workers} -k gthread --threads {args.threads}"
    if args.hosts > 1:
        gun = f"{args.hosts} x {gun} behind nginx"
    print(f"Quiz load: {args.students} students, {args.questions}-question round, {gun}, "
          f"PostgreSQL {pg['server_version']} (synchronous_commit={pg['synchronous_commit']}), "
          f"ramp {args.ramp:g} s, think {args.think:g} s{'' if args.barrier else ', no barrier'}"
          + (f", start queue at {args.start_rate:g} starts/s (Redis)" if args.queue else ", no start queue"))
    window = base.get("answer_window")
    print(f"[baseline] bare insert, {base['users']} clients: {base.get('answer_rps')} inserts/s "
          f"({'window ' + str(window[0]) + '-' + str(window[1]) + ' s' if window else 'whole span'}), "
          f"{base.get('answer_rps_span')}/s over the whole span; 5xx {base['http_5xx']}, errors {base['errors']}; "
          f"rows in DB {base['rows_in_db']} / acknowledged {base['acked_total']}")
    print(fmt_kind("insert", base.get("answer")))
    print(fmt_cpu(base["cpu"].get("answering"), "the inserts"))
    print(f"[quiz] {quiz['users']} students logged in; {quiz['requests']} timed requests in {quiz['span_s']} s "
          f"= {quiz['rps']} req/s; starts sent within {quiz['starts_sent_within_s']} s, "
          f"all pages loaded by {quiz['all_started_by_s']} s")
    for kind in KINDS:
        print(fmt_kind(kind, quiz.get(kind)))
    print(f"  5xx: {quiz['http_5xx']}   timeouts/connection errors: {quiz['errors']}   other unexpected: "
          f"{quiz['unexpected']}   keep-alive reconnects: {quiz['reconnects']}   statuses {quiz['statuses']}")
    if args.queue:
        waits = quiz.get("queue_wait_s") or {}
        print(f"  start queue: {quiz['queued']} of {quiz['users']} starts waited (longest place {quiz['max_position']}), "
              f"{quiz['admitted_after_waiting']} admitted after waiting; wait p50 {waits.get('p50')} s, "
              f"p95 {waits.get('p95')} s, max {waits.get('max')} s; {quiz.get('poll', {}).get('n', 0)} waiting-page "
              f"requests; attempts started {quiz['attempts_in_db']} of {quiz['users']}; errors (5xx, timeouts, "
              f"unexpected) {quiz['http_5xx'] + quiz['errors'] + quiz['unexpected']}")
    verdict = "equal" if equal else "MISMATCH"
    if not equal and ok:
        verdict = f"not equal, but within the {quiz['in_flight_at_stop']} requests in flight when the run was cut short"
    print(f"  answers in DB {quiz['answers_in_db']} / acknowledged {quiz['acked']}: {verdict}; "
          f"submitted {quiz['submitted_in_db']} of {quiz['attempts_in_db']} "
          f"attempts ({quiz['submitted']} acknowledged); users unfinished at the deadline: {quiz['unfinished_users']}")
    print(f"  round row updated {quiz['round_row_updates']} times (the pool frozen at the first starts), "
          f"deadlocks {quiz['deadlocks']}")
    window = quiz.get("answer_window")
    print(f"  answer saves: {quiz.get('answer_rps')}/s "
          f"({'window ' + str(window[0]) + '-' + str(window[1]) + ' s' if window else 'whole span'}), "
          f"{quiz.get('answer_rps_span')}/s over the whole answer span; "
          f"ratio to the baseline's {base.get('answer_rps')}/s: x{ratio}")
    if submit_ratio is not None:
        print(f"  submit p95 / answer p95: x{submit_ratio}")
    print(fmt_cpu(quiz["cpu"].get("starting"), "the starts"))
    print(fmt_cpu(quiz["cpu"].get("answering"), "answers and submits"))
    print("  completed per 5 s (from the first start): " + "  ".join(
        f"{t}s:" + "/".join(str(n) for n in counts) for t, *counts in quiz["timeline"])
        + "   (start/page/answer/submit/poll)")
    for label, part in (("baseline", base), ("quiz", quiz)):
        if any(part["server_log"].values()) or part["error_samples"]:
            print(f"  {label} problems: {part['server_log']} {part['error_samples']}")
    result = {
        "students": args.students, "questions": args.questions, "gunicorn": gun, "ramp_s": args.ramp,
        "think_s": args.think, "barrier": args.barrier, "postgres": pg,
        "rps": quiz["rps"], "requests": quiz["requests"], "span_s": quiz["span_s"],
        **{f"{kind}_{p}_ms": quiz[kind][f"{p}_ms"] for kind in KINDS if kind in quiz for p in ("p50", "p95", "p99")},
        "http_5xx": quiz["http_5xx"], "errors": quiz["errors"], "unexpected": quiz["unexpected"],
        "answers_in_db": quiz["answers_in_db"], "answers_acked": quiz["acked"], "answers_equal": equal,
        "cut_short": bool(quiz["in_flight_at_stop"] or quiz["unfinished_users"]),
        "attempts_in_db": quiz["attempts_in_db"], "submitted_in_db": quiz["submitted_in_db"],
        "submits_acked": quiz["submitted"], "unfinished_users": quiz["unfinished_users"],
        "starts_sent_within_s": quiz["starts_sent_within_s"], "all_started_by_s": quiz["all_started_by_s"],
        "answer_rps": quiz.get("answer_rps"), "answer_rps_span": quiz.get("answer_rps_span"),
        "baseline_rps": base.get("answer_rps"), "baseline_rps_span": base.get("answer_rps_span"),
        **{f"baseline_{p}_ms": base.get("answer", {}).get(f"{p}_ms") for p in ("p50", "p95", "p99")},
        "baseline_5xx": base["http_5xx"], "baseline_rows_in_db": base["rows_in_db"],
        "baseline_acked": base["acked_total"],
        "answer_to_baseline_ratio": ratio, "submit_to_answer_p95": submit_ratio, "hosts": args.hosts,
        "queue": args.queue, "start_rate": args.start_rate if args.queue else 0,
        "queued": quiz["queued"], "admitted_after_waiting": quiz["admitted_after_waiting"],
        "max_position": quiz["max_position"], "queue_wait_s": quiz.get("queue_wait_s"),
        "round_row_updates": quiz["round_row_updates"],
        "deadlocks": quiz["deadlocks"], "cpu": quiz["cpu"], "baseline_cpu": base["cpu"].get("answering"),
        "total_s": round(time.time() - begin, 1),
    }
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
