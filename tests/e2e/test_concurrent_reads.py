"""Many readers and writers at once on the real server: more clients than pooled database
connections and worker threads never wait on each other for good. A request holds a
connection only while a thread works on it."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
# More than the pool holds (5 + 10 overflow) and far more than the worker threads.
CLIENTS = 40
REQUESTS_EACH = 15
READS = [
    "/v1/observations?metric=nationals_entered",
    "/v1/observations?format=csv",
    "/v1/observations/1",
    "/v1/series?metric=nationals_entered&origin=PRK&destination=RUS",
    "/v1/sources/2",
    "/v1/metrics",
    "/v1/observations?orgin=PRK",  # refused: still no connection held for long
]


def test_more_clients_than_pooled_connections_are_all_answered(server: Server) -> None:
    token = server.laborstats("token", "create", "--name", "crowd", "--role", "editor").split()[-1]
    source = {"title": "A crowded source", "type": "testimony"}

    def client(number: int) -> list[int]:
        statuses = []
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for attempt in range(REQUESTS_EACH):
                if number % 8 == 0 and attempt % 5 == 0:  # some writes among the reads
                    response = http.post("/v1/sources", json=source, headers=headers)
                else:
                    response = http.get(READS[(number + attempt) % len(READS)])
                statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = [s for answered in pool.map(client, range(CLIENTS)) for s in answered]
    assert len(statuses) == CLIENTS * REQUESTS_EACH
    assert set(statuses) <= {200, 201, 400}, sorted(set(statuses))
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
