import csv
import io

import orjson
from fastapi.testclient import TestClient


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_metrics_csv_has_a_row_per_metric_with_the_json_lists_counts(client: TestClient) -> None:
    listed = client.get("/v1/metrics").json()["data"]
    response = client.get("/v1/metrics", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="metrics.csv"' in response.headers["content-disposition"]
    rows = _csv(response.text)
    assert [row["code"] for row in rows] == [metric["code"] for metric in listed]
    assert listed, "the seed's metrics are not listed"
    for row, metric in zip(rows, listed, strict=True):
        assert int(row["observation_count"]) == metric["observation_count"]
        assert row["unit"] == metric["unit"]
        assert row["dimensions"].split() == metric["dimensions"]


def test_metrics_csv_is_also_chosen_by_the_accept_header(client: TestClient) -> None:
    response = client.get("/v1/metrics", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")


def test_metrics_ndjson_has_a_metric_per_line(client: TestClient) -> None:
    listed = client.get("/v1/metrics").json()["data"]
    response = client.get("/v1/metrics", params={"format": "ndjson"})
    assert [orjson.loads(line) for line in response.text.splitlines()] == listed


def test_metrics_refuse_an_unknown_format_by_name(client: TestClient) -> None:
    response = client.get("/v1/metrics", params={"format": "xlsx"})
    assert response.status_code == 400
    assert "format" in response.json()["detail"]
