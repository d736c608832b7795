"""Real faults under a real server: a PostgreSQL instance of the test's own stopped
mid-test, a table lock held past the statement timeout, a database turned read-only, and a
SQLite file on a tmpfs that fills up. Each is a 503 problem+json with Retry-After (and CORS
headers), answered at once; what still works goes on working."""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Server, running_server, write_made_up_entries
from tests.e2e.faults import OwnPostgres, own_postgres, small_tmpfs

pytestmark = pytest.mark.e2e
LABORSTATS = Path(sys.executable).parent / "laborstats"
ORIGIN = {"Origin": "https://dashboard.example"}
READS = [
    "/v1/observations?limit=10",
    "/v1/observations/1",
    "/v1/observations/1/history",
    "/v1/series?metric=nationals_entered&origin=PRK&destination=RUS",
    "/v1/metrics",
    "/v1/sources",
    "/v1/sources/1",
    "/v1/observations?limit=all&format=csv",
]
SOURCE = {"title": "A source written during a fault", "type": "testimony"}


def laborstats(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LABORSTATS), *args],
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_unavailable(response: httpx.Response, *, cors: bool = True) -> None:
    assert response.status_code == 503, (response.request.url, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    if cors:
        assert response.headers.get("access-control-allow-origin"), response.headers


def timed(call: "httpx.Client", method: str, path: str, **options: object) -> httpx.Response:
    started = time.monotonic()
    response = call.request(method, path, **options)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{method} {path} took {elapsed:.1f} s"
    return response


@pytest.fixture(scope="module")
def postgres_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, OwnPostgres, dict[str, str]]]:
    with own_postgres() as postgres, pytest.MonkeyPatch.context() as patch:
        patch.setenv("STATEMENT_TIMEOUT_MS", "1000")
        assert laborstats(postgres.url, "seed").returncode == 0
        tokens = {
            role: laborstats(
                postgres.url, "token", "create", "--name", role, "--role", role
            ).stdout.split()[-1]
            for role in ("editor", "admin")
        }
        log = tmp_path_factory.mktemp("pg-server") / "server.log"
        with running_server(postgres.url, log, "--workers", "1") as server:
            yield server, postgres, tokens


def test_postgres_outage_is_503_on_every_route_until_it_is_back(postgres_server) -> None:
    server, postgres, tokens = postgres_server
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    with httpx.Client(base_url=server.url, timeout=30, headers=ORIGIN) as http:
        for path in READS:
            assert http.get(path).status_code == 200, path
        postgres.ctl("stop")
        try:
            for path in [*READS, "/healthz"]:
                assert_unavailable(timed(http, "GET", path))
            revalidating = {"If-None-Match": 'W/"anything"'}
            assert_unavailable(timed(http, "GET", "/v1/observations", headers=revalidating))
            # Requests with a token get CORS headers only for trusted origins.
            assert_unavailable(timed(http, "GET", "/v1/audit", headers=admin), cors=False)
            assert_unavailable(
                timed(http, "POST", "/v1/sources", json=SOURCE, headers=editor), cors=False
            )
            assert_unavailable(
                timed(
                    http, "POST", "/v1/imports", content=b"metric\n",
                    headers={**editor, "Content-Type": "text/csv"},
                ),
                cors=False,
            )  # fmt: skip
            assert timed(http, "GET", "/v1").status_code != 500

            refused = laborstats(postgres.url, "token", "list")
            assert refused.returncode == 1
            assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
            assert "Traceback" not in refused.stderr
        finally:
            postgres.ctl("start")
        for path in [*READS, "/healthz"]:
            assert http.get(path).status_code == 200, path


def test_a_lock_held_past_the_statement_timeout_is_a_503_and_health_answers(
    postgres_server,
) -> None:
    server, postgres, _ = postgres_server
    engine = create_engine(postgres.url)
    try:
        with engine.connect() as holder, httpx.Client(base_url=server.url, timeout=10) as http:
            holder.execute(text("LOCK TABLE dataset_state, observation IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            assert_unavailable(http.get("/v1/observations?limit=10", headers=ORIGIN))
            assert time.monotonic() - started < 3
            started = time.monotonic()
            health = http.get("/healthz")
            assert health.status_code == 200
            assert time.monotonic() - started < 1
            holder.rollback()
            assert http.get("/v1/observations?limit=10").status_code == 200
    finally:
        engine.dispose()


def test_a_read_only_postgres_serves_reads_and_refuses_writes_with_503(postgres_server) -> None:
    server, postgres, tokens = postgres_server
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    postgres.sql("ALTER SYSTEM SET default_transaction_read_only = on")
    postgres.sql("SELECT pg_reload_conf()")
    try:
        time.sleep(0.5)
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert http.get("/v1/observations?limit=10").status_code == 200
            refused = http.post("/v1/sources", json=SOURCE, headers=editor)
            assert_unavailable(refused, cors=False)
            assert "read-only" in refused.json()["detail"]
    finally:
        postgres.sql("ALTER SYSTEM RESET default_transaction_read_only")
        postgres.sql("SELECT pg_reload_conf()")


# --- SQLite on a small tmpfs ----------------------------------------------------------------


def write_bulky_import(path: Path, *, rows: int, source_id: int) -> None:
    """Rows of 100 KB quotes: far more than the tmpfs holds."""
    write_made_up_entries(
        path,
        count=rows,
        source_id=source_id,
        row=lambda n: (2002, f"Bulky analyst {n}", f"Row {n} says " + "x" * 100_000),
    )


def test_disk_full_is_a_503_naming_the_cause_and_reads_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with small_tmpfs("8m") as disk:
        url = f"sqlite:///{disk / 'laborstats.db'}"
        assert laborstats(url, "seed").returncode == 0
        untexted = tmp_path / "untexted"  # made-up quotes: a source without a text (6)
        untexted.mkdir()
        (untexted / "sources.csv").write_text("id,title,type\r\n6,Bulky source,news_report\r\n")
        assert laborstats(url, "import", str(untexted)).returncode == 0
        token = laborstats(url, "token", "create", "--name", "ed", "--role", "editor")
        editor = {"Authorization": f"Bearer {token.stdout.split()[-1]}", "Content-Type": "text/csv"}
        huge, bulky = tmp_path / "huge.csv", tmp_path / "bulky.csv"
        write_bulky_import(huge, rows=100, source_id=6)  # 10 MB: no room even for the upload
        write_bulky_import(bulky, rows=30, source_id=6)  # 3 MB: room for the upload, not the rows
        monkeypatch.setenv("TMPDIR", str(disk))  # uploads are spooled to the same disk
        with (
            running_server(url, tmp_path / "server.log", "--workers", "1") as server,
            httpx.Client(base_url=server.url, timeout=60, headers=ORIGIN) as http,
        ):
            wal = disk / "laborstats.db-wal"
            for body in (huge, bulky):
                for dry_run in ("true", "false"):
                    response = http.post(
                        f"/v1/imports?dry_run={dry_run}", content=body.read_bytes(), headers=editor
                    )
                    if body is bulky and dry_run == "true" and response.status_code == 200:
                        continue  # the dry run's rows never left memory: nothing to fill
                    assert_unavailable(response, cors=False)  # writes: no CORS by default
                    detail = response.json()["detail"]
                    assert "disk" in detail.lower()
                    if body is bulky:  # the upload fitted: the database's writes did not
                        assert "holding the database" in detail, detail
                    assert not wal.exists() or wal.stat().st_size < 500_000, wal.stat().st_size
                    assert http.get("/v1/observations?limit=10").status_code == 200

        monkeypatch.delenv("TMPDIR")
        refused = laborstats(url, "import", str(huge))
        assert refused.returncode == 1
        message = refused.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert len(message) < 300, message
        assert "disk" in message.lower()
        assert "Bulky analyst" not in message
        assert "INSERT" not in message
        assert not wal.exists() or wal.stat().st_size < 500_000, wal.stat().st_size


def test_a_locked_sqlite_database_is_a_503_not_a_hang(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'laborstats.db'}"
    assert laborstats(url, "seed").returncode == 0
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "300")
    # No webhook deliverer polling the file: exclusive locking mode is refused while any
    # other connection is reading, and the test must be the one holding the lock.
    monkeypatch.setenv("WEBHOOKS_DELIVER", "false")
    with running_server(url, tmp_path / "server.log", "--workers", "1") as server:
        holder = sqlite3.connect(tmp_path / "laborstats.db", isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE dataset_state SET id = id")
        try:
            with httpx.Client(base_url=server.url, timeout=10, headers=ORIGIN) as http:
                for path in READS[:3]:
                    assert_unavailable(timed(http, "GET", path))
        finally:
            holder.close()
        assert httpx.get(server.url + "/v1/observations?limit=10").status_code == 200
