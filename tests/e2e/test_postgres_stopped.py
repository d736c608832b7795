"""PostgreSQL stopped in the middle of the work (an import, a correction, an export, a
webhook delivery), and its disk filled by an import: each client gets a clear error (a 503
problem) or a whole answer, never a cut CSV taken for whole; the interrupted write happened
whole or not at all; `laborstats check` passes; and once the database is back, the same
server process serves and writes again, without being restarted."""

import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.db import DataSession, create_db_engine
from tests.e2e.conftest import (
    LABORSTATS,
    Server,
    add_long_rows,
    running_server,
    write_made_up_entries,
)
from tests.e2e.faults import OwnPostgres, own_postgres, small_tmpfs
from tests.factories import add_source_without_text, observation_fields
from tests.webhooks.receiver import receiving

pytestmark = pytest.mark.e2e
EXPORT = "/v1/observations?limit=all&format=csv"
IDENTITY = {"Accept-Encoding": "identity"}
CUT_SHORT = (httpx.RemoteProtocolError, httpx.ReadError)
IMPORTED_ROWS = 60_000  # seconds of work for the API
SETTINGS = {
    "STATEMENT_TIMEOUT_MS": "60000",  # a correction waits on a lock for as long as the test
    "SEND_TIMEOUT_S": "300",
    "RATE_LIMIT_WRITES": "0",
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",  # the receiver listens on 127.0.0.1
    "WEBHOOKS_POLL_S": "0.1",
    "WEBHOOKS_TIMEOUT_S": "1",
}


@dataclass(frozen=True)
class Stack:
    server: Server
    postgres: OwnPostgres
    editor: dict[str, str]
    admin: dict[str, str]

    def count(self) -> int:
        response = httpx.get(f"{self.server.url}/v1/observations?limit=1&count=true", timeout=30)
        return int(response.headers["X-Total-Count"])

    def recovered(self) -> None:
        """PostgreSQL started again: the same server answers at once, and the data holds."""
        self.postgres.ctl("start")
        assert httpx.get(f"{self.server.url}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{self.server.url}/v1/observations/1", timeout=10).status_code == 200
        assert self.server.process.poll() is None
        checked = subprocess.run(
            [str(LABORSTATS), "check"],
            env={**os.environ, "DATABASE_URL": self.postgres.url},
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr  # 1: inconsistent


def laborstats(database_url: str, *args: str) -> None:
    subprocess.run(
        [str(LABORSTATS), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        check=True,
        timeout=120,
    )


def made_room(disk: Path, size: str) -> None:
    """The volume under the database grown, as an operator frees or adds space."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)


def token(server: Server, role: str) -> dict[str, str]:
    secret = server.laborstats("token", "create", "--name", role, "--role", role).split()[-1]
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A server over a PostgreSQL of the module's own: the seed, and 12 MB of long rows so
    that an export is still being read from the database when it is stopped."""
    folder = tmp_path_factory.mktemp("postgres-stopped")
    with own_postgres() as postgres:
        laborstats(postgres.url, "seed")
        add_long_rows(postgres.url, folder / "long.csv", count=6_000)
        with running_server(
            postgres.url, folder / "server.log", "--workers", "1", env=SETTINGS
        ) as server:
            yield Stack(server, postgres, token(server, "editor"), token(server, "admin"))


def problem_503(response: httpx.Response) -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    return response.json()


def in_a_thread(send: Callable[[], httpx.Response]) -> tuple[threading.Thread, list]:
    """`send` under way in a thread; its response (or transport error) lands in the list."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(send())
        except httpx.TransportError as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_an_import_cut_by_a_postgres_stop_left_all_rows_or_none(
    stack: Stack, tmp_path: Path
) -> None:
    engine = create_db_engine(stack.postgres.url)
    with DataSession(engine) as session:  # made-up quotes: a source without a text
        source_id = add_source_without_text(session)
    engine.dispose()
    rows = tmp_path / "rows.csv"
    write_made_up_entries(
        rows,
        count=IMPORTED_ROWS,
        source_id=source_id,
        row=lambda n: (2003, f"Counter {n}", f"In 2003, {n} entered."),
    )
    headers = {**stack.editor, "Content-Type": "text/csv"}
    before = stack.count()
    url = f"{stack.server.url}/v1/imports"
    posting, outcome = in_a_thread(
        lambda: httpx.post(url, content=rows.read_bytes(), headers=headers, timeout=120)
    )
    time.sleep(2)
    assert not outcome, f"the import finished before PostgreSQL stopped: {outcome}"
    stack.postgres.ctl("stop")
    posting.join(timeout=60)
    problem_503(outcome[0])
    stack.recovered()
    assert stack.count() == before  # the transaction never committed: none of its rows
    again = httpx.post(url, content=rows.read_bytes(), headers=headers, timeout=120)
    assert again.status_code == 200, again.text
    assert stack.count() == before + IMPORTED_ROWS


def test_a_correction_cut_by_a_postgres_stop_left_no_revision(stack: Stack) -> None:
    path = f"{stack.server.url}/v1/observations/1"
    current = httpx.get(path)
    history = httpx.get(f"{path}/history").json()["data"]
    holder = create_engine(stack.postgres.url)
    held = holder.connect()
    # Every write claims the next data version on this row: the correction waits there, in
    # the middle of its transaction, until PostgreSQL stops.
    held.execute(text("SELECT data_version FROM dataset_state WHERE id = 1 FOR UPDATE"))
    patching, outcome = in_a_thread(
        lambda: httpx.patch(
            path,
            json={"value": 10500, "reason": "Corrected during an outage."},
            headers={**stack.editor, "If-Match": current.headers["etag"]},
            timeout=60,
        )
    )
    time.sleep(1.5)
    assert not outcome, f"the correction did not wait: {outcome}"
    stack.postgres.ctl("stop")
    patching.join(timeout=60)
    held.invalidate()  # its server is gone: nothing to roll back
    holder.dispose()
    problem_503(outcome[0])
    stack.recovered()
    assert httpx.get(f"{path}/history").json()["data"] == history
    assert httpx.get(path).headers["etag"] == current.headers["etag"]
    again = httpx.patch(
        path,
        json={"value": 10500, "reason": "Corrected once the database was back."},
        headers={**stack.editor, "If-Match": current.headers["etag"]},
    )
    assert again.status_code == 200, again.text


def test_an_export_cut_by_a_postgres_stop_ends_so_that_its_client_can_tell(
    stack: Stack,
) -> None:
    # A small receive buffer: the kernel would otherwise take in the whole export at once.
    small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]
    transport = httpx.HTTPTransport(socket_options=small_buffer)
    with httpx.Client(
        base_url=stack.server.url, timeout=30, headers=IDENTITY, transport=transport
    ) as http:
        whole = http.get(EXPORT).content
        with http.stream("GET", EXPORT) as response:
            chunks = response.iter_bytes()
            next(chunks)
            stack.postgres.ctl("stop")
            with pytest.raises(CUT_SHORT):  # never a short body taken for the whole
                b"".join(chunks)
    stack.recovered()
    assert httpx.get(f"{stack.server.url}{EXPORT}", headers=IDENTITY).content == whole


def test_a_webhook_delivery_cut_by_a_postgres_stop_is_delivered_once_it_is_back(
    stack: Stack,
) -> None:
    url = stack.server.url
    with receiving() as receiver:
        registered = httpx.post(
            f"{url}/v1/webhooks", json={"url": receiver.url}, headers=stack.admin
        )
        assert registered.status_code == 201, registered.text
        webhook = registered.json()
        receiver.hold.set()  # the first delivery hangs until PostgreSQL is stopped
        undated = observation_fields(period_start=None, period_end=None)  # as its quote is
        created = httpx.post(f"{url}/v1/observations", json=undated, headers=stack.editor)
        assert created.status_code == 201, created.text
        assert receiver.holding.wait(timeout=20), "no delivery was attempted"
        stack.postgres.ctl("stop")
        receiver.release.set()  # answered, but the delivery cannot be recorded
        time.sleep(1)
        stack.recovered()
        expected = httpx.get(
            f"{url}/v1/changes", params={"since": webhook["delivered_through"], "limit": 100}
        ).json()["data"]
        deadline = time.monotonic() + 60
        while len(receiver.payloads(webhook["secret"])) < len(expected):
            assert time.monotonic() < deadline, f"delivered {len(receiver.received)}"
            time.sleep(0.2)
        deleted = httpx.delete(f"{url}/v1/webhooks/{webhook['id']}", headers=stack.admin)
        assert deleted.status_code == 204, deleted.text
    payloads = receiver.payloads(webhook["secret"])  # each signature verified
    assert [p["data"]["href"] for p in payloads] == [change["href"] for change in expected]
    assert expected[0]["href"] == created.headers["Location"]


def bulky_rows(path: Path, *, source_id: int, rows: int) -> None:
    """Rows of 100 KB random quotes: they do not compress, so each takes its size on disk."""
    write_made_up_entries(
        path,
        count=rows,
        source_id=source_id,
        row=lambda n: (2004, f"Bulky analyst {n}", f"Row {n} says {secrets.token_hex(50_000)}"),
    )


def test_a_full_disk_under_postgres_is_a_503_that_wrote_nothing_and_room_made_is_used(
    stack: Stack, tmp_path: Path
) -> None:
    postgres = stack.postgres
    with small_tmpfs("24m") as disk:
        shutil.chown(disk, "postgres", "postgres")
        postgres.sql(f"CREATE TABLESPACE cramped LOCATION '{disk}'", database="postgres")
        postgres.sql("CREATE DATABASE cramped TABLESPACE cramped", database="postgres")
        url = stack.postgres.url.rsplit("/", 1)[0] + "/cramped"
        try:
            laborstats(url, "seed")
            with running_server(url, tmp_path / "cramped.log", "--workers", "1") as server:
                engine = create_db_engine(url)
                with DataSession(engine) as session:
                    source_id = add_source_without_text(session)
                engine.dispose()
                bulky = tmp_path / "bulky.csv"
                bulky_rows(bulky, source_id=source_id, rows=300)  # 30 MB on a 24 MB disk
                headers = {**token(server, "editor"), "Content-Type": "text/csv"}
                imports = f"{server.url}/v1/imports"
                with httpx.Client(timeout=120) as http:
                    before = int(
                        http.get(f"{server.url}/v1/observations?limit=1&count=true").headers[
                            "X-Total-Count"
                        ]
                    )
                    refused = problem_503(
                        http.post(imports, content=bulky.read_bytes(), headers=headers)
                    )
                    assert "disk" in refused["detail"].lower(), refused
                    assert "Bulky analyst" not in refused["detail"]
                    assert http.get(f"{server.url}/v1/observations/1").status_code == 200
                    count = http.get(f"{server.url}/v1/observations?limit=1&count=true")
                    assert int(count.headers["X-Total-Count"]) == before
                    # Room made on the volume (the check sorts on it too): the data holds, and
                    # the same import goes in, with no restart.
                    made_room(disk, "96m")
                    server.laborstats("check")
                    taken = http.post(imports, content=bulky.read_bytes(), headers=headers)
                    assert taken.status_code == 200, taken.text
                    count = http.get(f"{server.url}/v1/observations?limit=1&count=true")
                    assert int(count.headers["X-Total-Count"]) == before + 300
                assert server.process.poll() is None
        finally:
            postgres.sql("DROP DATABASE IF EXISTS cramped WITH (FORCE)", database="postgres")
            postgres.sql("DROP TABLESPACE IF EXISTS cramped", database="postgres")
