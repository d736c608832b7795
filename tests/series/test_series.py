import csv
import io

from fastapi.testclient import TestClient

from tests.factories import add_observation

PAIR = {"origin": "PRK", "destination": "RUS"}


def test_series_groups_by_period_with_every_estimate_and_its_low_and_high(
    seeded_db_url: str, client_for, session_for
) -> None:
    with session_for(seeded_db_url) as session:
        add_observation(
            session,
            period_start="2024-01-01",
            period_end="2024-12-31",
            value=15000,
            attributed_to="A second analyst",
        )
    client = client_for(seeded_db_url)
    body = client.get("/v1/series", params={"metric": "workers_entered", **PAIR}).json()
    [year_2024] = [p for p in body["data"] if p["period_label"] == "2024"]
    [workers] = year_2024["metrics"]
    assert [o["value"] for o in workers["observations"]] == [10000, 15000]
    assert (workers["low"], workers["high"]) == (10000, 15000)


def test_series_lists_periods_in_order_and_figures_without_a_period_last(
    client: TestClient,
) -> None:
    body = client.get(
        "/v1/series", params={"metric": ["troops_deployed", "workers_entered"], **PAIR}
    ).json()
    assert [p["period_label"] for p in body["data"]] == ["since 2022", "2024", "no period given"]
    assert [m["metric"] for m in body["data"][-1]["metrics"]] == ["workers_entered"]


def test_series_keeps_totals_apart_from_breakdowns_and_regions(client: TestClient) -> None:
    totals = client.get("/v1/series", params={"metric": "nationals_entered", **PAIR}).json()["data"]
    assert [o["id"] for o in totals[0]["metrics"][0]["observations"]] == [3]
    students = client.get(
        "/v1/series", params={"metric": "nationals_entered", "visa_type": "student", **PAIR}
    ).json()["data"]
    assert [o["id"] for o in students[0]["metrics"][0]["observations"]] == [4]
    kursk = client.get(
        "/v1/series", params={"metric": "workers_assigned", "region": "RU-KRS", **PAIR}
    ).json()["data"]
    assert [o["id"] for p in kursk for m in p["metrics"] for o in m["observations"]] == [6]


def test_series_range_low_and_high_come_from_its_bounds(client: TestClient) -> None:
    body = client.get(
        "/v1/series", params={"metric": "monthly_pay_usd", "sector": "construction", **PAIR}
    ).json()
    pay = body["data"][0]["metrics"][0]
    assert (pay["low"], pay["high"]) == (100, 200)


def test_series_csv_has_one_row_per_period_and_metric(client: TestClient) -> None:
    response = client.get(
        "/v1/series",
        params={"metric": ["workers_entered", "nationals_entered"], "format": "csv", **PAIR},
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["period_label"], r["metric"], r["observation_ids"]) for r in rows] == [
        ("2024", "workers_entered", "1"),
        ("2024", "nationals_entered", "3"),
        ("no period given", "workers_entered", "2"),
    ]


def test_series_ndjson_has_one_period_per_line(client: TestClient) -> None:
    response = client.get(
        "/v1/series",
        params={"metric": "nationals_entered", **PAIR},
        headers={"Accept": "application/x-ndjson"},
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    assert len(response.text.splitlines()) == 1
