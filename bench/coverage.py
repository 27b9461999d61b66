"""How fast the coverage dashboard and the participation report answer for a province.

Builds a generated province on SQLite and, when reachable, on the local PostgreSQL:
1 Sở, 10 clusters, 500 schools (THPT and THCS), classes of 40, 400,000 students,
a contest of 4 rounds and 2,000,000 finished attempts (about 70 % of the students
take part, 1-3 attempts a round); `participation` is then built from the attempts
with the app's own rebuild. Times, median of --repeat runs:

  baseline   the single hand-written GROUP BY counting participating students per
             school from the attempts, measured in the same run;
  dashboard  everything the province dashboard page computes (rows of the Sở's
             children with enrolment, participants, attempts, passes, prizes,
             mean, median, stage split; the weekly chart), through app.coverage;
  xlsx       the province report as XLSX with a sheet of students per school.

Prints each figure and its ratio to the baseline, the peak Python memory of the
XLSX export for a quarter of the schools and for all of them (it should stay flat:
rows are streamed), then one line of JSON.
Usage: .venv/bin/python bench/coverage.py [--students 400000] [--schools 500] [--no-pg]
"""
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import province_arguments, run_on_databases  # noqa: E402  (bench/, beside this script)
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

YEAR = 2026
BASELINE_SQL = """
SELECT a.school_id, count(DISTINCT a.student_id) FROM attempt a JOIN round r ON r.id = a.round_id
WHERE r.contest_id = :contest AND a.submitted_at IS NOT NULL GROUP BY a.school_id"""

# The generated province is made in SQL (a few statements, no rows through Python):
# student i goes to school i // per, to that school's class (i % per) % classes; a
# student takes part if their hash says so (70 %), with 1-3 attempts a round.
STUDENTS_SQL = """
INSERT INTO student (school_id, class_id, code, full_name, sort_key, search_name, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1),
classes AS (SELECT id, school_id, row_number() OVER (PARTITION BY school_id ORDER BY id) - 1 AS k,
                   count(*) OVER (PARTITION BY school_id) AS c FROM school_class),
schools AS (SELECT school_id, row_number() OVER (ORDER BY school_id) - 1 AS j FROM school_class GROUP BY school_id)
SELECT s.school_id, c.id, 'HS' || n.i, 'Nguyễn Văn ' || n.i, CAST(100000000 + n.i AS VARCHAR(20)), 'nguyen van',
       :now, :now
FROM n JOIN schools s ON s.j = n.i / :per JOIN classes c ON c.school_id = s.school_id AND c.k = (n.i % :per) % c.c"""
ATTEMPTS_SQL = """
INSERT INTO attempt (round_id, student_id, school_id, number, started_at, deadline_at, submitted_at, finished_by,
                     score, max_score, duration_seconds, answered_count, extra_seconds)
SELECT :round, s.id, s.school_id, t.n, {start}, {deadline}, {submitted}, 'student', {score} % 21, 20.0, 720, 20, 0
FROM student s JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) t ON t.n <= 1 + {count} % 3
WHERE {taking_part} % 10 < 7"""


def _hash(expr):
    """A well-mixed 16-bit number from an integer expression, the same in SQLite and PostgreSQL."""
    return f"((CAST({expr} AS BIGINT) * 2654435761) % 4294967296 / 65536)"


def _minutes_after(dialect, at, minutes):
    if dialect == "sqlite":
        return f"datetime({at}, '+' || ({minutes}) || ' minutes')"
    return f"(CAST({at} AS TIMESTAMP) + ({minutes}) * INTERVAL '1 minute')"


def build(uri, n_schools, n_students):
    from flask_migrate import upgrade

    from app.coverage import participation
    from app.org.models import SchoolClass, Unit
    from app.org.services import create_unit
    from app.quiz.contests.services import add_round, create_contest
    from app.quiz.banks.services import create_bank

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": tempfile.mkdtemp()})
    timings = {}
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        so = create_unit(None, kind="department", name="Sở Giáo dục và Đào tạo tỉnh Thử Nghiệm", code="SO")
        clusters = [create_unit(None, kind="cluster", name=f"Cụm {i + 1}", code=f"C{i}", parent=so)
                    for i in range(10)]
        schools = [create_unit(None, kind="school", name=f"Trường {'THPT' if i % 5 < 2 else 'THCS'} số {i + 1}",
                               code=f"T{i}", level="THPT" if i % 5 < 2 else "THCS", parent=clusters[i % 10])
                   for i in range(n_schools)]
        bank = create_bank(None, so, code="NH", name="Ngân hàng")
        contest = create_contest(None, so, bank, code="DVC", name="Tìm hiểu dịch vụ công trực tuyến",
                                 school_year=YEAR, levels=("THCS", "THPT"))
        opens = datetime(2026, 9, 15)
        rounds = [add_round(None, contest, name=f"Tuần {k + 1}", opens_at=opens + timedelta(weeks=2 * k),
                            closes_at=opens + timedelta(weeks=2 * k + 2), question_count=20, attempts_allowed=3)
                  for k in range(4)]
        db.session.commit()
        contest_id, so_id = contest.id, so.id
        round_ids = [(r.id, r.opens_at) for r in rounds]
        per_school = max(1, n_students // n_schools)
        class_rows = []
        for school in schools:
            grades = (10, 11, 12) if school.level == "THPT" else (6, 7, 8, 9)
            for k in range(max(1, per_school // 40)):
                grade = grades[k % len(grades)]
                class_rows.append({"school_id": school.id, "school_year": YEAR, "grade": grade,
                                   "name": f"{grade}A{k + 1}", "sort_key": f"{grade:02d}{k:04d}"})
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            conn.execute(insert(SchoolClass), class_rows)
            conn.execute(text(STUDENTS_SQL), {"count": per_school * len(schools), "per": per_school,
                                              "now": datetime(2026, 9, 5)})
        timings["students_s"] = round(time.perf_counter() - t0, 1)
        t1 = time.perf_counter()
        with db.engine.begin() as conn:
            if dialect == "postgresql":  # the rows are generated consistent: skip the per-row foreign-key triggers
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for k, (round_id, opened) in enumerate(round_ids):
                start = _minutes_after(dialect, ":opens", f"{_hash(f's.id * 8 + {k}')} % 20000 + t.n * 30")
                conn.execute(text(ATTEMPTS_SQL.format(
                    start=start, deadline=_minutes_after(dialect, start, "20"),
                    submitted=_minutes_after(dialect, start, "12"), taking_part=_hash("s.id"),
                    count=_hash(f"s.id * 4 + {k}"), score=_hash(f"s.id * 16 + t.n * 4 + {k}"))),
                    {"round": round_id, "opens": opened.strftime("%Y-%m-%d %H:%M:%S")})
            ids = conn.execute(text("SELECT count(*) FROM student")).scalar()
            attempts = conn.execute(text("SELECT count(*) FROM attempt")).scalar()
        timings["attempts_s"] = round(time.perf_counter() - t1, 1)
        t2 = time.perf_counter()
        participation.rebuild()
        db.session.commit()
        timings["participation_rebuild_s"] = round(time.perf_counter() - t2, 1)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        timings["students"], timings["attempts"] = ids, attempts
        timings["schools"] = len(schools)
        school_ids = [s.id for s in schools]
        db.session.remove()
        return app, so_id, contest_id, school_ids, timings, Unit


def median_time(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(name, uri, args):
    from app.coverage import reports, rollup
    from app.quiz.models import Contest

    t0 = time.perf_counter()
    app, so_id, contest_id, school_ids, built, Unit = build(uri, args.schools, args.students)
    out = {"database": name, **built, "build_s": round(time.perf_counter() - t0, 1)}
    with app.app_context():
        so = db.session.get(Unit, so_id)
        contest = db.session.get(Contest, contest_id)
        selection = rollup.Selection(YEAR, contest)
        everything = select(Unit.id)

        def baseline():
            with db.engine.connect() as conn:
                return conn.execute(text(BASELINE_SQL), {"contest": contest_id}).all()

        def dashboard():
            stage_targets = rollup.targets(so_id, YEAR)
            rows, total = rollup.unit_rows(so, selection, everything, stage_targets)
            schools = select(Unit.id).where(Unit.kind == "school")
            return rows, total, rollup.weekly(selection, schools)

        def xlsx(schools):
            rows, total, _ = dashboard()
            data = reports.xlsx_report(so, selection, rows, total, datetime(2026, 11, 23), detail_schools=schools)
            size = len(data.read())
            data.close()
            return size

        base, base_rows = median_time(baseline, args.repeat)
        dash, (rows, total, weeks) = median_time(dashboard, args.repeat)
        assert total.participants == sum(count for _, count in base_rows), "dashboard and baseline disagree"
        xlsx_time, size = median_time(lambda: xlsx(everything), 1)  # seconds each: once
        out.update(baseline_ms=round(base * 1000, 1), dashboard_ms=round(dash * 1000, 1),
                   dashboard_ratio=round(dash / base, 2), xlsx_ms=round(xlsx_time * 1000, 1),
                   xlsx_ratio=round(xlsx_time / base, 2), xlsx_bytes=size, participants=total.participants)
        quarter = school_ids[: max(1, len(school_ids) // 4)]
        for label, schools in (("quarter", select(Unit.id).where(Unit.id.in_(quarter))), ("all", everything)):
            tracemalloc.start()
            xlsx(schools)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out[f"xlsx_peak_mb_{label}"] = round(peak / 2**20, 1)
        out["xlsx_students_quarter"] = args.students // 4
        db.session.remove()
        db.engine.dispose()
    return out


def main():
    args = province_arguments(repeat=5)
    results = run_on_databases(measure, args)
    for r in results:
        print(f"[{r['database']}] {r['schools']} schools, {r['students']:,} students, {r['attempts']:,} attempts, "
              f"{r['participants']:,} taking part (built in {r['build_s']} s: participation rebuild "
              f"{r['participation_rebuild_s']} s)")
        print(f"  baseline GROUP BY participants per school: {r['baseline_ms']} ms")
        print(f"  province dashboard: {r['dashboard_ms']} ms (x{r['dashboard_ratio']} of baseline)")
        print(f"  province XLSX with student sheets: {r['xlsx_ms']} ms (x{r['xlsx_ratio']}), "
              f"{r['xlsx_bytes'] / 2**20:.1f} MB; peak Python memory {r['xlsx_peak_mb_quarter']} MB for "
              f"~{r['xlsx_students_quarter']:,} students, {r['xlsx_peak_mb_all']} MB for {r['students']:,}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
