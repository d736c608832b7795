"""GET /v1/series?format=jsonstat: the series' figures as a JSON-stat 2.0 dataset, in its
order, that jsonstat-validator accepts and pyjstat reads into the numbers the series'
`format=csv` gives, figure by figure."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.observations.jsonstat_reading import (
    assert_holds_the_csv_figures,
    checked_dataset,
    csv_figures,
)

PAIR = {"origin": "PRK", "destination": "RUS"}


def _figures(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure of a series' JSON, in its order: totals, then parts."""
    return [
        figure
        for period in series
        for entry in period["metrics"]
        for figure in [*entry["observations"], *entry.get("parts", [])]
    ]


@pytest.mark.parametrize(
    "params",
    [
        PAIR,
        {**PAIR, "parts": "true"},
        {**PAIR, "metric": "nationals_entered", "visa_type": "student"},
        {**PAIR, "region": "RU-KRS"},
        {**PAIR, "metric": "migrant_stock", "period_from": "2000", "period_to": "2010"},
        {"metric": "migrant_stock"},  # the pair left to the data
    ],
)
def test_series_jsonstat_holds_the_figures_of_its_csv_in_its_order(
    client: TestClient, params: dict[str, str]
) -> None:
    served = _figures(client.get("/v1/series", params=params).json()["data"])
    dataset = checked_dataset(client.get("/v1/series", params={**params, "format": "jsonstat"}))
    figures = csv_figures(client.get("/v1/series", params={**params, "format": "csv"}))
    assert_holds_the_csv_figures(dataset, figures, served)
    assert dataset["dimension"]["figure"]["category"]["index"] == [
        str(figure["id"]) for figure in served
    ]
    assert dataset["label"] == "Series PRK to RUS"


def test_series_answers_jsonstat_by_format_only(client: TestClient) -> None:
    asked = client.get("/v1/series", params={**PAIR, "format": "jsonstat"})
    plain = client.get("/v1/series", params=PAIR, headers={"Accept": "application/json"})
    assert asked.headers["content-type"] == plain.headers["content-type"] == "application/json"
    assert "data" in plain.json()
    assert "class" not in plain.json()
    assert asked.headers["etag"] != plain.headers["etag"]


def test_a_series_with_no_figures_is_an_empty_dataset(client: TestClient) -> None:
    response = client.get(
        "/v1/series",
        params={**PAIR, "metric": "migrant_stock", "period_from": "2030", "format": "jsonstat"},
    )
    dataset = checked_dataset(response)
    assert dataset["size"] == [0, 0, 0, 0, 0]
    assert dataset["value"] == {}
