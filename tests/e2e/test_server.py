"""A client script's view: the real server, started by the CLI, queried over HTTP."""

import csv
import io

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_client_script_reads_json_csv_and_errors_from_the_running_server(server_url: str) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as client:
        index = client.get("/v1").json()
        assert index["data_version"] >= 1
        assert index["links"]["observations"] == "/v1/observations"

        page = client.get("/v1/observations", params={"metric": "nationals_entered"}).json()
        assert [o["value"] for o in page["data"]] == [13000, 8000]

        response = client.get("/v1/observations", params={"origin": "PRK", "format": "csv"})
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        listed = client.get("/v1/observations", params={"origin": "PRK", "limit": 1000}).json()
        assert [row["id"] for row in rows] == [str(o["id"]) for o in listed["data"]]
        assert len(rows) > 9  # the article's figures and the UN DESA table's

        problem = client.get("/v1/observations", params={"orgin": "PRK"})
        assert problem.status_code == 400
        assert problem.headers["content-type"] == "application/problem+json"
        assert "orgin" in problem.json()["detail"]


def test_cors_lets_a_dashboard_on_another_origin_read(server_url: str) -> None:
    response = httpx.get(
        f"{server_url}/v1/metrics", headers={"Origin": "https://dashboard.example"}, timeout=10
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_server_log_never_shows_a_token(server: Server) -> None:
    token = server.laborstats("token", "create", "--name", "logcheck", "--role", "editor").split()[
        -1
    ]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        client.post("/v1/sources", json={"title": "A test source", "type": "testimony"})
        client.post("/v1/sources", content=b"{broken", headers={"Content-Type": "application/json"})
        client.get("/v1/audit")
    log = server.log.read_text()
    assert "POST /v1/sources" in log
    assert token not in log
    assert token.rsplit("_", 1)[-1] not in log


def test_a_full_export_streams_in_chunks_with_its_row_count(server: Server) -> None:
    with httpx.stream(
        "GET", f"{server.url}/v1/observations?limit=all&format=csv", timeout=10
    ) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        body = b"".join(response.iter_bytes()).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == int(response.headers["x-total-count"])
