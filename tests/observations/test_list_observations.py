import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.dataset.files import OBSERVATION_COLUMNS as CORE_COLUMNS
from tests.factories import add_observation


def ids(client: TestClient, **params: object) -> list[int]:
    response = client.get("/v1/observations", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


# The seed's UN DESA table: official, exact figures of migrant stock, 1990 to 2019, each
# without a report date.
TABLE = [10, 11, 12, 13, 14, 15, 16]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6, 7, 8, 9, *TABLE]),
        ({"metric": "nationals_entered"}, [3, 4]),
        ({"metric": ["nationals_entered", "troops_deployed"]}, [3, 4, 5]),
        ({"metric": "nationals_entered", "visa_type": "student"}, [4]),
        ({"sector": "construction"}, [7, 8, 9]),
        ({"region": "RU-KRS"}, [6]),
        ({"origin": "prk", "destination": "RUS", "metric": "workers_entered"}, [1, 2]),
        ({"basis": "projection"}, [2, 6]),
        ({"basis": ["official", "projection"]}, [2, 6, *TABLE]),
        ({"qualifier": "at_least"}, [1]),
        ({"qualifier": ["range", "exact"]}, [2, 4, 7, 8, 9, *TABLE]),
        ({"source": 3}, [3, 4]),
        ({"source": [3, 4]}, [3, 4, 6]),
        ({"period_from": "2024", "period_to": "2024"}, [1, 3, 4, 5]),
        ({"period_from": "2023-06", "period_to": "2023-06-30"}, [5]),
        ({"period_to": "2021-12-31"}, TABLE),
        ({"period_to": "2000"}, [10, 11, 12]),
        # Observation 6 was reported "in June", with no year: no date bound places it.
        ({"reported_from": "2025-06-15"}, []),
        ({"reported_from": "2025-07"}, []),
        ({"reported_to": "2025"}, []),
        ({"reported_to": "2025-05-31"}, []),
        ({"origin": "UKR"}, []),
    ],
)
def test_each_filter_narrows_the_list(
    client: TestClient, params: dict, expected: list[int]
) -> None:
    assert ids(client, **params) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("id", [1, 2, 3, 4, 5, 6, 7, 8, 9, *TABLE]),
        ("-id", [*TABLE[::-1], 9, 8, 7, 6, 5, 4, 3, 2, 1]),
        ("period_start", [*TABLE, 5, 1, 3, 4, 2, 6, 7, 8, 9]),
        ("-period_start", [9, 8, 7, 6, 2, 4, 3, 1, 5, *TABLE[::-1]]),
        # 10,624 (2015), 10,621 (2019) and 10,425 (2010) above the official's 10,000.
        ("-value", [7, 2, 3, 5, 15, 16, 14, 1, 10, 13, 11, 12, 4, 6, 8, 9]),
        ("reported_on", [6, 1, 2, 3, 4, 5, 7, 8, 9, *TABLE]),
    ],
)
def test_sort_orders_by_the_column_with_empty_values_largest_and_ties_by_id(
    client: TestClient, sort: str, expected: list[int]
) -> None:
    assert ids(client, sort=sort) == expected


@pytest.mark.parametrize(
    "sort", ["id", "-id", "period_start", "-period_end", "value", "-reported_on"]
)
def test_following_cursors_visits_every_row_once_in_the_same_order(
    client: TestClient, sort: str
) -> None:
    everything = ids(client, sort=sort)
    seen, url, params = [], "/v1/observations", {"sort": sort, "limit": 2}
    while url:
        response = client.get(url, params=params)
        body = response.json()
        seen += [item["id"] for item in body["data"]]
        assert body["meta"]["returned"] == len(body["data"]) <= 2
        next_link = response.headers.get("link")
        assert (next_link is None) == (body["links"]["next"] is None)
        if next_link:
            assert next_link == f'<{body["links"]["next"]}>; rel="next"'
        url, params = body["links"]["next"], None
    assert seen == everything


def test_pages_stay_stable_when_rows_are_added_between_them(
    seeded_db_url: str, client_for, session_for
) -> None:
    client = client_for(seeded_db_url)
    first = client.get("/v1/observations", params={"sort": "period_start", "limit": 3}).json()
    with session_for(seeded_db_url) as session:
        add_observation(
            session, period_start="1980-01-01", period_end="1980-12-31"
        )  # before the page
        added_after = add_observation(
            session, period_start="2030-01-01", period_end="2030-12-31"
        ).id
    rest = []
    url = first["links"]["next"]
    while url:
        body = client.get(url).json()
        rest += [item["id"] for item in body["data"]]
        url = body["links"]["next"]
    first_ids = [item["id"] for item in first["data"]]
    assert not set(first_ids) & set(rest)
    assert set(first_ids) | set(rest) == set(range(1, 10)) | set(TABLE) | {added_after}


def test_list_answers_data_meta_and_links(client: TestClient) -> None:
    body = client.get("/v1/observations", params={"limit": 5}).json()
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"]["limit"] == 5
    assert body["meta"]["data_version"] >= 1
    assert body["meta"]["next_cursor"]
    assert set(body["data"][0]) == set(CORE_COLUMNS) | {"dimensions"}


def test_figures_are_served_as_written_without_a_trailing_decimal(client: TestClient) -> None:
    raw = client.get("/v1/observations/1").text
    assert '"value":10000,' in raw.replace(" ", "")


def test_csv_is_rfc4180_with_stable_columns_and_flattened_dimensions(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    # The header and a record per figure, CRLF-terminated (no quoted cell holds a break).
    assert response.text.count("\r\n") == 1 + 9 + len(TABLE)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [*CORE_COLUMNS, "sector", "visa_type"]
    student = next(row for row in rows if row["id"] == "4")
    assert (student["visa_type"], student["value"], student["part_of"]) == ("student", "8000", "3")
    assert next(row for row in rows if row["id"] == "7")["value"] == ""


def test_csv_and_ndjson_can_be_asked_for_with_the_accept_header(client: TestClient) -> None:
    as_csv = client.get("/v1/observations", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    as_ndjson = client.get("/v1/observations", headers={"Accept": "application/x-ndjson"})
    assert as_ndjson.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in as_ndjson.text.splitlines()]
    assert [line["id"] for line in lines] == [*range(1, 10), *TABLE]
    browser = client.get("/v1/observations", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["content-type"] == "application/json"


def test_csv_pages_carry_the_next_link_too(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"format": "csv", "limit": 4})
    assert 'rel="next"' in response.headers["link"]
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 4
