import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Databases

LABORSTATS = Path(sys.executable).parent / "laborstats"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `laborstats serve` process on a free port, over its own seeded database."""
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w+")
    env = {**os.environ, "DATABASE_URL": databases.copy(databases.seeded)}
    process = subprocess.Popen(
        [str(LABORSTATS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
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
                log.seek(0)
                pytest.fail(f"server did not start:\n{log.read()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
