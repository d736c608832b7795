"""Clients that stall on the real server, through raw sockets: whole exports that are never
read cannot take the database connections other requests need, and connections that never
finish a request head, or sit idle, are closed by timeouts."""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.db import DataSession, create_db_engine
from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server, write_made_up_entries
from tests.factories import add_source_without_text

pytestmark = pytest.mark.e2e
STALLED_EXPORTS = 20  # more than the pool's 5 + 10 connections
EXPORT = b"GET /v1/observations?limit=all&format=csv HTTP/1.1\r\nHost: test\r\n\r\n"
QUOTE_BYTES = 2_000
LARGE_ROWS = 3_000  # 6 MB of CSV in 3 batches: more than every buffer on the way holds
SEND_TIMEOUT_S = 3
HEADER_TIMEOUT_S = 2
BODY_TIMEOUT_S = 2


def _address(server: Server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _write_large_rows(path: Path, source_id: int) -> None:
    quote = "A long quote. " * (QUOTE_BYTES // 14)
    write_made_up_entries(
        path,
        count=LARGE_ROWS,
        source_id=source_id,
        row=lambda n: (2001, f"Long-winded analyst {n}", quote),
    )


@pytest.fixture(scope="module")
def export_server(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One worker (so every stalled client lands in one process and its one pool), a short
    send timeout, and observations large enough that an export fills every buffer."""
    folder = tmp_path_factory.mktemp("stalled")
    url = databases.copy(databases.seeded)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEND_TIMEOUT_S", str(SEND_TIMEOUT_S))
        patch.setenv("HEADER_TIMEOUT_S", str(HEADER_TIMEOUT_S))
        patch.setenv("BODY_TIMEOUT_S", str(BODY_TIMEOUT_S))
        patch.setenv("KEEP_ALIVE_TIMEOUT_S", str(HEADER_TIMEOUT_S))
        with running_server(url, folder / "server.log", "--workers", "1") as started:
            engine = create_db_engine(url)  # made-up quotes: a source without a text
            with DataSession(engine) as session:
                source_id = add_source_without_text(session)
            engine.dispose()
            _write_large_rows(folder / "large.csv", source_id)
            started.laborstats("import", str(folder / "large.csv"))
            yield started


def _start_stalled_export(address: tuple[str, int]) -> socket.socket:
    """Asks for a whole export and never reads a byte of it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address)
    sock.sendall(EXPORT)
    return sock


def _closed_by_server(sock: socket.socket, *, within: float) -> bool:
    """Reads (and drops) whatever comes until the server closes the connection."""
    sock.settimeout(within)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def test_stalled_whole_exports_leave_other_requests_answered(export_server: Server) -> None:
    stalled = [_start_stalled_export(_address(export_server)) for _ in range(STALLED_EXPORTS)]
    try:
        time.sleep(1)  # every export has filled its buffers by now
        for path in ("/v1/observations?limit=10", "/healthz", "/v1/sources/1"):
            started = time.monotonic()
            response = httpx.get(export_server.url + path, timeout=10)
            assert response.status_code == 200, (path, response.text)
            assert time.monotonic() - started < 2, path

        # The exports beyond the per-process bound were told to come back later.
        refused = httpx.get(
            export_server.url + "/v1/observations?limit=all&format=ndjson", timeout=10
        )
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0

        # A client that stops reading is cut off after the send timeout, which frees its
        # place: whole exports are served again.
        for sock in stalled:
            assert _closed_by_server(sock, within=SEND_TIMEOUT_S + 5)
    finally:
        for sock in stalled:
            sock.close()
    response = httpx.get(export_server.url + "/v1/observations?limit=all&format=csv", timeout=30)
    assert response.status_code == 200
    assert len(response.content) > LARGE_ROWS * QUOTE_BYTES


def test_idle_connections_and_slow_request_heads_are_closed(export_server: Server) -> None:
    address = _address(export_server)
    idle = [socket.create_connection(address) for _ in range(300)]
    slow = [socket.create_connection(address) for _ in range(5)]
    stop = threading.Event()

    def drip() -> None:  # slowloris: the request head a byte at a time, never finished
        head = b"GET /v1/observations HTTP/1.1\r\nHost: test\r\nX-Padding: " + b"a" * 1000
        for byte in head:
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.send(bytes([byte]))
            if stop.wait(0.2):
                return

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        started = time.monotonic()
        assert httpx.get(export_server.url + "/healthz", timeout=5).status_code == 200
        for sock in [*slow, *idle]:
            remaining = HEADER_TIMEOUT_S + 5 - (time.monotonic() - started)
            assert _closed_by_server(sock, within=max(remaining, 0.1))
        # A connection kept alive after a request is closed once idle, too.
        kept = socket.create_connection(address)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        assert _closed_by_server(kept, within=HEADER_TIMEOUT_S + 5)
        kept.close()
    finally:
        stop.set()
        for sock in [*idle, *slow]:
            sock.close()
    assert httpx.get(export_server.url + "/healthz", timeout=5).status_code == 200


def test_a_request_body_that_stops_arriving_is_closed(export_server: Server) -> None:
    """Slowloris on the body: a write whose body pauses longer than BODY_TIMEOUT_S."""
    token = export_server.laborstats("token", "create", "--name", "slow-body", "--role", "editor")
    sock = socket.create_connection(_address(export_server))
    try:
        sock.sendall(
            b"POST /v1/observations HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + token.strip().splitlines()[-1].encode() + b"\r\n"
            b'Content-Length: 1000\r\n\r\n{"metric": '
        )
        assert _closed_by_server(sock, within=BODY_TIMEOUT_S + 5)
    finally:
        sock.close()
    assert httpx.get(export_server.url + "/healthz", timeout=5).status_code == 200
