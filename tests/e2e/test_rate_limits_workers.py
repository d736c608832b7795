"""Rate limits on a real server with two worker processes: each enforces its share of a
budget (`laborstats serve` tells them how many they are), so however a client's connections
fall on the workers it never gets more than the budget, and at least a worker's share."""

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server

pytestmark = pytest.mark.e2e
WORKERS = 2
READS = 40
WRONG = {"Authorization": "Bearer ls_0123456789abcdef_not-the-secret-at-all"}
SOURCE = {"title": "A rate-limited source", "type": "testimony"}


@pytest.fixture(scope="module")
def limited_server(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    log_path = tmp_path_factory.mktemp("limits") / "server.log"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RATE_LIMIT_READS", str(READS))
        env.setenv("RATE_LIMIT_WINDOW_SECONDS", "600")  # nothing comes back during the test
        env.delenv("RATE_LIMIT_AUTH_FAILURES", raising=False)  # the default
        env.delenv("RATE_LIMIT_WORKERS", raising=False)  # set by `serve` from --workers
        with running_server(
            databases.copy(databases.seeded), log_path, "--workers", str(WORKERS)
        ) as started:
            yield started


def fresh_get(url: str, **headers: str) -> httpx.Response:
    """On a connection of its own, so that the kernel hands requests to every worker."""
    with httpx.Client(headers={**headers, "Connection": "close"}) as client:
        return client.get(url)


def test_reads_spread_over_workers_never_pass_the_budget(limited_server: Server) -> None:
    responses = [fresh_get(f"{limited_server.url}/v1/metrics") for _ in range(3 * READS)]
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) == {200, 429}, statuses
    assert READS // WORKERS <= statuses[200] <= READS, statuses
    assert {r.headers["ratelimit-policy"] for r in responses} == {
        f'"reads";q={READS // WORKERS};w=600'
    }
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["violated-policies"] == ["reads"]
    assert int(refused.headers["retry-after"]) >= 1
    assert fresh_get(f"{limited_server.url}/healthz").status_code == 200


def test_2000_wrong_tokens_meet_429_after_the_failed_authentication_budget(
    limited_server: Server,
) -> None:
    budget = 20  # RATE_LIMIT_AUTH_FAILURES's default, shared by the workers
    started = time.monotonic()
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=limited_server.url, headers=WRONG) as client:
        for _ in range(2000):
            statuses[client.post("/v1/sources", json=SOURCE).status_code] += 1
    seconds = time.monotonic() - started
    assert statuses[401] <= budget, statuses
    assert statuses[401] + statuses[429] == 2000, statuses
    print(f"2000 wrong tokens in {seconds:.1f} s: {dict(statuses)}")
