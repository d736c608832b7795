"""`limit=all` streams every match as CSV or NDJSON, with its row count up front."""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Desk
from tests.factories import add_observation


def test_limit_all_streams_every_match_as_csv_with_its_count(desk: Desk) -> None:
    for n in range(1, 1201):  # more than one page and more than one batch
        add_observation(desk.session, attributed_to=f"Analyst {n}", value=n)
    response = desk.client.get(
        "/v1/observations", params={"metric": "workers_entered", "limit": "all", "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == int(response.headers["x-total-count"]) == 1202  # and the seed's 1 and 2
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    assert "link" not in response.headers


def test_limit_all_keeps_the_sort_and_filters_as_ndjson(client: TestClient) -> None:
    response = client.get(
        "/v1/observations",
        params={"limit": "all", "sort": "-value", "basis": "estimate"},
        headers={"Accept": "application/x-ndjson"},
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [o["id"] for o in lines] == [7, 3, 5, 1, 4, 8, 9]
    assert response.headers["x-total-count"] == "7"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": "all"}, ["format=csv"]),
        ({"limit": "all", "format": "csv", "cursor": "WyJpZCIsMywzXQ"}, ["cursor"]),
        ({"limit": "everything"}, ["1 to 1000", "all"]),
        ({"limit": "0", "format": "csv"}, ["1 to 1000"]),
    ],
)
def test_limit_all_is_refused_where_it_cannot_stream(
    client: TestClient, params: dict, words: list[str]
) -> None:
    response = client.get("/v1/observations", params=params)
    assert response.status_code == 400
    for word in words:
        assert word in response.json()["detail"]


@pytest.mark.parametrize("form", ["csv", "ndjson"])
def test_a_whole_export_stopped_at_its_head_gives_back_its_place(
    client: TestClient, form: str
) -> None:
    """A HEAD ends at the headers, before the first batch is read: the export's read and
    its place must end with it, or a few HEADs leave every later export a 503."""
    export = {"limit": "all", "format": form}
    for _ in range(client.app.state.settings.exports_per_process + 2):
        assert client.head("/v1/observations", params=export).status_code == 200
    assert client.get("/v1/observations", params=export).status_code == 200
