"""How fast the unit tree answers province-wide questions.

Builds a generated province (1 Sở, 30 middle units, some with communes below them,
500 schools, 400,000 students in classes) on SQLite and, when reachable, on the
local PostgreSQL, then times:

  closure   students per school for every school under a unit, through the
            closure table (what rollups do);
  baseline  the plain hand-written GROUP BY over all students, no tree at all,
            measured in the same run;
  cte       the same rollup through a recursive CTE over parent_id, the usual
            alternative to a closure table.

Prints each figure and its ratio to the baseline, then one JSON line.
Usage: .venv/bin/python bench/unit_tree.py [--students 400000] [--schools 500] [--no-pg]
"""
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import province_arguments, run_on_databases  # noqa: E402  (bench/, beside this script)
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

# The form the scope helpers in app/core/scope.py generate: school_id IN (subtree).
CLOSURE_SQL = """
SELECT s.school_id, count(*) FROM student s
WHERE s.school_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = :unit)
GROUP BY s.school_id"""
BASELINE_SQL = "SELECT school_id, count(*) FROM student GROUP BY school_id"
CTE_SQL = """
WITH RECURSIVE sub(id) AS (SELECT id FROM unit WHERE id = :unit
  UNION ALL SELECT u.id FROM unit u JOIN sub ON u.parent_id = sub.id)
SELECT s.school_id, count(*) FROM student s WHERE s.school_id IN (SELECT id FROM sub)
GROUP BY s.school_id"""
SCHOOLS_UNDER_SQL = """
SELECT u.id FROM unit u JOIN unit_closure uc ON uc.descendant_id = u.id
WHERE uc.ancestor_id = :unit AND u.kind = 'school'"""


def build(uri, n_schools, n_students):
    from flask_migrate import upgrade

    from app.org.services import create_unit
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_DIR": tempfile.mkdtemp()})
    rng = random.Random(1588)
    with app.app_context():
        upgrade()
        so = create_unit(None, kind="department", name="Sở", code="SO")
        middles = [create_unit(None, kind="cluster", name=f"Cụm {i}", code=f"C{i}", parent=so) for i in range(30)]
        communes = [create_unit(None, kind="commune", name=f"Xã {i}", code=f"X{i}", parent=rng.choice(middles))
                    for i in range(40)]
        parents = [so] + middles + communes
        schools = [create_unit(None, kind="school", name=f"Trường {i}", code=f"T{i}", level="THPT",
                               parent=rng.choice(parents)) for i in range(n_schools)]
        db.session.commit()
        classes, class_rows = [], []
        for school in schools:
            for k in range(20):
                class_rows.append({"school_id": school.id, "school_year": 2026, "grade": 10 + k % 3,
                                   "name": f"{10 + k % 3}A{k}", "sort_key": ""})
        with db.engine.begin() as conn:
            from app.org.models import SchoolClass, Student
            conn.execute(insert(SchoolClass), class_rows)
            classes = conn.execute(text("SELECT id, school_id FROM school_class")).all()
            batch = []
            for i in range(n_students):
                class_id, school_id = classes[i % len(classes)]
                batch.append({"school_id": school_id, "class_id": class_id, "code": f"{i:010d}",
                              "full_name": "Nguyễn Văn An", "sort_key": "x", "search_name": "nguyen van an"})
                if len(batch) == 20000:
                    conn.execute(insert(Student), batch)
                    batch = []
            if batch:
                conn.execute(insert(Student), batch)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        biggest_middle = max(middles, key=lambda m: len(db.session.execute(
            text(SCHOOLS_UNDER_SQL), {"unit": m.id}).all()))
        return app, so.id, biggest_middle.id


def timed(conn, sql, params, repeat):
    times = []
    rows = None
    for _ in range(repeat):
        start = time.perf_counter()
        rows = conn.execute(text(sql), params).all()
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def measure(name, uri, args):
    t0 = time.perf_counter()
    app, so_id, middle_id = build(uri, args.schools, args.students)
    build_s = time.perf_counter() - t0
    out = {"database": name, "schools": args.schools, "students": args.students, "build_s": round(build_s, 1)}
    with app.app_context(), db.engine.connect() as conn:
        base, base_rows = timed(conn, BASELINE_SQL, {}, args.repeat)
        out["baseline_ms"] = round(base * 1000, 2)
        for label, unit in (("province", so_id), ("cluster", middle_id)):
            closure, rows = timed(conn, CLOSURE_SQL, {"unit": unit}, args.repeat)
            cte, cte_rows = timed(conn, CTE_SQL, {"unit": unit}, args.repeat)
            assert sorted(rows) == sorted(cte_rows)
            if label == "province":
                assert sorted(rows) == sorted(base_rows)
            schools, listed = timed(conn, SCHOOLS_UNDER_SQL, {"unit": unit}, args.repeat)
            out[f"{label}_schools"] = len(listed)
            out[f"{label}_closure_ms"] = round(closure * 1000, 2)
            out[f"{label}_cte_ms"] = round(cte * 1000, 2)
            out[f"{label}_closure_ratio"] = round(closure / base, 2)
            out[f"{label}_cte_ratio"] = round(cte / base, 2)
            out[f"{label}_list_schools_ms"] = round(schools * 1000, 3)
        db.engine.dispose()
    return out


def main():
    args = province_arguments(repeat=7)
    results = run_on_databases(measure, args)
    for r in results:
        print(f"[{r['database']}] {r['schools']} schools, {r['students']:,} students (built in {r['build_s']} s)")
        print(f"  baseline GROUP BY over all students: {r['baseline_ms']} ms")
        for label in ("province", "cluster"):
            print(f"  {label} ({r[label + '_schools']} schools): closure {r[label + '_closure_ms']} ms "
                  f"(x{r[label + '_closure_ratio']}), recursive CTE {r[label + '_cte_ms']} ms "
                  f"(x{r[label + '_cte_ratio']}), list schools {r[label + '_list_schools_ms']} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
