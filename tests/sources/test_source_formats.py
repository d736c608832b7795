import csv
import io

import orjson
from fastapi.testclient import TestClient


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_sources_csv_has_a_row_per_source_with_its_count_and_description(
    client: TestClient,
) -> None:
    listed = client.get("/v1/sources").json()["data"]
    response = client.get("/v1/sources", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="sources.csv"' in response.headers["content-disposition"]
    rows = _csv(response.text)
    assert [int(row["id"]) for row in rows] == [source["id"] for source in listed]
    assert listed, "the seed's sources are not listed"
    for row, source in zip(rows, listed, strict=True):
        assert int(row["observation_count"]) == source["observation_count"]
        assert row["title"] == source["title"]
        assert row["description"] == source["description"]


def test_sources_csv_pages_follow_the_link_header(client: TestClient) -> None:
    everything = [s["id"] for s in client.get("/v1/sources").json()["data"]]
    seen: list[int] = []
    url: str | None = "/v1/sources?format=csv&limit=1"
    while url:
        response = client.get(url)
        seen += [int(row["id"]) for row in _csv(response.text)]
        url = response.links.get("next", {}).get("url")
    assert seen == everything


def test_sources_ndjson_has_a_source_per_line(client: TestClient) -> None:
    listed = client.get("/v1/sources").json()["data"]
    response = client.get("/v1/sources", params={"format": "ndjson"})
    assert [orjson.loads(line) for line in response.text.splitlines()] == listed
