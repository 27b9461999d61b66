"""The databases a province benchmark runs on: a temporary SQLite file and, unless
--no-pg, a scratch database on the local PostgreSQL, dropped afterwards."""
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
