"""From GET /v1 to the figures by following links: the countries and the pairs the figures
name, counted without retracted figures, as JSON and CSV."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from app.countries.schemas import CountryPublic, PairPublic
from app.domain.lists import ListResponse
from tests.conftest import Desk
from tests.factories import observation_fields

SEED_METRICS = [
    "days_off_per_year",
    "migrant_stock",  # the seed's UN DESA table
    "monthly_pay_usd",
    "nationals_entered",
    "shift_hours",
    "troops_deployed",
    "workers_assigned",
    "workers_entered",
]


def seed_observations(client: TestClient) -> list[dict]:
    return client.get("/v1/observations", params={"limit": 1000}).json()["data"]


def csv_rows(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


def retract(desk: Desk, observation_id: int, reason: str) -> None:
    response = desk.client.post(
        f"/v1/observations/{observation_id}/retract",
        json={"reason": reason},
        headers={
            **desk.editor,
            "If-Match": f'"observation-{observation_id}-r{revision(desk, observation_id)}"',
        },
    )
    assert response.status_code == 200, response.text


def revision(desk: Desk, observation_id: int) -> int:
    return desk.client.get(f"/v1/observations/{observation_id}").json()["revision"]


def test_the_seed_names_north_korea_as_origin_and_russia_as_destination(
    client: TestClient,
) -> None:
    figures = len(seed_observations(client))
    body = client.get("/v1/countries").json()
    assert body["meta"]["sort"] == "code"
    assert [
        (c["code"], c["name"], c["common_name"], c["as_origin"], c["as_destination"])
        for c in body["data"]
    ] == [
        ("PRK", "Korea, Democratic People's Republic of", "North Korea", figures, 0),
        ("RUS", "Russian Federation", None, 0, figures),
    ]


def test_the_seed_has_one_pair_with_every_metric_and_the_span_of_its_periods(
    client: TestClient,
) -> None:
    observations = seed_observations(client)
    [pair] = client.get("/v1/pairs").json()["data"]
    assert (pair["origin"], pair["destination"]) == ("PRK", "RUS")
    assert pair["origin_name"] == "Korea, Democratic People's Republic of"
    assert pair["destination_name"] == "Russian Federation"
    assert pair["metrics"] == sorted({o["metric"] for o in observations})
    assert pair["observation_count"] == len(observations)
    starts = [o["period_start"] for o in observations if o["period_start"]]
    ends = [o["period_end"] for o in observations if o["period_end"]]
    assert (pair["first_period_start"], pair["last_period_end"]) == (min(starts), max(ends))


def test_the_documented_examples_are_what_the_seed_serves(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [country_example] = schemas["CountryPublic"]["examples"]
    [pair_example] = schemas["PairPublic"]["examples"]
    assert client.get("/v1/countries").json()["data"][0] == country_example
    assert client.get("/v1/pairs").json()["data"][0] == pair_example
    assert pair_example["metrics"] == SEED_METRICS


@pytest.mark.parametrize(
    ("url", "model"),
    [("/v1/countries", ListResponse[CountryPublic]), ("/v1/pairs", ListResponse[PairPublic])],
)
def test_the_lists_match_their_documented_models(client: TestClient, url: str, model) -> None:
    body = client.get(url).json()
    assert model.model_validate(body).model_dump(mode="json") == body


def test_a_retracted_figure_leaves_the_counts(desk: Desk) -> None:
    before = desk.client.get("/v1/pairs").json()["data"][0]["observation_count"]
    retract(desk, 2, "The figure is withdrawn.")
    countries = {c["code"]: c for c in desk.client.get("/v1/countries").json()["data"]}
    assert countries["PRK"]["as_origin"] == before - 1
    assert countries["RUS"]["as_destination"] == before - 1
    [pair] = desk.client.get("/v1/pairs").json()["data"]
    assert pair["observation_count"] == before - 1


def test_a_country_named_only_by_retracted_figures_disappears(desk: Desk) -> None:
    created = desk.client.post(
        "/v1/observations", json=observation_fields(destination="CHN"), headers=desk.editor
    )
    assert created.status_code == 201, created.text
    codes = [c["code"] for c in desk.client.get("/v1/countries").json()["data"]]
    assert codes == ["CHN", "PRK", "RUS"]
    pairs = [(p["origin"], p["destination"]) for p in desk.client.get("/v1/pairs").json()["data"]]
    assert pairs == [("PRK", "CHN"), ("PRK", "RUS")]

    retract(desk, created.json()["id"], "Entered by mistake.")
    codes = [c["code"] for c in desk.client.get("/v1/countries").json()["data"]]
    assert codes == ["PRK", "RUS"]
    pairs = [(p["origin"], p["destination"]) for p in desk.client.get("/v1/pairs").json()["data"]]
    assert pairs == [("PRK", "RUS")]


def test_countries_as_csv_have_a_row_per_country_and_no_links(client: TestClient) -> None:
    figures = str(len(seed_observations(client)))
    rows = csv_rows(client, "/v1/countries")
    assert rows == [
        {
            "code": "PRK",
            "name": "Korea, Democratic People's Republic of",
            "common_name": "North Korea",
            "as_origin": figures,
            "as_destination": "0",
        },
        {
            "code": "RUS",
            "name": "Russian Federation",
            "common_name": "",
            "as_origin": "0",
            "as_destination": figures,
        },
    ]


def test_pairs_as_csv_have_the_metrics_space_separated(client: TestClient) -> None:
    [served] = client.get("/v1/pairs").json()["data"]
    [row] = csv_rows(client, "/v1/pairs")
    assert list(row) == [
        "origin",
        "origin_name",
        "destination",
        "destination_name",
        "metrics",
        "observation_count",
        "first_period_start",
        "last_period_end",
    ]
    assert row["metrics"].split(" ") == served["metrics"]
    assert row["observation_count"] == str(served["observation_count"])
    assert (row["origin"], row["destination"]) == ("PRK", "RUS")
    assert (row["first_period_start"], row["last_period_end"]) == (
        served["first_period_start"],
        served["last_period_end"],
    )


@pytest.mark.parametrize("url", ["/v1/countries", "/v1/pairs"])
def test_an_unknown_parameter_is_a_400_naming_it(client: TestClient, url: str) -> None:
    response = client.get(url, params={"origin": "PRK"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "origin" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/v1/countries", "/v1/pairs"])
def test_the_lists_are_cached_and_revalidated_like_the_others(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.headers["etag"]
    assert first.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_from_the_index_the_links_lead_to_the_figures(client: TestClient) -> None:
    index = client.get("/v1").json()["links"]
    countries = client.get(index["countries"]).json()["data"]
    assert countries, "the country list has no links to follow"
    for country in countries:
        sent = client.get(country["links"]["observations_from"]).json()["data"]
        received = client.get(country["links"]["observations_to"]).json()["data"]
        assert len(sent) == country["as_origin"]
        assert len(received) == country["as_destination"]
        assert {o["origin"] for o in sent} <= {country["code"]}
        assert {o["destination"] for o in received} <= {country["code"]}
    pairs = client.get(index["pairs"]).json()["data"]
    assert pairs, "the pair list has no links to follow"
    for pair in pairs:
        figures = client.get(pair["links"]["observations"]).json()["data"]
        assert len(figures) == pair["observation_count"]
        assert {(o["origin"], o["destination"]) for o in figures} == {
            (pair["origin"], pair["destination"])
        }
        series = client.get(pair["links"]["series"])
        assert series.status_code == 200, series.text
        # Totals for the whole destination (a series never mixes parts with wholes).
        series_ids = {
            o["id"]
            for period in series.json()["data"]
            for metric in period["metrics"]
            for o in metric["observations"]
        }
        assert series_ids
        assert series_ids <= {o["id"] for o in figures}
