"""GET /v1/observations?format=jsonstat: a JSON-stat 2.0 dataset that jsonstat-validator
accepts and pyjstat reads into the numbers `format=csv` gives, figure by figure; competing
figures for one cell side by side, each a category of `figure`."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.observations.jsonstat import NO_PERIOD, STATUS_MEANINGS
from tests.factories import add_observation, add_source_without_text
from tests.observations.jsonstat_reading import (
    assert_holds_the_csv_figures,
    cell_of,
    checked_dataset,
    csv_figures,
    pyjstat_values,
)

JSONSTAT = {"format": "jsonstat"}


def _assert_same_as_csv(client: TestClient, params: dict[str, str]) -> dict[str, Any]:
    dataset = checked_dataset(client.get("/v1/observations", params={**params, **JSONSTAT}))
    whole = {**params, "limit": "1000"}
    figures = csv_figures(client.get("/v1/observations", params={**whole, "format": "csv"}))
    served = client.get("/v1/observations", params=whole).json()["data"]
    assert_holds_the_csv_figures(dataset, figures, served)
    return dataset


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"metric": "migrant_stock"},
        {"basis": "estimate"},
        {"origin": "PRK", "destination": "RUS", "sort": "-value"},
        {"q": "laborers"},
        {"visa_type": "student"},
    ],
)
def test_pyjstat_reads_the_numbers_csv_gives_for_each_observation(
    client: TestClient, params: dict[str, str]
) -> None:
    _assert_same_as_csv(client, params)


def test_the_dataset_names_its_dimensions_and_says_what_its_statuses_mean(
    client: TestClient,
) -> None:
    dataset = _assert_same_as_csv(client, {})
    dimension = dataset["dimension"]
    metrics = {m["code"]: m for m in client.get("/v1/metrics").json()["data"]}
    countries = {c["code"]: c["name"] for c in client.get("/v1/countries").json()["data"]}
    metric = dimension["metric"]["category"]
    assert metric["label"] == {code: metrics[code]["name"] for code in metric["index"]}
    assert {code: unit["label"] for code, unit in metric["unit"].items()} == {
        code: metrics[code]["unit"] for code in metric["index"]
    }
    for side in ("origin", "destination"):
        category = dimension[side]["category"]
        assert category["label"] == {code: countries[code] for code in category["index"]}
    period = dimension["period"]["category"]
    assert period["index"][-1] == NO_PERIOD  # figures with no period, after every period
    assert period["label"][NO_PERIOD] == "no period given"
    assert period["label"]["2022-01-01/.."] == "since 2022"
    assert dataset["role"] == {
        "time": ["period"],
        "geo": ["origin", "destination"],
        "metric": ["metric"],
    }
    assert set(dataset["status"].values()) == {"official", "estimate", "projection"}
    assert set(dataset["extension"]["status"]) == {basis.value for basis in STATUS_MEANINGS}
    # A range given only by its bounds: its cell is there, with no number and its bounds.
    [range_only] = [
        key
        for key, figure in dataset["extension"]["figures"].items()
        if figure["qualifier"] == "range"
    ]
    assert dataset["value"][range_only] is None
    assert dataset["extension"]["figures"][range_only]["lower_bound"] == 100


def test_jsonstat_is_asked_for_by_format_only_and_is_served_as_json(client: TestClient) -> None:
    asked = client.get("/v1/observations", params=JSONSTAT)
    assert asked.headers["content-type"] == "application/json"
    plain = client.get("/v1/observations", headers={"Accept": "application/json"})
    assert plain.headers["content-type"] == "application/json"
    assert "data" in plain.json()
    assert "class" not in plain.json()
    assert asked.headers["etag"] != plain.headers["etag"]
    # A list that serves no figures has no JSON-stat either.
    refused = client.get("/v1/sources", params=JSONSTAT)
    assert refused.status_code == 400


def test_competing_figures_for_one_cell_stand_side_by_side(
    seeded_db_url: str, client_for, session_for
) -> None:
    with session_for(seeded_db_url) as session:
        source = add_source_without_text(session)
        for value, claimant, basis in [
            (12000, "Analysts in Seoul", "estimate"),
            (9000, "Ministry of Labour", "official"),
        ]:
            add_observation(
                session,
                period_start="2024-01-01",
                period_end="2024-12-31",
                value=value,
                attributed_to=claimant,
                basis=basis,
                source_id=source,
                quote=f"{value} workers",
            )
    client = client_for(seeded_db_url)
    params = {"metric": "workers_entered", "period_from": "2024", "period_to": "2024"}
    dataset = _assert_same_as_csv(client, params)
    cells: dict[tuple[str, ...], list[tuple[str, Any, str]]] = {}
    for key, value in dataset["value"].items():
        cell = cell_of(dataset, key)
        where = (cell["metric"], cell["origin"], cell["destination"], cell["period"])
        cells.setdefault(where, []).append((cell["figure"], value, dataset["status"][key]))
    figures = cells[("workers_entered", "PRK", "RUS", "2024")]
    assert len(figures) >= 3  # the seed's, and the two added: none merged, none picked
    assert len({figure for figure, _, _ in figures}) == len(figures)
    assert {(12000, "estimate"), (9000, "official")} <= {(v, s) for _, v, s in figures}
    read = pyjstat_values(dataset)
    assert sorted(number for _, numbers in read.values() for number in numbers) == sorted(
        float(value) for value in dataset["value"].values() if value is not None
    )


def test_an_empty_selection_is_an_empty_dataset(client: TestClient) -> None:
    dataset = checked_dataset(
        client.get("/v1/observations", params={**JSONSTAT, "metric": "entries"})
    )
    assert dataset["size"] == [0, 0, 0, 0, 0]
    assert dataset["value"] == {}
    assert dataset["extension"]["figures"] == {}


def test_a_selection_larger_than_the_limit_is_refused_rather_than_cut(
    client: TestClient,
) -> None:
    response = client.get("/v1/observations", params={**JSONSTAT, "limit": 3})
    assert response.status_code == 400
    problem = response.json()
    assert problem["parameter"] == "limit"
    assert "more than 3" in problem["detail"]
    # Without limit, as many as a page can hold: the whole seed.
    whole = checked_dataset(client.get("/v1/observations", params=JSONSTAT))
    total = client.get("/v1/observations", params={"count": "true"}).json()["meta"]["total"]
    assert len(whole["value"]) == total
    counted = client.get("/v1/observations", params={**JSONSTAT, "count": "true"})
    assert counted.headers["x-total-count"] == str(total)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({**JSONSTAT, "cursor": "WyJpZCIsMywzXQ"}, "cursor"),
        ({**JSONSTAT, "limit": "all"}, "limit"),
        ({**JSONSTAT, "fields": "id,value"}, "fields"),
        ({**JSONSTAT, "facet": "origin"}, "facet"),
        ({**JSONSTAT, "include_retracted": "true"}, "include_retracted"),
        ({"format": "json-stat"}, "format"),
    ],
)
def test_what_jsonstat_cannot_serve_is_a_problem_naming_the_parameter(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/v1/observations", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    named = problem.get("parameter") or [error["name"] for error in problem.get("errors", [])]
    assert parameter in named, problem
    assert problem["detail"]


def test_the_openapi_document_lists_jsonstat_as_a_format(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/observations", "/v1/series"):
        operation = paths[path]["get"]
        assert "JSON-stat" in operation["responses"]["200"]["description"]
        assert "jsonstat" in str(operation["parameters"]) or "jsonstat" in str(
            client.get("/openapi.json").json()["components"]
        )
