"""Several worker processes serve one database as one API: every process reads the data
version on each request, so after a write each of them answers with the new data, the
same ETags and the same 304s, and knows a metric created through another process."""

import os
from pathlib import Path

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server

pytestmark = pytest.mark.e2e
WORKERS = 2
# Fresh connections, so that the kernel hands requests to every worker.
ROUNDS = 30


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def fresh_get(url: str, **headers: str) -> httpx.Response:
    with httpx.Client(headers={**headers, "Connection": "close"}) as client:
        return client.get(url)


@pytest.fixture(scope="module")
def workers_server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Server:
    log_path = tmp_path_factory.mktemp("workers") / "server.log"
    with running_server(
        databases.copy(databases.seeded), log_path, "--workers", str(WORKERS)
    ) as started:
        yield started


def test_serve_starts_the_worker_processes_asked_for(workers_server: Server) -> None:
    commands = [Path(f"/proc/{pid}/cmdline").read_text() for pid in children(workers_server.pid)]
    assert sum("spawn_main" in command for command in commands) == WORKERS


def test_after_a_write_every_worker_serves_the_new_data_with_the_same_validators(
    workers_server: Server,
) -> None:
    server = workers_server
    token = server.laborstats("token", "create", "--name", "desk", "--role", "admin").split()[-1]
    admin = {"Authorization": f"Bearer {token}"}
    before = fresh_get(f"{server.url}/v1/observations?metric=entries")
    old_etag = before.headers["etag"]
    current = fresh_get(f"{server.url}/v1/observations/3")
    edited = httpx.patch(
        f"{server.url}/v1/observations/3",
        json={"notes": "Checked again.", "reason": "Workers test."},
        headers={**admin, "If-Match": current.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    metric = httpx.post(
        f"{server.url}/v1/metrics",
        json={
            "code": "visas_issued",
            "name": "Visas issued",
            "unit": "visas",
            "definition": "Work visas the destination issued to the origin's nationals.",
            "kind": "flow",
        },
        headers=admin,
    )
    assert metric.status_code == 201, metric.text

    record_etags, list_etags = set(), set()
    for _ in range(ROUNDS):
        record = fresh_get(f"{server.url}/v1/observations/3")
        assert record.json()["notes"] == "Checked again."
        record_etags.add(record.headers["etag"])
        listed = fresh_get(f"{server.url}/v1/observations?metric=entries")
        list_etags.add(listed.headers["etag"])
        assert fresh_get(f"{server.url}/v1/observations?metric=visas_issued").status_code == 200
        revalidated = fresh_get(
            f"{server.url}/v1/observations?metric=entries",
            **{"If-None-Match": listed.headers["etag"]},
        )
        assert revalidated.status_code == 304
        stale = fresh_get(
            f"{server.url}/v1/observations?metric=entries", **{"If-None-Match": old_etag}
        )
        assert stale.status_code == 200
    assert record_etags == {edited.headers["etag"]}
    assert len(list_etags) == 1
    assert list_etags != {old_etag}


def test_serve_runs_one_worker_per_usable_cpu_by_default(server: Server) -> None:
    cpus = len(os.sched_getaffinity(0))
    commands = [Path(f"/proc/{pid}/cmdline").read_text() for pid in children(server.pid)]
    # One worker runs inside the serving process itself.
    assert sum("spawn_main" in command for command in commands) == (cpus if cpus > 1 else 0)
