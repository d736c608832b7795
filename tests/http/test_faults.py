"""Database faults in the app itself, on real databases: a pool with no connection to
spare, a read-only SQLite file, a SQLite database locked by another process. Each is a 503
problem+json with Retry-After and CORS headers, wherever it is raised (a handler, or the
cache middleware revalidating a copy), and /healthz answers regardless."""

import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.config import Settings
from app.db import DataSession, create_db_engine, database_fault, migrate
from app.errors import DatabaseBusy, DatabaseReadOnly, DiskFull
from app.main import create_app
from tests.conftest import load_seed
from tests.factories import bearer, make_token

ORIGIN = {"Origin": "https://dashboard.example"}
SOURCE = {"title": "A source written during a fault", "type": "testimony"}


def assert_unavailable(response, *, cors: bool = True) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    if cors:
        assert response.headers["access-control-allow-origin"]


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    """A seeded SQLite file of the test's own (on PostgreSQL runs too: these faults are
    SQLite's)."""
    path = tmp_path / "laborstats.db"
    migrate(f"sqlite:///{path}")
    load_seed(f"sqlite:///{path}")
    return path


def test_a_request_that_gets_no_pooled_connection_in_time_is_a_503(seeded_db_url: str) -> None:
    settings = Settings(database_url=seeded_db_url, migrate_on_start=False, pool_timeout_s=0.2)
    app = create_app(settings)
    with TestClient(app) as client:
        held: list[Connection] = []
        try:
            while True:  # take every connection the pool has, overflow included
                held.append(app.state.engine.connect())
        except PoolTimeout:
            pass
        try:
            started = time.monotonic()
            assert_unavailable(client.get("/v1/observations?limit=1", headers=ORIGIN))
            assert time.monotonic() - started < 2
            assert client.get("/healthz").status_code == 200  # never waits on the pool
        finally:
            for connection in held:
                connection.close()
        assert client.get("/v1/observations?limit=1").status_code == 200


def test_a_read_only_sqlite_file_serves_reads_and_refuses_writes(sqlite_file: Path) -> None:
    engine = create_db_engine(f"sqlite:///{sqlite_file}")
    with DataSession(engine) as session:
        token = make_token(session, "editor", "editor")
    engine.dispose()

    read_only = f"sqlite:///file:{sqlite_file}?mode=ro&uri=true"
    app = create_app(Settings(database_url=read_only, migrate_on_start=False))
    with TestClient(app) as client:
        for path in ("/v1/observations?limit=5", "/v1/sources/1", "/v1/metrics", "/healthz"):
            assert client.get(path).status_code == 200, path
        refused = client.post("/v1/sources", json=SOURCE, headers=bearer(token))
        assert_unavailable(refused, cors=False)
        assert refused.json()["type"].endswith("database-read-only")


def test_a_locked_sqlite_database_is_a_503_in_handlers_and_middleware(
    sqlite_file: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{sqlite_file}", migrate_on_start=False, sqlite_busy_timeout_ms=200
    )
    with TestClient(create_app(settings)) as client:
        etag = client.get("/v1/observations").headers["etag"]
        for engine in (client.app.state.engine, client.app.state.write_engine):  # type: ignore[attr-defined]
            engine.dispose()  # in WAL mode, a lock that stops readers needs them gone first
        holder = sqlite3.connect(sqlite_file, isolation_level=None)
        try:
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("UPDATE dataset_state SET id = id")
            assert_unavailable(client.get("/v1/observations", headers=ORIGIN))
            # Revalidation is answered by the cache middleware, outside the handlers.
            revalidating = {**ORIGIN, "If-None-Match": etag}
            assert_unavailable(client.get("/v1/observations", headers=revalidating))
        finally:
            holder.close()
        assert client.get("/v1/observations", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    ("sqlite_message", "fault"),
    [
        ("database is locked", DatabaseBusy),
        ("attempt to write a readonly database", DatabaseReadOnly),
        ("database or disk is full", DiskFull),
    ],
)
def test_sqlite_faults_map_to_503_problems_naming_the_cause(
    tmp_path: Path, sqlite_message: str, fault: type
) -> None:
    """Raised by SQLite itself, as the driver reports it (the name the mapping reads)."""
    error = _real_sqlite_error(tmp_path, sqlite_message)
    mapped = database_fault(error, retry_after_s=7)
    assert isinstance(mapped, fault)
    assert mapped.status == 503
    assert mapped.headers == {"Retry-After": "7"}


def _real_sqlite_error(tmp_path: Path, message: str) -> sqlite3.Error:
    path = tmp_path / "fault.db"
    first = sqlite3.connect(path, isolation_level=None, timeout=0)
    first.execute("CREATE TABLE t (x)")
    if "locked" in message:
        first.execute("BEGIN EXCLUSIVE")
        failing, statement = sqlite3.connect(path, timeout=0), "SELECT * FROM t"
    elif "readonly" in message:
        failing, statement = (
            sqlite3.connect(f"file:{path}?mode=ro", uri=True),
            "INSERT INTO t VALUES (1)",
        )
    else:
        first.execute("PRAGMA max_page_count = 2")  # a database that cannot grow
        failing, statement = first, "INSERT INTO t VALUES (zeroblob(100000))"
    try:
        with pytest.raises(sqlite3.Error, match=message) as raised:
            failing.execute(statement)
    finally:
        failing.close()
        first.close()
    return raised.value
