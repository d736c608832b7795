"""Stated or inferred: an observation (and a source) marks the values its source does not
state, each with its reason; the marks are served in JSON, CSV and every citation format,
kept in the history, imported back, and `stated=` leaves inferred values out."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from app.db import create_db_engine
from app.exports.service import export_database
from tests.conftest import Desk, load_folder
from tests.factories import observation_fields

PERIOD_REASON = "The source says 'last year' and gives no date of its own"
DESTINATION_REASON = "The source says 'to the region'; read as Russia"


def create(desk: Desk, **overrides: Any) -> dict[str, Any]:
    response = desk.client.post(
        "/v1/observations", json=observation_fields(**overrides), headers=desk.editor
    )
    assert response.status_code == 201, response.text
    return response.json()


def marked(desk: Desk) -> dict[str, Any]:
    return create(
        desk,
        attributed_to="An analyst who infers",
        inferred={"period": PERIOD_REASON, "destination": DESTINATION_REASON},
    )


def csv_records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_an_observation_serves_its_inferred_values_with_their_reasons(desk: Desk) -> None:
    created = marked(desk)
    assert created["inferred"] == {"destination": DESTINATION_REASON, "period": PERIOD_REASON}
    served = desk.client.get(f"/v1/observations/{created['id']}").json()
    assert served["inferred"] == created["inferred"]


def test_an_observation_that_marks_nothing_serves_an_empty_object(desk: Desk) -> None:
    created = create(desk)
    assert created["inferred"] == {}
    assert "Inferred" not in created["citation"]


def test_the_citation_names_each_inferred_value_with_its_reason(desk: Desk) -> None:
    created = marked(desk)
    assert created["citation"].endswith(
        f"Inferred, not stated: destination RUS ({DESTINATION_REASON}); "
        f"period 2023 ({PERIOD_REASON})."
    )
    formats = desk.client.get(f"/v1/observations/{created['id']}/citation").json()
    assert "period 2023 (" + PERIOD_REASON in formats["text"]
    assert "period 2023 (" + PERIOD_REASON in formats["csl"][0]["note"]
    assert "period 2023 (" + PERIOD_REASON in formats["ris"]
    # BibTeX escapes LaTeX's specials; the reason has none.
    assert "period 2023 (" + PERIOD_REASON in formats["bibtex"]


def test_csv_carries_the_marks_as_json_and_leaves_the_cell_empty_when_all_is_stated(
    desk: Desk,
) -> None:
    created = marked(desk)
    plain = create(desk, attributed_to="An analyst who states")
    text = desk.client.get("/v1/observations", params={"format": "csv", "limit": "all"}).text
    by_id = {record["id"]: record for record in csv_records(text)}
    assert by_id[str(created["id"])]["inferred"] == (
        f'{{"destination":"{DESTINATION_REASON}","period":"{PERIOD_REASON}"}}'
    )
    assert by_id[str(plain["id"])]["inferred"] == ""
    assert "Inferred, not stated: destination RUS" in by_id[str(created["id"])]["citation"]


def test_stated_leaves_out_observations_that_infer_the_value_named(desk: Desk) -> None:
    created = marked(desk)
    plain = create(desk, attributed_to="An analyst who states")

    def listed(**params: Any) -> set[int]:
        response = desk.client.get("/v1/observations", params={"limit": 1000, **params})
        assert response.status_code == 200, response.text
        return {document["id"] for document in response.json()["data"]}

    everything = listed()
    assert {created["id"], plain["id"]} <= everything
    assert created["id"] not in listed(stated="period")
    assert created["id"] not in listed(stated=["origin", "destination"])
    assert created["id"] in listed(stated="origin")
    assert plain["id"] in listed(stated="all")
    assert created["id"] not in listed(stated="all")
    for document in desk.client.get("/v1/observations", params={"stated": "all"}).json()["data"]:
        assert document["inferred"] == {}


def test_stated_naming_something_that_cannot_be_marked_is_a_400(desk: Desk) -> None:
    response = desk.client.get("/v1/observations", params={"stated": "quote"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "stated" in response.text


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"inferred": {"quote": "x"}}, "quote"),
        ({"inferred": {"region": "no region"}}, "region"),
        ({"inferred": {"reported_on": "no date"}}, "reported_on"),
        ({"period_start": None, "period_end": None, "inferred": {"period": "none"}}, "period"),
        ({"inferred": {"sector": "no such breakdown"}}, "sector"),
        ({"inferred": {"period": "   "}}, "period"),
        ({"inferred": {"period": ""}}, "inferred"),
        ({"inferred": ["period"]}, "inferred"),
        ({"inferred": "period"}, "inferred"),
    ],
)
def test_a_mark_without_a_value_or_a_reason_is_refused_naming_it(
    desk: Desk, overrides: dict[str, Any], named: str
) -> None:
    response = desk.client.post(
        "/v1/observations", json=observation_fields(**overrides), headers=desk.editor
    )
    assert response.status_code == 422, response.text
    assert named in response.text


def test_a_breakdown_may_be_marked_by_its_dimension(desk: Desk) -> None:
    created = create(
        desk,
        metric="shift_hours",
        value=18,
        dimensions={"sector": "construction"},
        inferred={"sector": "The sentence before speaks of building."},
    )
    assert "sector construction (The sentence before speaks of building)" in created["citation"]


def test_marking_a_value_is_an_edit_kept_in_the_history(desk: Desk) -> None:
    created = create(desk)
    etag = desk.client.get(f"/v1/observations/{created['id']}").headers["etag"]
    response = desk.client.patch(
        f"/v1/observations/{created['id']}",
        json={"reason": "The period is not in the source.", "inferred": {"period": PERIOD_REASON}},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    history = desk.client.get(f"/v1/observations/{created['id']}/history").json()["data"]
    marks = [revision["observation"]["inferred"] for revision in history]
    assert marks == [{}, {"period": PERIOD_REASON}]


def test_a_source_marks_its_inferred_values_too(desk: Desk, tmp_path: Path) -> None:
    body = {
        "title": "A report with no headline",
        "type": "news_report",
        "inferred": {"title": "A description: the report has no headline."},
    }
    response = desk.client.post("/v1/sources", json=body, headers=desk.editor)
    assert response.status_code == 201, response.text
    source = response.json()
    assert source["inferred"] == body["inferred"]
    refused = desk.client.post(
        "/v1/sources", json={**body, "inferred": {"publisher": "none given"}}, headers=desk.editor
    )
    assert refused.status_code == 422
    assert "publisher" in refused.text
    plain = desk.client.post(
        "/v1/sources", json={"title": "A headline", "type": "news_report"}, headers=desk.editor
    ).json()
    engine = create_db_engine(desk.url)
    try:
        export_database(engine, tmp_path)
    finally:
        engine.dispose()
    exported = csv_records((tmp_path / "sources.csv").read_text("utf-8"))
    by_id = {record["id"]: record for record in exported}
    assert by_id[str(source["id"])]["inferred"] == (
        '{"title":"A description: the report has no headline."}'
    )
    assert by_id[str(plain["id"])]["inferred"] == ""


def test_marks_survive_an_export_restored_into_an_empty_database(
    desk: Desk, empty_db_url: str, client_for, tmp_path: Path
) -> None:
    created = marked(desk)
    engine = create_db_engine(desk.url)
    try:
        export_database(engine, tmp_path)
    finally:
        engine.dispose()
    load_folder(empty_db_url, tmp_path, actor="restore")
    restored = client_for(empty_db_url).get(f"/v1/observations/{created['id']}").json()
    assert restored["inferred"] == created["inferred"]
    assert restored["citation"] == created["citation"]


def test_an_imported_csv_row_carries_its_marks_as_json(desk: Desk, tmp_path: Path) -> None:
    fields = observation_fields(attributed_to="An imported analyst")
    columns = [*fields, "inferred"]
    path = tmp_path / "observations.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns)
        writer.writeheader()
        writer.writerow({**fields, "inferred": '{"period": "Read from \\"last year\\"."}'})
        writer.writerow({**fields, "attributed_to": "Another analyst", "inferred": ""})
    response = desk.client.post(
        "/v1/imports",
        content=path.read_bytes(),
        headers={**desk.admin, "Content-Type": "text/csv"},
    )
    assert response.status_code in (200, 201), response.text
    listed = desk.client.get("/v1/observations", params={"limit": 1000}).json()["data"]
    marks = {d["attributed_to"]: d["inferred"] for d in listed}
    assert marks["An imported analyst"] == {"period": 'Read from "last year".'}
    assert marks["Another analyst"] == {}


def test_an_imported_cell_that_is_not_a_json_object_is_refused_naming_the_field(
    desk: Desk, tmp_path: Path
) -> None:
    fields = observation_fields(attributed_to="An imported analyst")
    path = tmp_path / "observations.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*fields, "inferred"])
        writer.writeheader()
        writer.writerow({**fields, "inferred": "period: last year"})
    response = desk.client.post(
        "/v1/imports",
        content=path.read_bytes(),
        headers={**desk.admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert "inferred" in response.text
