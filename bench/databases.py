"""The databases a province benchmark runs on: a temporary SQLite file and, unless
--no-pg, a scratch database on the local PostgreSQL, dropped afterwards."""
import argparse
import os
import tempfile
import uuid

from sqlalchemy import create_engine, text


def run_on_databases(measure, args):
    """[measure("sqlite", uri, args), measure("postgresql", uri, args)]."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure("sqlite", f"sqlite:///{tmp}/bench.db", args))
    if not args.no_pg:
        from app.config import database_url
        server = database_url(args.pg_url)
        name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results.append(measure("postgresql", server.rsplit("/", 1)[0] + "/" + name, args))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    return results


def province_arguments(repeat):
    """The arguments every province benchmark takes: size, repeats, and the databases."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=400_000)
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    return parser.parse_args()
