"""A real `laborstats serve` with two workers: every line it logs is JSON, one access line
per request, no token in any of them; /metrics adds up both workers' counts."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server

pytestmark = pytest.mark.e2e
WORKERS = 2
ROUNDS = 40
ROUTE = "/v1/observations/{observation_id}"
SECRET = "ls_0badc0ffee00_a-secret-in-a-query-string"


@pytest.fixture(scope="module")
def observed(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log_path = tmp_path_factory.mktemp("observed") / "server.log"
    with running_server(
        databases.copy(databases.seeded), log_path, "--workers", str(WORKERS)
    ) as started:
        yield started


def fresh_get(url: str, **headers: str) -> httpx.Response:
    """On a new connection, so that the kernel hands requests to either worker."""
    with httpx.Client(headers={**headers, "Connection": "close"}) as client:
        return client.get(url)


def logged(server: Server) -> list[dict]:
    time.sleep(0.2)  # the workers write their lines as they answer; let them land
    return [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]


def requests_counted(exposition: str, route: str, status: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "laborstats_http_requests_total"
        and (sample.labels["route"], sample.labels["status"]) == (route, status)
    )


def test_metrics_add_up_the_requests_of_every_worker(observed: Server) -> None:
    for _ in range(ROUNDS):
        assert fresh_get(f"{observed.url}/v1/observations/2").status_code == 200
    pids = {
        line["pid"]
        for line in logged(observed)
        if line.get("route") == ROUTE and line.get("path") == "/v1/observations/2"
    }
    assert len(pids) == WORKERS  # both served some
    for _ in range(6):  # whichever worker answers /metrics, it counts them all
        exposition = fresh_get(f"{observed.url}/metrics").text
        assert requests_counted(exposition, ROUTE, "200") == ROUNDS


def test_every_line_the_server_logs_is_json_with_one_access_line_per_request(
    observed: Server,
) -> None:
    response = fresh_get(f"{observed.url}/v1/sources/1", **{"X-Request-ID": "e2e-sources-1"})
    assert response.headers["x-request-id"] == "e2e-sources-1"
    lines = logged(observed)  # json.loads has read every line
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    [access] = [line for line in lines if line.get("request_id") == "e2e-sources-1"]
    assert access["logger"] == "laborstats.access"
    assert (access["route"], access["status"]) == ("/v1/sources/{source_id}", 200)
    assert access["duration_ms"] > 0
    assert not any(line["logger"] == "uvicorn.access" for line in lines)


def test_no_token_reaches_the_server_log(observed: Server) -> None:
    token = observed.laborstats("token", "create", "--name", "logged", "--role", "editor")
    secret = token.split()[-1]
    created = httpx.post(
        f"{observed.url}/v1/sources?token={SECRET}",
        json={"title": "Sent with a token", "type": "testimony"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert created.status_code in (201, 400)
    fresh_get(f"{observed.url}/v1/observations?access_token={SECRET}", Authorization="Bearer x")
    fresh_get(f"{observed.url}/healthz", Authorization=f"Bearer {SECRET}")
    text = observed.log.read_text()
    assert secret not in text
    assert SECRET not in text


def test_the_metrics_directory_is_fresh_per_run_and_removed_when_serve_stops(
    databases: Databases, tmp_path: Path
) -> None:
    with running_server(
        databases.copy(databases.seeded), tmp_path / "server.log", "--workers", str(WORKERS)
    ) as server:
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        environ = Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
        [variable] = [item for item in environ if item.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
        directory = Path(variable.split(b"=", 1)[1].decode())
        assert directory.is_dir()
        exposition = fresh_get(f"{server.url}/metrics").text
        assert requests_counted(exposition, ROUTE, "200") == 0  # nothing from another run
    assert not directory.exists()
