"""count=true on GET /v1/observations: the exact number the filter selects, in meta.total
and X-Total-Count, on every page and format; and the headers a browser dashboard reads."""

from typing import Any

import pytest
from fastapi.testclient import TestClient


def rows_of_everything(client: TestClient, params: dict[str, Any]) -> int:
    whole = client.get("/v1/observations", params={**params, "limit": "all", "format": "ndjson"})
    assert whole.status_code == 200, whole.text
    return len(whole.text.splitlines())


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"origin": "PRK", "destination": "RUS"},
        {"metric": "nationals_entered", "visa_type": "student"},
        {"basis": ["estimate", "projection"], "stated": "all"},
        {"include_retracted": "true"},
        {"as_of": "2100-01-01"},
        {"metric": "troops_deployed", "qualifier": "exact"},
        {"q": "intelligence"},
    ],
)
def test_count_true_gives_the_number_of_rows_a_whole_export_has(
    client: TestClient, params: dict[str, Any]
) -> None:
    expected = rows_of_everything(client, params)
    response = client.get("/v1/observations", params={**params, "count": "true", "limit": 2})
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["total"] == expected
    assert response.headers["x-total-count"] == str(expected)


def test_every_page_carries_the_same_total(client: TestClient) -> None:
    first = client.get("/v1/observations", params={"count": "true", "limit": 2}).json()
    second = client.get(first["links"]["next"]).json()
    assert second["meta"]["total"] == first["meta"]["total"]
    assert second["meta"]["returned"] == 2


@pytest.mark.parametrize("format_", ["csv", "ndjson"])
def test_count_true_on_a_csv_or_ndjson_page_is_the_x_total_count_header(
    client: TestClient, format_: str
) -> None:
    response = client.get(
        "/v1/observations", params={"count": "true", "limit": 1, "format": format_}
    )
    assert response.status_code == 200
    assert response.headers["x-total-count"] == str(rows_of_everything(client, {}))


def test_without_count_nothing_is_counted(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"limit": 2})
    assert "total" not in response.json()["meta"]
    assert "x-total-count" not in response.headers


def test_a_count_that_is_not_a_boolean_is_refused(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"count": "lots"})
    assert response.status_code in (400, 422)
    assert "count" in response.text


def test_browsers_may_read_the_headers_dashboards_need(client: TestClient) -> None:
    response = client.get(
        "/v1/observations",
        params={"count": "true", "limit": 1},
        headers={"Origin": "https://dashboard.example"},
    )
    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-total-count", "etag", "link", "last-modified", "retry-after"} <= exposed
    assert response.headers["x-total-count"]
    assert response.headers["link"]
