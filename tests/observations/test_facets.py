"""Facets on GET /v1/observations: counts per value for the current filter, each equal to
the list it links to, bounded in time. Expected numbers come from listing the same filter,
never from constants."""

import importlib.util
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.observations import facets as facets_module
from tests.conftest import ON_POSTGRES, Databases, Desk, load_folder

FACETS = ["metric", "origin", "destination", "region", "basis", "qualifier", "source"]
BREAKDOWNS = ["visa_type", "sector"]
# What each facet counts, in a served observation.
FIELD = {"source": "source_id"}


def listed(client: TestClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every observation the filter selects, read through the list itself."""
    response = client.get("/v1/observations", params={**params, "limit": "all", "format": "ndjson"})
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def expected_counts(documents: list[dict[str, Any]], name: str) -> Counter[Any]:
    if name in BREAKDOWNS:
        return Counter(d["dimensions"][name] for d in documents if name in d["dimensions"])
    return Counter(d[FIELD.get(name, name)] for d in documents)


def served_facets(client: TestClient, params: dict[str, Any], names: list[str]) -> dict:
    response = client.get("/v1/observations", params={**params, "facet": names, "limit": 1})
    assert response.status_code == 200, response.text
    return response.json()["meta"]["facets"]


def check_facets_match_lists(client: TestClient, params: dict[str, Any]) -> None:
    names = FACETS + BREAKDOWNS
    served = served_facets(client, params, names)
    documents = listed(client, params)
    assert list(served) == names
    for name in names:
        expected = expected_counts(documents, name)
        facet = served[name]
        counts = {entry["value"]: entry["count"] for entry in facet["values"]}
        assert facet["distinct"] == len(expected), name
        assert facet["truncated"] is (len(expected) > len(facet["values"])), name
        assert len(facet["values"]) == min(len(expected), facets_module.MAX_FACET_VALUES)
        for value, count in counts.items():
            assert expected[value] == count, (name, value)
        # The most frequent first, ties by value; nothing left out ranks above the last.
        order = [
            (-entry["count"], entry["value"] is None, entry["value"]) for entry in facet["values"]
        ]
        assert order == sorted(order), name
        if facet["values"]:
            assert all(
                n <= facet["values"][-1]["count"] for v, n in expected.items() if v not in counts
            )


SEED_FILTERS: list[dict[str, Any]] = [
    {},
    {"origin": "PRK"},
    {"basis": ["estimate", "projection"]},
    {"metric": "nationals_entered", "visa_type": "student"},
    {"sector": "construction"},
    {"stated": "all"},
    {"period_from": "2024", "period_to": "2024"},
    {"include_retracted": "true"},
    {"as_of": "2100-01-01"},
    {"as_of": "2100-01-01", "visa_type": "student"},
    {"metric": "troops_deployed", "qualifier": "exact"},  # may match nothing
    {"q": "intelligence"},  # full-text search narrows the facets as it does the list
    {"q": "construction", "origin": "PRK"},
]


@pytest.mark.parametrize("params", SEED_FILTERS)
def test_seed_facet_counts_equal_the_counts_of_the_filtered_list(
    client: TestClient, params: dict[str, Any]
) -> None:
    check_facets_match_lists(client, params)


def test_each_facet_value_links_to_the_list_narrowed_to_it(client: TestClient) -> None:
    params = {"basis": ["estimate", "projection"], "count": "true"}
    served = served_facets(client, params, FACETS + BREAKDOWNS)
    linked = [entry for facet in served.values() for entry in facet["values"] if entry["href"]]
    assert linked, "no facet value links anywhere to follow"
    for name, facet in served.items():
        for entry in facet["values"]:
            if entry["value"] is None:
                assert entry["href"] is None
                continue
            narrowed = client.get(entry["href"])
            assert narrowed.status_code == 200, entry["href"]
            assert narrowed.json()["meta"]["total"] == entry["count"], (name, entry)


def test_source_values_carry_the_title_and_metrics_their_name(client: TestClient) -> None:
    served = served_facets(client, {}, ["source", "metric"])
    sources = {s["id"]: s["title"] for s in client.get("/v1/sources").json()["data"]}
    assert served["source"]["values"], "the source facet has no values"
    for entry in served["source"]["values"]:
        assert entry["title"] == sources[entry["value"]]
    assert served["metric"]["values"], "the metric facet has no values"
    for entry in served["metric"]["values"]:
        assert entry["name"] == client.get(f"/v1/metrics/{entry['value']}").json()["name"]


def test_facets_leave_retracted_observations_out_unless_asked(desk: Desk) -> None:
    before = served_facets(desk.client, {}, ["metric"])["metric"]["values"]
    retracted = desk.client.get("/v1/observations/2").json()
    response = desk.client.post(
        "/v1/observations/2/retract",
        json={"reason": "Withdrawn.", "revision": retracted["revision"]},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    after = {
        e["value"]: e["count"]
        for e in served_facets(desk.client, {}, ["metric"])["metric"]["values"]
    }
    counts = {e["value"]: e["count"] for e in before}
    counts[retracted["metric"]] -= 1
    assert after == {value: n for value, n in counts.items() if n}
    check_facets_match_lists(desk.client, {})
    check_facets_match_lists(desk.client, {"include_retracted": "true"})
    everything = served_facets(desk.client, {"include_retracted": "true"}, ["metric"])
    assert {e["value"]: e["count"] for e in everything["metric"]["values"]} == {
        e["value"]: e["count"] for e in before
    }


def test_an_unknown_facet_is_a_400_naming_it_and_the_facets_there_are(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"facet": ["origin", "colour"]})
    assert response.status_code == 400
    problem = response.json()
    assert problem["parameter"] == "facet"
    assert problem["unknown"] == ["colour"]
    assert "colour" in problem["detail"]
    assert set(FACETS + BREAKDOWNS) <= set(problem["allowed"])
    for name in problem["allowed"]:
        assert name in problem["detail"]


@pytest.mark.parametrize("format_", ["csv", "ndjson"])
def test_facets_outside_json_are_a_400_saying_they_are_in_the_envelope(
    client: TestClient, format_: str
) -> None:
    response = client.get("/v1/observations", params={"facet": "origin", "format": format_})
    assert response.status_code == 400
    assert response.json()["parameter"] == "facet"
    assert "meta.facets" in response.json()["detail"]
    accepted = client.get(
        "/v1/observations", params={"facet": "origin"}, headers={"Accept": "text/csv"}
    )
    assert accepted.status_code == 400


def test_without_facet_the_envelope_has_no_facets(client: TestClient) -> None:
    meta = client.get("/v1/observations").json()["meta"]
    assert "facets" not in meta
    assert "total" not in meta


def test_facets_describe_the_whole_selection_on_every_page(client: TestClient) -> None:
    first = client.get("/v1/observations", params={"facet": "metric", "limit": 2}).json()
    second = client.get(first["links"]["next"]).json()
    assert second["meta"]["facets"] == first["meta"]["facets"]
    assert "cursor" not in first["meta"]["facets"]["metric"]["values"][0]["href"]


def _generate(folder: Path, rows: int) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate", PROJECT_ROOT / "bench" / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.write_dataset(rows, folder, revised_share=0)


@pytest.fixture(scope="module")
def generated_url(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The benchmark's synthetic data: 500 sources, 20 metrics, regions and breakdowns."""
    folder = tmp_path_factory.mktemp("generated-facets")
    _generate(folder, 3000)
    url = databases.copy(databases.migrated)
    load_folder(url, folder, actor="test")
    return url


def client_with(url: str, **settings: Any) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=url, migrate_on_start=False, **settings))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def generated(generated_url: str) -> Iterator[TestClient]:
    yield from client_with(generated_url)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"metric": "synthetic_metric_03"},
        {"basis": "estimate", "visa_type": "student"},
        {"period_from": "2015", "period_to": "2016"},
    ],
)
def test_generated_facet_counts_equal_the_counts_of_the_filtered_list(
    generated: TestClient, params: dict[str, Any]
) -> None:
    check_facets_match_lists(generated, params)


def test_a_facet_with_many_values_lists_the_most_frequent_and_says_how_many_there_are(
    generated: TestClient,
) -> None:
    facet = served_facets(generated, {}, ["source"])["source"]
    assert facet["truncated"] is True
    assert len(facet["values"]) == facets_module.MAX_FACET_VALUES
    assert facet["distinct"] > facets_module.MAX_FACET_VALUES
    assert facet["distinct"] == len(expected_counts(listed(generated, {}), "source"))


class SteppingClock:
    """A clock that reads 0 once (when the first facet sets its deadline), then 10 s for
    ever after: the first facet is past its deadline at its first progress check, and the
    next ones have all the time they need."""

    def __init__(self) -> None:
        self._readings = itertools.chain([0.0], itertools.repeat(10.0))

    def monotonic(self) -> float:
        return next(self._readings)


@pytest.fixture
def slow_facet(generated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A facet that runs out of time when asked first, reliably: on PostgreSQL, another
    transaction holds an exclusive lock on the breakdown rows, so the breakdown facet waits
    for it past its deadline; on SQLite (whose readers never wait for a lock), the clock
    jumps past the deadline at the statement's first progress check, which a facet over
    every row (source) reaches."""
    if not ON_POSTGRES:
        monkeypatch.setattr(facets_module, "time", SteppingClock())
        yield "source"
        return
    engine = create_engine(generated_url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("LOCK TABLE observation_dimension IN ACCESS EXCLUSIVE MODE"))
            yield "visa_type"
    finally:
        engine.dispose()


def test_a_facet_past_its_deadline_is_timed_out_and_the_rest_is_served(
    generated_url: str, slow_facet: str
) -> None:
    for test_client in client_with(generated_url, facet_timeout_ms=200):
        response = test_client.get(
            "/v1/observations",
            params={"facet": [slow_facet, "metric"], "count": "true", "limit": 5},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["meta"]["facets"][slow_facet] == {"timed_out": True}
        metric = body["meta"]["facets"]["metric"]
        assert sum(entry["count"] for entry in metric["values"]) == body["meta"]["total"]
        assert len(body["data"]) == 5


@pytest.mark.parametrize("params", [{}, {"origin": "PRK"}])
def test_counts_kept_for_a_data_version_are_counted_again_after_a_write(
    desk: Desk, params: dict[str, Any]
) -> None:
    """Totals and facets are kept per data version: asked twice they are the same, and a
    write (a new figure, then its retraction) is counted at once."""
    from tests.factories import observation_fields

    def counted() -> tuple[int, dict[str, int]]:
        response = desk.client.get(
            "/v1/observations", params={**params, "count": "true", "facet": "origin", "limit": 1}
        )
        meta = response.json()["meta"]
        return meta["total"], {e["value"]: e["count"] for e in meta["facets"]["origin"]["values"]}

    total, origins = counted()
    assert counted() == (total, origins)
    created = desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    assert counted() == (total + 1, {**origins, "PRK": origins.get("PRK", 0) + 1})
    desk.client.post(
        f"/v1/observations/{created.json()['id']}/retract",
        json={"reason": "Withdrawn.", "revision": 1},
        headers=desk.editor,
    )
    assert counted() == (total, origins)
