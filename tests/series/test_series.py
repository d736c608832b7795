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


def test_series_csv_has_one_row_per_figure_with_its_attribution(client: TestClient) -> None:
    response = client.get(
        "/v1/series",
        params={"metric": ["workers_entered", "nationals_entered"], "format": "csv", **PAIR},
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    listed = client.get(
        "/v1/observations",
        params={"metric": ["workers_entered", "nationals_entered"], "limit": 100, **PAIR},
    ).json()["data"]
    totals = {o["id"]: o for o in listed if not o["dimensions"] and o["region"] is None}
    assert sorted(int(row["id"]) for row in rows) == sorted(totals)
    assert rows, "the series CSV has no rows to check"
    for row in rows:
        figure = totals[int(row["id"])]
        assert row["attributed_to"] == figure["attributed_to"]
        assert row["source_id"] == str(figure["source_id"])
        assert row["period_label"] == figure["period_label"]
        assert row["qualifier"] == figure["qualifier"]
        assert row["citation"] == figure["citation"]


def test_series_csv_rows_carry_the_low_and_high_of_their_period_and_metric(
    seeded_db_url: str, client_for, session_for
) -> None:
    with session_for(seeded_db_url) as session:
        add_observation(session, period_start="2024-01-01", period_end="2024-12-31", value=15000)
    client = client_for(seeded_db_url)
    response = client.get(
        "/v1/series", params={"metric": "workers_entered", "format": "csv", **PAIR}
    )
    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["period_label"] == "2024"]
    assert sorted(float(r["value"]) for r in rows) == [10000, 15000]
    assert {(r["period_low"], r["period_high"], r["period_figures"]) for r in rows} == {
        ("10000", "15000", "2")
    }


def test_series_without_metric_gives_every_metric_the_pair_has(client: TestClient) -> None:
    body = client.get("/v1/series", params=PAIR).json()
    served = {m["metric"] for p in body["data"] for m in p["metrics"]}
    pair = next(
        p
        for p in client.get("/v1/pairs").json()["data"]
        if (p["origin"], p["destination"]) == ("PRK", "RUS")
    )
    totals = client.get("/v1/observations", params={"limit": 100, **PAIR}).json()["data"]
    assert served == {o["metric"] for o in totals if not o["dimensions"] and o["region"] is None}
    assert served <= set(pair["metrics"])


def test_series_without_a_pair_uses_the_only_pair_the_metric_has(client: TestClient) -> None:
    without = client.get("/v1/series", params={"metric": "workers_entered"})
    with_pair = client.get("/v1/series", params={"metric": "workers_entered", **PAIR})
    assert without.status_code == 200
    assert without.json()["data"] == with_pair.json()["data"]


def test_series_without_a_pair_is_a_400_listing_the_pairs_when_several_have_figures(
    seeded_db_url: str, client_for, session_for
) -> None:
    with session_for(seeded_db_url) as session:
        add_observation(session, metric="workers_entered", origin="PRK", destination="CHN")
    client = client_for(seeded_db_url)
    response = client.get("/v1/series", params={"metric": "workers_entered"})
    assert response.status_code == 400
    problem = response.json()
    assert "origin" in problem["detail"]
    assert "destination" in problem["detail"]
    assert "PRK-CHN" in problem["detail"]
    assert "PRK-RUS" in problem["detail"]
    narrowed = client.get("/v1/series", params={"metric": "workers_entered", "destination": "CHN"})
    assert narrowed.status_code == 200
    ids = [
        o["id"] for p in narrowed.json()["data"] for m in p["metrics"] for o in m["observations"]
    ]
    assert len(ids) == 1


def test_series_with_no_figure_at_all_is_an_empty_list(client: TestClient) -> None:
    response = client.get("/v1/series", params={"origin": "FRA", "destination": "DEU"})
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_series_ndjson_has_one_period_per_line(client: TestClient) -> None:
    response = client.get(
        "/v1/series",
        params={"metric": "nationals_entered", **PAIR},
        headers={"Accept": "application/x-ndjson"},
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    assert len(response.text.splitlines()) == 1
