"""What an operator sees of each request: one access log line (route template, status,
duration, request id; never a token), an X-Request-ID on every response, and Prometheus
metrics by route template."""

import logging
import subprocess
import sys
import uuid

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.logs import JsonFormatter, TextFormatter
from app.main import create_app
from tests.conftest import Desk, make_client
from tests.factories import bearer

ACCESS = "laborstats.access"
SECRET = "ls_4f1c2a9e0b7d_query-string-secret-never-to-be-logged"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == ACCESS]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record the server wrote (not the test's own client's), in both formats."""
    records = [record for record in caplog.records if not record.name.startswith("httpx")]
    json_lines = [JsonFormatter().format(record) for record in records]
    text_lines = [TextFormatter().format(record) for record in records]
    return "\n".join(json_lines + text_lines)


def metric(client: TestClient, name: str, **labels: str) -> float:
    """The sum of the /metrics samples named `name` with these labels."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(client.get("/metrics").text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_each_request_is_one_access_line_with_its_route_template(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = client.get("/v1/observations/3", headers={"X-Request-ID": "trace-42"})
    [line] = access_lines(caplog)
    assert line["method"] == "GET"
    assert line["route"] == "/v1/observations/{observation_id}"
    assert line["path"] == "/v1/observations/3"
    assert line["status"] == 200
    assert 0 < line["duration_ms"] < 10_000
    assert line["bytes"] == int(response.headers["content-length"])  # as sent: gzipped
    assert line["client"] == "testclient"
    record = next(record for record in caplog.records if record.name == ACCESS)
    assert JsonFormatter().format(record).count("\n") == 0
    assert '"request_id":"trace-42"' in JsonFormatter().format(record)


def test_a_request_answered_before_routing_is_logged_under_its_route(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    page = "/v1/observations?metric=entries&limit=5"
    etag = client.get(page).headers["etag"]
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = client.get(page, headers={"If-None-Match": etag})
    assert response.status_code == 304
    [line] = access_lines(caplog)
    assert (line["route"], line["status"]) == ("/v1/observations", 304)
    assert line["path"] == "/v1/observations"  # never the query string


def test_every_response_carries_a_request_id_generated_when_none_is_sent(
    client: TestClient,
) -> None:
    page = "/v1/observations?metric=entries&limit=5"
    etag = client.get(page).headers["etag"]
    responses = [
        client.get("/healthz"),
        client.get("/v1/observations/999999"),  # a 404 problem
        client.get("/v1/observations?nonsense=1"),  # a 400 problem
        client.get("/no/such/path"),
        client.get(page, headers={"If-None-Match": etag}),  # a 304
    ]
    ids = [response.headers["x-request-id"] for response in responses]
    assert [r.status_code for r in responses] == [200, 404, 400, 404, 304]
    assert all(uuid.UUID(rid) for rid in ids)
    assert len(set(ids)) == len(ids)


def test_a_sane_request_id_is_kept(client: TestClient) -> None:
    for sent in (
        "0f8e2b1c-7d6a-4b3e-9c2d-1a0b9e8f7d6c",
        "Root=1-5759e988-bd862e3fe1be46a994272793",
    ):
        assert (
            client.get("/healthz", headers={"X-Request-ID": sent}).headers["x-request-id"] == sent
        )


@pytest.mark.parametrize(
    "sent",
    [
        "x" * 129,  # too long to keep
        "abc\r\nSet-Cookie: owned=1",  # header splitting
        'abc","status":200,"forged":"yes',  # a forged JSON field
        "<script>alert(1)</script>",
        "",
    ],
)
def test_a_request_id_that_is_not_sane_is_replaced(
    client: TestClient, caplog: pytest.LogCaptureFixture, sent: str
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = client.get("/healthz", headers=[("X-Request-ID", sent.encode("latin-1"))])
    replaced = response.headers["x-request-id"]
    assert uuid.UUID(replaced)
    assert "owned" not in response.headers.get("set-cookie", "")
    logged = everything_logged(caplog)
    assert replaced in logged
    assert "forged" not in logged
    assert "owned" not in logged


def test_a_crash_is_logged_as_a_500_with_the_request_id_it_answered_with(
    seeded_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(database_url=seeded_db_url, migrate_on_start=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the handler failed")

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.INFO),
    ):
        response = client.get("/boom", headers={"X-Request-ID": "crash-1"})
        assert metric(client, "laborstats_http_server_errors_total", kind="internal-error") == 1
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "crash-1"
    [line] = [line for line in access_lines(caplog) if line["path"] == "/boom"]
    assert (line["route"], line["status"]) == ("/boom", 500)
    # The traceback's line carries the same id: the two can be joined.
    [error] = [r for r in caplog.records if r.exc_info and r.name == "laborstats"]
    assert '"request_id":"crash-1"' in JsonFormatter().format(error)


def test_no_token_reaches_the_log(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    editor_secret = desk.editor["Authorization"].removeprefix("Bearer ")
    with caplog.at_level(logging.DEBUG):
        desk.client.post(
            "/v1/sources",
            json={"title": "A logged source", "type": "testimony"},
            headers=desk.editor,
        )
        desk.client.get(f"/v1/observations?token={SECRET}&access_token={SECRET}")
        desk.client.get(f"/healthz?api_key={SECRET}", headers=bearer(SECRET))
        desk.client.post(
            f"/v1/sources?token={SECRET}", json={"title": SECRET}, headers=bearer(SECRET)
        )
    assert len(access_lines(caplog)) == 4
    logged = everything_logged(caplog)
    assert editor_secret not in logged
    assert SECRET not in logged
    assert "authorization" not in logged.lower()


def test_the_cors_response_exposes_the_request_id_to_browsers(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://dashboard.example"})
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


def test_metrics_count_requests_by_route_template_never_by_path(seeded_db_url: str) -> None:
    with make_client(seeded_db_url) as client:
        for observation_id in (1, 2, 3, 999999):
            client.get(f"/v1/observations/{observation_id}")
        for path in ("/wp-login.php", "/v1/observations/1/nothing", "/.env"):
            client.get(path)
        route = "/v1/observations/{observation_id}"
        assert metric(client, "laborstats_http_requests_total", route=route, status="200") == 3
        assert metric(client, "laborstats_http_requests_total", route=route, status="404") == 1
        assert metric(client, "laborstats_http_requests_total", route="unmatched") == 3
        latency = "laborstats_http_request_duration_seconds_count"
        assert metric(client, latency, route=route, method="GET") == 4
        exposition = client.get("/metrics").text
    assert "wp-login" not in exposition
    assert "/v1/observations/1" not in exposition
    assert 'method="OTHER"' not in exposition


def test_database_errors_are_counted_by_problem_type(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/missing-folder/laborstats.db"
    with TestClient(create_app(Settings(database_url=url, migrate_on_start=False))) as client:
        assert client.get("/healthz").status_code == 503
        assert client.get("/v1/observations?limit=1").status_code == 503
        kind = "database-unavailable"
        assert metric(client, "laborstats_http_server_errors_total", kind=kind) == 2
        assert metric(client, "laborstats_http_requests_total", route="/v1/observations") == 1


def test_rate_limited_requests_are_counted_by_route_template(seeded_db_url: str) -> None:
    settings = Settings(database_url=seeded_db_url, migrate_on_start=False, rate_limit_reads=3)
    with TestClient(create_app(settings), client=("198.51.100.9", 50000)) as client:
        statuses = [client.get(f"/v1/observations/{n}").status_code for n in range(1, 6)]
        assert statuses == [200, 200, 200, 429, 429]
        # Refused before routing, counted under the route all the same.
        route = "/v1/observations/{observation_id}"
        assert metric(client, "laborstats_http_rate_limited_total", route=route) == 2
        assert metric(client, "laborstats_http_requests_total", route=route, status="429") == 2


def test_metrics_are_neither_cached_nor_in_the_public_openapi(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "cache-control" not in response.headers
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    assert client.get("/metrics?name=x").status_code == 400


def test_a_path_holding_a_newline_cannot_forge_a_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        client.get("/v1/sources/1%0A2026-11-30 INFO laborstats.access GET /forged 200")
    [record] = [record for record in caplog.records if record.name == ACCESS]
    for formatter in (JsonFormatter(), TextFormatter()):
        assert "\n" not in formatter.format(record)
    assert record.fields["route"] == "unmatched"


def test_the_cli_loads_prometheus_client_only_after_serve_points_it_at_its_directory() -> None:
    """prometheus_client picks per-process or multiprocess counting once, when imported:
    were the CLI to import it before `serve` sets PROMETHEUS_MULTIPROC_DIR, a single
    worker's /metrics would read an empty directory."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, app.cli; print('prometheus_client' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
