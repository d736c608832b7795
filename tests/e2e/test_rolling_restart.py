"""A deploy restarts the instances of a fleet one by one behind a proxy while clients keep
reading: no client loses a request. Each stopped instance stops listening first (the proxy
then passes it over) and finishes what it was answering (exports included) before it
exits 0; the next is stopped only once its replacement answers."""

import json
import signal
import socket
import threading
import time
from collections.abc import Callable
from functools import partial
from itertools import cycle
from pathlib import Path

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, add_long_rows, free_port, running_server
from tests.e2e.proxy import proxy

pytestmark = pytest.mark.e2e
QUICK_READERS = 3
EXPORTERS = 2  # exports read slowly: at any moment one is likely in flight on each instance
EXPORT = "/v1/observations?limit=all&format=csv"
READS = (
    "/v1/observations/1",
    "/v1/observations?limit=20&facet=metric",
    "/v1/series?origin=PRK&destination=RUS",
    "/v1/observations/3/citation?format=bibtex",
    "/v1/changes?limit=50",
)
IDENTITY = {"Accept-Encoding": "identity"}  # compressed, the export would be over at once


class Readers:
    """Clients reading through the proxy until told to stop, each answer checked whole."""

    def __init__(self, url: str, export_lines: int) -> None:
        self.url = url
        self.export_lines = export_lines
        self.answered = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._exporting = threading.Event()
        self._threads = [
            *(threading.Thread(target=self._read, args=(n,)) for n in range(QUICK_READERS)),
            *(threading.Thread(target=self._export) for _ in range(EXPORTERS)),
        ]

    def start(self) -> None:
        """The first export on its way (through the proxy's first instance, as a fresh
        proxy's first connection goes), read slowly enough to outlast that instance's
        stop; then every other reader."""
        first = threading.Thread(target=self._export, kwargs={"pause": 0.02, "once": True})
        self._threads.append(first)
        first.start()
        assert self._exporting.wait(timeout=30), "the first export did not start"
        for thread in self._threads[:-1]:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _read(self, number: int) -> None:
        paths = cycle(READS[number:] + READS[:number])
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                path = next(paths)
                self._check(path, partial(answer, client, path))

    def _export(self, pause: float = 0.005, once: bool = False) -> None:
        def read_slowly() -> tuple[int, str]:
            with client.stream("GET", EXPORT, headers=IDENTITY) as response:
                body = bytearray()
                for chunk in response.iter_bytes(64 * 1024):
                    self._exporting.set()
                    body += chunk
                    time.sleep(pause)
            return response.status_code, body.decode()

        # A small receive buffer too: the kernel would otherwise take in the whole export.
        small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]
        transport = httpx.HTTPTransport(socket_options=small_buffer)
        with httpx.Client(base_url=self.url, timeout=30, transport=transport) as client:
            while not self._stop.is_set():
                self._check(EXPORT, read_slowly)
                if once:
                    return

    def _check(self, path: str, read: Callable[[], tuple[int, str]]) -> None:
        try:
            status, body = read()
        except httpx.TransportError as error:
            self.failures.append(f"{path}: {error!r}")
            return
        if status != 200:
            self.failures.append(f"{path}: {status} {body[:200]}")
        elif path == EXPORT and (lines := body.count("\r\n")) != self.export_lines:
            self.failures.append(f"{path}: {lines} lines of CSV")
        else:
            self.answered += 1


def answer(client: httpx.Client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.text


def stop(server: Server) -> None:
    """As a deploy stops an instance: SIGTERM, then it must exit 0 by itself."""
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0, server.log.read_text()


def answered(log: Path) -> int:
    """How many requests the instance that wrote `log` answered (its access lines)."""
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
    return sum(1 for line in lines if "status" in line and "path" in line)


@pytest.fixture(scope="module")
def database(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seed and 12 MB of long observations: more than the buffers between an
    instance and its reader hold, so that an export read slowly is in flight on the
    instance until its reader has read it all."""
    url = databases.copy(databases.seeded)
    add_long_rows(url, tmp_path_factory.mktemp("rolling") / "long.csv", count=6_000)
    return url


def test_a_rolling_restart_behind_a_proxy_loses_no_request(database: str, tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    logs = [tmp_path / name for name in ("a.log", "b.log", "a-new.log", "b-new.log")]
    with (
        proxy(ports) as front,
        running_server(database, logs[0], port=ports[0]) as a,
        running_server(database, logs[1], port=ports[1]) as b,
    ):
        export_lines = httpx.get(a.url + EXPORT, timeout=30).text.count("\r\n")
        readers = Readers(front.url, export_lines)
        readers.start()
        try:
            time.sleep(1)
            stop(a)
            with running_server(database, logs[2], port=ports[0]):
                time.sleep(1)
                stop(b)
                with running_server(database, logs[3], port=ports[1]):
                    time.sleep(1)
                    readers.stop()
        finally:
            readers.stop()
    assert readers.failures == []
    assert all(answered(log) > 0 for log in logs), "an instance answered nothing"
    assert sum(answered(log) for log in logs) >= readers.answered
