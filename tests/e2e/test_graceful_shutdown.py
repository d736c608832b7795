"""`laborstats serve` on SIGTERM, as a deploy stops it: it stops accepting connections,
lets the requests in flight finish (a streamed export included) for at most
SHUTDOWN_TIMEOUT_S, ends what is still running so that its client can tell, and exits 0."""

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, add_long_rows, running_server

pytestmark = pytest.mark.e2e
SHUTDOWN_TIMEOUT_S = 3
ROWS = 6_000  # 12 MB of CSV: more than the socket buffers between server and client hold
EXPORT = "/v1/observations?limit=all&format=csv"
IDENTITY = {"Accept-Encoding": "identity"}  # compressed, the CSV would fit in the buffers


@pytest.fixture(scope="module")
def large_database(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seed and ROWS long made-up observations."""
    url = databases.copy(databases.seeded)
    add_long_rows(url, tmp_path_factory.mktemp("graceful") / "large.csv", count=ROWS)
    return url


@pytest.fixture(params=["1", "2"], ids=["one worker", "two workers"])
def server(
    request: pytest.FixtureRequest, databases: Databases, large_database: str, tmp_path: Path
) -> Iterator[Server]:
    """A server of its own, to stop; SEND_TIMEOUT_S far beyond the shutdown timeout, so that
    only the shutdown can end a stalled client's export."""
    env = {"SHUTDOWN_TIMEOUT_S": str(SHUTDOWN_TIMEOUT_S), "SEND_TIMEOUT_S": "300"}
    url = databases.copy(large_database)
    with running_server(url, tmp_path / "server.log", "--workers", request.param, env=env) as s:
        yield s


def _exit_code(server: Server, *, within: float) -> int | None:
    try:
        return server.process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        return None


def _stops_listening(url: str, *, within: float) -> bool:
    """Whether new connections are refused within `within` seconds. Until then each new
    request is answered, or closed unanswered (one the kernel had queued when listening
    stopped), which its client sees at once: none is left waiting."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/healthz", timeout=2)
        except httpx.ConnectError:
            return True
        except (httpx.ReadError, httpx.RemoteProtocolError):
            pass
        time.sleep(0.1)
    return False


def test_a_stopped_server_finishes_the_export_in_flight_and_exits_0(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30, headers=IDENTITY) as http:
        expected = http.get(EXPORT).text.count("\r\n")
        with http.stream("GET", EXPORT) as response:
            chunks = response.iter_bytes()
            received = next(chunks)
            server.process.send_signal(signal.SIGTERM)
            assert _stops_listening(server.url, within=2), "still listening after SIGTERM"
            for chunk in chunks:
                received += chunk
    assert received.decode().count("\r\n") == expected  # every record, and the last one whole
    assert _exit_code(server, within=SHUTDOWN_TIMEOUT_S + 10) == 0, server.log.read_text()


def test_a_stalled_export_is_ended_detectably_within_the_shutdown_timeout(
    server: Server,
) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=30, headers=IDENTITY) as http,
        http.stream("GET", EXPORT) as response,
    ):
        chunks = response.iter_bytes()
        next(chunks)  # then reads nothing more while the server is stopped
        stopped = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = _exit_code(server, within=SHUTDOWN_TIMEOUT_S + 10)
        waited = time.monotonic() - stopped
        assert code == 0, server.log.read_text()
        assert waited < SHUTDOWN_TIMEOUT_S + 5, waited
        # The stream ends without its last chunk: the client knows it is cut short.
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in chunks:
                pass
