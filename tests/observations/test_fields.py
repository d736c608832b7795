"""fields= on GET /v1/observations: each observation carries only the fields named, in
JSON, CSV and NDJSON, paged or whole, always in the served order."""

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain.observation import SERVED_FIELDS

CHOSEN = ["id", "metric", "value"]


def get(client: TestClient, **params: Any) -> Any:
    response = client.get("/v1/observations", params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    "fields",
    [["id", "metric", "value"], "id,metric,value", ["value,id", "metric"], " value , metric,id"],
)
def test_json_items_carry_the_fields_named_in_the_served_order(
    client: TestClient, fields: Any
) -> None:
    every = get(client).json()["data"]
    chosen = get(client, fields=fields).json()["data"]
    assert [list(item) for item in chosen] == [CHOSEN] * len(every)
    assert chosen == [{name: item[name] for name in CHOSEN} for item in every]


def test_ndjson_pages_and_whole_exports_carry_the_fields_named(client: TestClient) -> None:
    every = get(client).json()["data"]
    expected = [{name: item[name] for name in CHOSEN} for item in every]
    for params in ({"limit": 1000}, {"limit": "all"}):
        text = get(client, fields="value,metric,id", format="ndjson", **params).text
        assert [json.loads(line) for line in text.splitlines()] == expected


def csv_table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("limit", [1000, "all"])
def test_csv_has_a_column_for_each_field_named(client: TestClient, limit: Any) -> None:
    every = csv_table(get(client, format="csv").text)
    text = get(client, fields=["quote", "id", "value"], format="csv", limit=limit).text
    assert text.splitlines()[0] == "id,value,quote"
    assert csv_table(text) == [{k: row[k] for k in ("id", "value", "quote")} for row in every]


@pytest.mark.parametrize("limit", [1000, "all"])
def test_csv_dimensions_field_is_the_breakdown_columns(client: TestClient, limit: Any) -> None:
    every = csv_table(get(client, format="csv").text)
    text = get(client, fields="id,dimensions", format="csv", limit=limit).text
    assert text.splitlines()[0] == "id,sector,visa_type"
    assert csv_table(text) == [{k: row[k] for k in ("id", "sector", "visa_type")} for row in every]


def test_every_served_field_may_be_chosen(client: TestClient) -> None:
    every = get(client).json()["data"]
    assert get(client, fields=",".join(SERVED_FIELDS)).json()["data"] == every


def test_an_unknown_field_is_a_400_naming_it_and_the_fields_there_are(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"fields": "id,colour,value"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["parameter"] == "fields"
    assert problem["unknown"] == ["colour"]
    assert problem["allowed"] == list(SERVED_FIELDS)
    assert "colour" in problem["detail"]
    assert "quote_url" in problem["detail"]
    streamed = client.get(
        "/v1/observations", params={"fields": "colour", "limit": "all", "format": "csv"}
    )
    assert streamed.status_code == 400


def test_fields_make_a_representation_of_their_own_for_caches(client: TestClient) -> None:
    chosen = get(client, fields="id,value")
    every = get(client)
    assert chosen.headers["etag"] != every.headers["etag"]
    again = client.get(
        "/v1/observations",
        params={"fields": "id,value"},
        headers={"If-None-Match": chosen.headers["etag"]},
    )
    assert again.status_code == 304
    other = client.get(
        "/v1/observations",
        params={"fields": "id,metric"},
        headers={"If-None-Match": chosen.headers["etag"]},
    )
    assert other.status_code == 200
    assert list(other.json()["data"][0]) == ["id", "metric"]
