"""Workers of `laborstats serve` killed (SIGKILL) in the middle of the work: a streamed
export ends so that its client can tell it was cut, an import through the API happened
whole or not at all, a correction left no revision, the database stays consistent
(`laborstats check`), and the server replaces the workers and serves again without being
restarted."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.db import DataSession, create_db_engine
from tests.conftest import Databases
from tests.e2e.conftest import (
    Server,
    add_long_rows,
    running_server,
    worker_pids,
    write_made_up_entries,
)
from tests.factories import add_source_without_text

pytestmark = pytest.mark.e2e
EXPORT = "/v1/observations?limit=all&format=csv"
IDENTITY = {"Accept-Encoding": "identity"}  # compressed, the CSV would fit in the buffers
IMPORTED_ROWS = 60_000  # seconds of work for the API, on either database
CUT_SHORT = (httpx.RemoteProtocolError, httpx.ReadError)  # closed, or reset, mid-response


@pytest.fixture(scope="module")
def large_database(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = databases.copy(databases.seeded)
    add_long_rows(url, tmp_path_factory.mktemp("killed") / "large.csv", count=6_000)
    return url


@pytest.fixture
def server(databases: Databases, large_database: str, tmp_path: Path) -> Iterator[Server]:
    env = {"SEND_TIMEOUT_S": "300", "RATE_LIMIT_WRITES": "0"}
    url = databases.copy(large_database)
    with running_server(url, tmp_path / "server.log", "--workers", "2", env=env) as started:
        yield started


def _kill_workers(server: Server) -> None:
    for pid in worker_pids(server):
        os.kill(pid, signal.SIGKILL)


def _cut_by_killing_workers(
    server: Server, send: Callable[[httpx.Client], httpx.Response], *, after_s: float
) -> None:
    """`send` under way in a thread, not yet answered after `after_s`, when the workers are
    killed: its client must see the answer cut, never a complete one."""
    outcome: list[BaseException | httpx.Response] = []

    def run() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                outcome.append(send(http))
        except httpx.TransportError as error:
            outcome.append(error)

    sending = threading.Thread(target=run)
    sending.start()
    time.sleep(after_s)
    assert not outcome, f"answered before the workers could be killed: {outcome}"
    _kill_workers(server)
    sending.join(timeout=60)
    assert len(outcome) == 1
    assert isinstance(outcome[0], CUT_SHORT), outcome


def _serving_again(http: httpx.Client, *, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if http.get("/healthz").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def _count(server: Server) -> int:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        return int(http.get("/v1/observations?limit=1&count=true").headers["X-Total-Count"])


def test_an_export_whose_worker_is_killed_is_cut_detectably_and_serving_resumes(
    server: Server,
) -> None:
    with httpx.Client(base_url=server.url, timeout=30, headers=IDENTITY) as http:
        whole = http.get(EXPORT).content
        with http.stream("GET", EXPORT) as response:
            chunks = response.iter_bytes()
            next(chunks)
            _kill_workers(server)
            with pytest.raises(CUT_SHORT):  # never a short body taken for the whole
                b"".join(chunks)
        assert _serving_again(http), server.log.read_text()
        assert http.get(EXPORT).content == whole
    assert server.process.poll() is None  # the same server, not restarted
    server.laborstats("check")  # exits 1 on any inconsistency


def test_an_import_whose_worker_is_killed_left_all_rows_or_none(
    server: Server, tmp_path: Path
) -> None:
    token = server.laborstats("token", "create", "--name", "desk", "--role", "editor").split()[-1]
    editor = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    rows = tmp_path / "rows.csv"
    engine = create_db_engine(server.database_url)
    with DataSession(engine) as session:  # made-up quotes: a source without a text
        source_id = add_source_without_text(session)
    engine.dispose()
    write_made_up_entries(
        rows,
        count=IMPORTED_ROWS,
        source_id=source_id,
        row=lambda n: (1990 + n % 30, f"Desk analyst {n}", f"In {1990 + n % 30}, {n} entered."),
    )
    before = _count(server)

    def post(http: httpx.Client) -> httpx.Response:
        return http.post("/v1/imports", content=rows.read_bytes(), headers=editor)

    _cut_by_killing_workers(server, post, after_s=2)

    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert _serving_again(http), server.log.read_text()
    after = _count(server)
    assert after in (before, before + IMPORTED_ROWS)
    server.laborstats("check")
    # Writes go on: the same import, sent again, is taken whole.
    with httpx.Client(base_url=server.url, timeout=120) as http:
        again = http.post("/v1/imports", content=rows.read_bytes(), headers=editor)
    assert again.status_code in (200, 201), again.text
    assert _count(server) in (before + IMPORTED_ROWS, before + 2 * IMPORTED_ROWS)


@contextmanager
def writes_held(database_url: str) -> Iterator[None]:
    """Every write waits while the block runs: on SQLite for the write lock, on PostgreSQL
    for the data-version row, which each write claims in the middle of its transaction."""
    engine = create_db_engine(database_url, for_writes=True)
    connection = engine.connect()
    try:
        connection.begin()  # SQLite: BEGIN IMMEDIATE takes the write lock
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT 1 FROM dataset_state WHERE id = 1 FOR UPDATE"))
        yield
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_a_correction_whose_worker_is_killed_left_no_revision(server: Server) -> None:
    token = server.laborstats("token", "create", "--name", "desk", "--role", "editor").split()[-1]
    editor = {"Authorization": f"Bearer {token}"}
    path = "/v1/observations/1"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        current = http.get(path)
        history = http.get(f"{path}/history").json()["data"]
    body = {"value": 10500, "reason": "Corrected as the worker died."}
    headers = {**editor, "If-Match": current.headers["etag"]}

    def patch(http: httpx.Client) -> httpx.Response:
        return http.patch(path, json=body, headers=headers)

    with writes_held(server.database_url):  # within SQLite's busy timeout: it is waiting
        _cut_by_killing_workers(server, patch, after_s=1.5)

    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert _serving_again(http), server.log.read_text()
        assert http.get(f"{path}/history").json()["data"] == history
        assert http.get(path).headers["etag"] == current.headers["etag"]
        server.laborstats("check")
        again = http.patch(path, json=body, headers=headers)
        assert again.status_code == 200, again.text


def _gone(pid: int) -> bool:
    """Whether `pid` has exited (a zombie not yet reaped by its new parent counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_killed_supervisor_takes_its_workers_with_it(server: Server) -> None:
    """Left behind, its workers would serve on, unwatched, and keep a restarted server from
    the port; so each stops by itself once the supervisor that started it is gone."""
    workers = worker_pids(server)
    assert len(workers) == 2
    server.process.kill()
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 15
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if not _gone(pid)]
    for pid in left:  # leave no stray worker behind this test either
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers still running after their supervisor was killed"
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/healthz", timeout=2)
