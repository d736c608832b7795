"""Rate limits: reads per client address, writes per token, and a stricter budget for failed
authentication per address; 429 problem+json with Retry-After and the IETF draft's
RateLimit and RateLimit-Policy fields, on every limited response."""

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import DataSession
from app.main import create_app
from app.server.ratelimit import SWEEP_AT_LEAST, Budget
from tests.conftest import Databases
from tests.factories import bearer, make_token

SOURCE = {"title": "A rate-limited source", "type": "testimony"}
WRONG = bearer("ls_0123456789abcdef_not-the-secret-at-all-not-the-secret-at-all")
Limited = Callable[..., TestClient]


@pytest.fixture
def limited(databases: Databases) -> Iterator[Limited]:
    """A client of an app with the rate-limit settings given, on a seeded database of its own,
    seen as coming from `address`."""
    opened: list[TestClient] = []

    def open_client(address: str = "198.51.100.7", **settings: Any) -> TestClient:
        url = databases.copy(databases.seeded)
        app = create_app(Settings(database_url=url, migrate_on_start=False, **settings))
        client = TestClient(app, client=(address, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


def token_of(client: TestClient, name: str, role: str = "editor") -> dict[str, str]:
    with DataSession(client.app.state.write_engine) as session:
        return bearer(make_token(session, name, role))


def as_from(client: TestClient, address: str) -> TestClient:
    """Another client of the same app, from another address."""
    return TestClient(client.app, client=(address, 50000))


def policy(response: Any) -> str:
    return response.headers["ratelimit-policy"]


def remaining(response: Any) -> int:
    match = re.search(r";r=(\d+)", response.headers["ratelimit"])
    assert match, response.headers["ratelimit"]
    return int(match.group(1))


def test_200_wrong_tokens_in_a_row_meet_429_after_the_failed_authentication_budget(
    limited: Limited,
) -> None:
    client = limited()  # the defaults
    statuses = Counter(
        client.post("/v1/sources", json=SOURCE, headers=WRONG).status_code for _ in range(200)
    )
    assert statuses[429] > 0, statuses
    budget = Settings().rate_limit_auth_failures
    assert statuses == {401: budget, 429: 200 - budget}


def test_once_failed_authentication_is_spent_even_a_valid_token_gets_429_before_any_check(
    limited: Limited,
) -> None:
    client = limited(rate_limit_auth_failures=3)
    editor = token_of(client, "desk")
    for _ in range(3):
        assert client.post("/v1/sources", json=SOURCE, headers=WRONG).status_code == 401
    refused = client.post("/v1/sources", json=SOURCE, headers=editor)
    # The valid token was not looked at: nothing about it can be learnt from this address.
    assert refused.status_code == 429, refused.text
    assert refused.json()["violated-policies"] == ["auth-failures"]
    assert int(refused.headers["retry-after"]) >= 1
    assert '"auth-failures";q=3;w=600' in policy(refused)
    # Public reads without a token go on from that address; other addresses may still write.
    assert client.get("/v1/metrics").status_code == 200
    other = as_from(client, "198.51.100.8")
    assert other.post("/v1/sources", json=SOURCE, headers=editor).status_code == 201


def test_a_write_without_any_token_is_a_plain_401_and_spends_no_failed_authentication(
    limited: Limited,
) -> None:
    client = limited(rate_limit_auth_failures=2)
    for _ in range(5):
        assert client.post("/v1/sources", json=SOURCE).status_code == 401
    assert client.post("/v1/sources", json=SOURCE, headers=WRONG).status_code == 401


def test_reads_over_the_budget_get_429_problem_json_with_retry_after_and_ratelimit_fields(
    limited: Limited,
) -> None:
    client = limited(rate_limit_reads=3, rate_limit_window_seconds=60)
    answered = [client.get("/v1/observations?metric=entries") for _ in range(3)]
    assert [r.status_code for r in answered] == [200, 200, 200]
    assert [remaining(r) for r in answered] == [2, 1, 0]
    assert {policy(r) for r in answered} == {'"reads";q=3;w=60'}
    for response in answered:
        assert re.fullmatch(r'"reads";r=\d+;t=\d+', response.headers["ratelimit"])

    refused = client.get("/v1/observations?metric=entries")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "urn:laborstats:problem:quota-exceeded"
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    assert body["violated-policies"] == ["reads"]
    assert body["instance"] == "/v1/observations"
    assert "Retry-After" in body["detail"]
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert policy(refused) == '"reads";q=3;w=60'
    # The draft: Retry-After no earlier than the reset parameter.
    assert refused.headers["ratelimit"] == f'"reads";r=0;t={retry_after}'


def test_reads_are_counted_per_client_address_and_ipv6_per_64_network(limited: Limited) -> None:
    client = limited("2001:db8:1:2::1", rate_limit_reads=2)
    same_network = as_from(client, "2001:db8:1:2::99")
    other_network = as_from(client, "2001:db8:1:3::1")
    other_v4 = as_from(client, "192.0.2.1")
    assert client.get("/v1/metrics").status_code == 200
    assert same_network.get("/v1/metrics").status_code == 200
    assert client.get("/v1/metrics").status_code == 429
    assert same_network.get("/v1/metrics").status_code == 429
    assert other_network.get("/v1/metrics").status_code == 200
    assert other_v4.get("/v1/metrics").status_code == 200


def test_writes_are_counted_per_token_and_not_against_reads(limited: Limited) -> None:
    client = limited(rate_limit_writes=2, rate_limit_reads=100)
    first, second = token_of(client, "first"), token_of(client, "second")
    statuses = [client.post("/v1/sources", json=SOURCE, headers=first) for _ in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[0].headers["ratelimit-policy"] == '"writes";q=2;w=60'
    assert statuses[-1].json()["violated-policies"] == ["writes"]
    # Another token from the same address has its own budget; reads have theirs.
    assert client.post("/v1/sources", json=SOURCE, headers=second).status_code == 201
    read = client.get("/v1/metrics")
    assert read.status_code == 200
    assert remaining(read) == 99


def test_health_routes_are_never_limited(limited: Limited) -> None:
    client = limited(rate_limit_reads=1)
    assert client.get("/v1/metrics").status_code == 200
    assert client.get("/v1/metrics").status_code == 429
    for _ in range(20):
        health = client.get("/healthz")
        assert health.status_code == 200
        assert "ratelimit" not in health.headers
    for path in ("/readyz", "/metrics"):
        assert client.get(path).status_code != 429


def test_zero_switches_each_limit_off(limited: Limited) -> None:
    client = limited(rate_limit_reads=0, rate_limit_writes=0, rate_limit_auth_failures=0)
    editor = token_of(client, "desk")
    reads = [client.get("/v1/metrics") for _ in range(50)]
    assert {r.status_code for r in reads} == {200}
    assert not any("ratelimit" in r.headers or "ratelimit-policy" in r.headers for r in reads)
    wrong = {client.post("/v1/sources", json=SOURCE, headers=WRONG).status_code for _ in range(50)}
    assert wrong == {401}
    writes = {
        client.post("/v1/sources", json=SOURCE, headers=editor).status_code for _ in range(30)
    }
    assert writes == {201}


def test_a_spent_budget_is_back_after_retry_after(limited: Limited) -> None:
    client = limited(rate_limit_reads=2, rate_limit_window_seconds=1)
    assert client.get("/v1/metrics").status_code == 200
    assert client.get("/v1/metrics").status_code == 200
    refused = client.get("/v1/metrics")
    assert refused.status_code == 429
    time.sleep(int(refused.headers["retry-after"]))
    assert client.get("/v1/metrics").status_code == 200


def test_revalidations_answered_304_count_as_reads(limited: Limited) -> None:
    client = limited(rate_limit_reads=3)
    etag = client.get("/v1/metrics").headers["etag"]
    revalidated = client.get("/v1/metrics", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert remaining(revalidated) == 1
    assert client.get("/v1/metrics", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/v1/metrics", headers={"If-None-Match": etag}).status_code == 429


def test_browsers_may_read_the_rate_limit_fields_and_the_429s_carry_cors(
    limited: Limited,
) -> None:
    client = limited(rate_limit_reads=1)
    origin = {"Origin": "https://dashboard.example"}
    answered = client.get("/v1/metrics", headers=origin)
    exposed = {
        h.strip().lower() for h in answered.headers["access-control-expose-headers"].split(",")
    }
    assert {"ratelimit", "ratelimit-policy", "retry-after"} <= exposed
    refused = client.get("/v1/metrics", headers=origin)
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == "*"


def test_each_process_takes_its_share_of_a_budget_divided_by_the_worker_count(
    limited: Limited,
) -> None:
    client = limited(rate_limit_reads=10, rate_limit_workers=2)
    assert policy(client.get("/v1/metrics")) == '"reads";q=5;w=60'
    statuses = Counter(client.get("/v1/metrics").status_code for _ in range(9))
    assert statuses == {200: 4, 429: 5}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_authentications_let_in_together_are_each_paid_for() -> None:
    clock = Clock()
    budget = Budget("auth-failures", 3, 600, clock=clock)
    # Ten attempts in flight at once all pass the check before any has failed...
    assert all(budget.peek("198.51.100.7").allowed for _ in range(10))
    for _ in range(10):
        budget.charge("198.51.100.7")
    # ...and all ten are charged: the seven overdrawn, and one more, before the next attempt.
    refused = budget.peek("198.51.100.7")
    assert not refused.allowed
    assert refused.seconds == 8 * 200
    clock.now += 8 * 200 - 1
    assert not budget.peek("198.51.100.7").allowed
    clock.now += 1
    assert budget.peek("198.51.100.7").allowed


def test_a_budget_forgets_the_clients_whose_quota_is_whole_again() -> None:
    clock = Clock()
    budget = Budget("reads", 10, 60, clock=clock)
    for n in range(SWEEP_AT_LEAST):
        budget.take(f"client {n}")
    assert len(budget) == SWEEP_AT_LEAST
    clock.now += 60
    budget.take("one more")
    assert len(budget) == 1
