import csv
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.db import DataSession, create_db_engine
from tests.conftest import Databases
from tests.factories import add_source_without_text

LABORSTATS = Path(sys.executable).parent / "laborstats"


def write_made_up_entries(
    path: Path, *, count: int, source_id: int, row: Callable[[int], tuple[int, str, str]]
) -> None:
    """An observations file of `count` made-up PRK-RUS entries; `row(n)` gives the n-th
    one's year, claimant and quote (cite a source that keeps no text: made-up quotes)."""
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["metric", "origin", "destination", "period_start", "period_end", "value",
             "qualifier", "basis", "attributed_to", "source_id", "quote"]
        )  # fmt: skip
        for n in range(count):
            year, claimant, quote = row(n)
            writer.writerow(
                ["entries", "PRK", "RUS", f"{year}-01-01", f"{year}-12-31", n, "exact",
                 "estimate", claimant, source_id, quote]
            )  # fmt: skip


def add_long_rows(database_url: str, path: Path, *, count: int) -> None:
    """`count` observations of 2 KB made-up quotes (citing a source that keeps no text),
    each stating its year and figure as `laborstats check` requires, written to `path` and
    imported: enough that a whole export outlasts every buffer."""
    engine = create_db_engine(database_url)
    with DataSession(engine) as session:
        source_id = add_source_without_text(session)
    engine.dispose()
    padding = " A long quote." * 143
    write_made_up_entries(
        path,
        count=count,
        source_id=source_id,
        row=lambda n: (2001, f"Analyst {n}", f"In 2001, {n} entered.{padding}"),
    )
    subprocess.run(
        [str(LABORSTATS), "import", str(path)],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        check=True,
    )


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def laborstats(self, *args: str) -> str:
        """Run the CLI against the server's database; its standard output."""
        return subprocess.run(
            [str(LABORSTATS), *args],
            env={**os.environ, "DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def worker_pids(server: Server) -> list[int]:
    """The worker processes of a server started with several (not the resource tracker
    that multiprocessing starts beside them)."""
    tasks = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    children = [int(pid) for pid in tasks.read_text().split()]
    return [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(
    database_url: str,
    log_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """`laborstats serve` (with `args`, and settings `env`) on `port` (by default a free
    one), until the block ends."""
    port = port or free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(LABORSTATS), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield Server(url=url, database_url=database_url, log=log_path, process=process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `laborstats serve` process on a free port, over its own seeded database."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(databases.copy(databases.seeded), log_path) as started:
        yield started


@pytest.fixture(scope="module")
def server_url(server: Server) -> str:
    return server.url
