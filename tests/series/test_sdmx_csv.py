"""GET /v1/series?format=sdmx-csv: the series' figures as SDMX-CSV 2.0, in its order, with
the values its JSON serves, in the columns GET /v1/observations gives them."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import table_contents
from tests.observations.sdmx_reading import (
    MEDIA_TYPE,
    assert_row_holds,
    breakdown_names,
    document_key,
    import_export,
    read_with_pysdmx,
    row_key,
    rows_by_key,
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
    ],
)
def test_series_sdmx_csv_holds_the_figures_of_its_json_in_order(
    client: TestClient, params: dict[str, str]
) -> None:
    served = client.get("/v1/series", params=params).json()["data"]
    response = client.get("/v1/series", params={**params, "format": "sdmx-csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["content-disposition"] == 'attachment; filename="series.sdmx.csv"'
    header = next(csv.reader(io.StringIO(response.text)))
    observations = client.get("/v1/observations", params={"format": "sdmx-csv", "limit": 1})
    assert header == next(csv.reader(io.StringIO(observations.text)))
    breakdowns = breakdown_names(client)
    frame = read_with_pysdmx(response.text)
    figures = _figures(served)
    assert figures
    assert [row_key(row, breakdowns) for row in frame.to_dict("records")] == [
        document_key(figure, breakdowns) for figure in figures
    ]
    rows = rows_by_key(frame, breakdowns)
    for figure in figures:
        assert_row_holds(rows[document_key(figure, breakdowns)], figure)


def test_series_answers_sdmx_csv_by_the_accept_header(client: TestClient) -> None:
    asked = client.get("/v1/series", params={**PAIR, "format": "sdmx-csv"})
    accepted = client.get("/v1/series", params=PAIR, headers={"Accept": MEDIA_TYPE})
    assert accepted.headers["content-type"] == MEDIA_TYPE
    assert accepted.content == asked.content
    assert accepted.headers["etag"] != client.get("/v1/series", params=PAIR).headers["etag"]


def test_a_series_with_no_figures_is_the_header_alone(client: TestClient) -> None:
    response = client.get(
        "/v1/series", params={**PAIR, "metric": "migrant_stock", "period_from": "2030"}
    )
    assert response.json()["data"] == []
    empty = client.get(
        "/v1/series",
        params={**PAIR, "metric": "migrant_stock", "period_from": "2030", "format": "sdmx-csv"},
    )
    assert empty.status_code == 200
    assert empty.text.count("\r\n") == 1
    assert empty.text.startswith("STRUCTURE,STRUCTURE_ID,ACTION,METRIC,")


def test_series_refuses_sdmx_csv_with_parameters_it_refuses_anyway(client: TestClient) -> None:
    response = client.get(
        "/v1/series", params={**PAIR, "format": "sdmx-csv", "parts": "true", "sector": "x"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_reimporting_a_series_export_changes_nothing(
    seeded_db_url: str, client_for, tmp_path: Path
) -> None:
    client = client_for(seeded_db_url)
    export = client.get("/v1/series", params={**PAIR, "parts": "true", "format": "sdmx-csv"})
    figures = _figures(client.get("/v1/series", params={**PAIR, "parts": "true"}).json()["data"])
    before = table_contents(seeded_db_url)
    report = import_export(seeded_db_url, export.content, tmp_path)
    assert not report.problems
    assert dict(report.counts["observations"]) == {"unchanged": len(figures)}
    assert table_contents(seeded_db_url) == before
