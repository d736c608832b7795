"""Edits never overwrite: each is a revision, named by its author and reason, and an edit
that does not name the current revision changes nothing."""

import pytest

from tests.conftest import Desk
from tests.factories import observation_fields, seeded_revision


def create(desk: Desk, **overrides: object) -> dict:
    response = desk.client.post(
        "/v1/observations", json=observation_fields(**overrides), headers=desk.editor
    )
    assert response.status_code == 201, response.text
    return response.json() | {
        "etag": response.headers["etag"],
        "location": response.headers["location"],
    }


def test_create_answers_201_with_location_etag_and_a_first_revision(desk: Desk) -> None:
    created = create(desk, metric="entries", dimensions={"visa_type": "work"}, value=2500)
    assert created["location"] == f"/v1/observations/{created['id']}"
    assert created["etag"].startswith(f'"observation-{created["id"]}-r1-')
    assert desk.client.get(created["location"]).json()["value"] == 2500
    [first] = desk.client.get(f"{created['location']}/history").json()["data"]
    assert (first["revision"], first["action"], first["recorded_by"]) == (1, "create", "newsdesk")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"metric": "migrants"}, ["migrants", "workers_entered"]),
        ({"origin": "XXX"}, ["origin", "XXX"]),
        ({"source_id": 404}, ["source_id", "404"]),
        ({"region": "UA-30"}, ["region", "UA-30", "RUS"]),
        ({"qualifier": "range"}, ["lower_bound"]),
        ({"quote": ""}, ["quote"]),
        ({"surprise": 1}, ["surprise"]),
        ({"metric": "nationals_entered", "part_of": 3, "value": 14000}, ["larger than its whole"]),
    ],
)
def test_a_create_breaking_a_rule_is_422_naming_it_and_changes_nothing(
    desk: Desk, fields: dict, words: list[str]
) -> None:
    before, tables = desk.data_version(), desk.tables()
    response = desk.client.post(
        "/v1/observations", json=observation_fields(**fields), headers=desk.editor
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    for word in words:
        assert word in response.json()["detail"], response.json()["detail"]
    assert desk.data_version() == before
    assert desk.tables() == tables


def test_a_body_over_one_mebibyte_is_413_and_changes_nothing(desk: Desk) -> None:
    before, tables = desk.data_version(), desk.tables()
    huge = observation_fields(quote="x" * (1024 * 1024))
    response = desk.client.post("/v1/observations", json=huge, headers=desk.editor)
    assert response.status_code == 413
    assert desk.data_version() == before
    assert desk.tables() == tables


def test_a_body_that_is_not_json_is_415(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/observations",
        content="metric=entries",
        headers={**desk.editor, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415


def test_an_edit_with_the_current_etag_becomes_the_next_revision(desk: Desk) -> None:
    etag = desk.client.get("/v1/observations/1").headers["etag"]
    response = desk.client.patch(
        "/v1/observations/1",
        json={"value": 11000, "reason": "The BBC's article says 11,000."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200
    seeded = seeded_revision("observation", 1)  # the seed's corrections: notes, inferred marks
    assert response.headers["etag"].startswith(f'"observation-1-r{seeded + 1}-')
    body = response.json()
    assert (body["value"], body["lower_bound"], body["revision"]) == (11000, 11000, seeded + 1)
    history = desk.client.get("/v1/observations/1/history").json()["data"]
    assert [(h["revision"], h["action"], h["observation"]["value"]) for h in history] == [
        (1, "create", 10000),
        *((revision, "edit", 10000) for revision in range(2, seeded + 1)),
        (seeded + 1, "edit", 11000),
    ]
    assert history[seeded]["reason"] == "The BBC's article says 11,000."


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"If-Match": '"observation-1-r0"'}, {}, 412),
        ({"If-Match": '"observation-2-r1"'}, {}, 412),
        ({"If-Match": "*"}, {}, 412),
        ({}, {"revision": 7}, 409),
        ({}, {}, 428),
    ],
)
def test_an_edit_not_naming_the_current_revision_is_refused_and_changes_nothing(
    desk: Desk, headers: dict, body: dict, status: int
) -> None:
    before, tables = desk.client.get("/v1/observations/1").json(), desk.tables()
    response = desk.client.patch(
        "/v1/observations/1",
        json={"value": 1, "reason": "try", **body},
        headers={**desk.editor, **headers},
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert desk.client.get("/v1/observations/1").json() == before
    assert desk.tables() == tables


def test_an_edit_needs_a_reason(desk: Desk) -> None:
    response = desk.client.patch(
        "/v1/observations/1", json={"value": 1, "revision": 1}, headers=desk.editor
    )
    assert response.status_code == 422
    assert "reason" in response.json()["detail"]


def test_an_edit_of_the_period_derives_a_new_label(desk: Desk) -> None:
    response = desk.client.patch(
        "/v1/observations/1",
        json={
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "reason": "Misread year.",
            "revision": seeded_revision("observation", 1),
        },
        headers=desk.editor,
    )
    assert response.json()["period_label"] == "2023"


def test_a_retracted_observation_leaves_lists_but_stays_readable_with_its_reason(
    desk: Desk,
) -> None:
    response = desk.client.post(
        "/v1/observations/2/retract",
        json={"reason": "The official withdrew the projection."},
        headers={
            **desk.editor,
            "If-Match": f'"observation-2-r{seeded_revision("observation", 2)}"',
        },
    )
    assert response.status_code == 200
    listed = [o["id"] for o in desk.client.get("/v1/observations").json()["data"]]
    assert 2 not in listed
    everything = desk.client.get("/v1/observations", params={"include_retracted": "true"})
    assert 2 in [o["id"] for o in everything.json()["data"]]
    retracted = desk.client.get("/v1/observations/2").json()
    assert retracted["retracted"] is True
    assert retracted["retraction_reason"] == "The official withdrew the projection."
    again = desk.client.post(
        "/v1/observations/2/retract",
        json={"reason": "again", "revision": seeded_revision("observation", 2) + 1},
        headers=desk.editor,
    )
    assert again.status_code == 409
    edit = desk.client.patch(
        "/v1/observations/2",
        json={"value": 1, "reason": "x", "revision": seeded_revision("observation", 2) + 1},
        headers=desk.editor,
    )
    assert edit.status_code == 409


def test_a_source_is_corrected_with_its_etag(desk: Desk) -> None:
    etag = desk.client.get("/v1/sources/2").headers["etag"]
    response = desk.client.patch(
        "/v1/sources/2",
        json={"published_on": "2025-06", "reason": "Dated from the BBC's site."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200
    assert response.json()["published_on"] == "2025-06"
    stale = desk.client.patch(
        "/v1/sources/2",
        json={"notes": "x", "reason": "y"},
        headers={**desk.editor, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert "(BBC, 2025-06)" in desk.client.get("/v1/observations/1").json()["citation"]


def test_a_new_source_answers_201_and_can_be_cited(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/sources",
        json={
            "title": "Labour migration statistics",
            "publisher": "Rosstat",
            "type": "government_statistics",
        },
        headers=desk.editor,
    )
    assert response.status_code == 201
    source_id = response.json()["id"]
    created = create(desk, source_id=source_id, attributed_to="Rosstat")
    assert '"Labour migration statistics" (Rosstat, date not given)' in created["citation"]


def test_an_admin_defines_a_metric_once(desk: Desk) -> None:
    metric = {
        "code": "remittances_usd",
        "name": "Remittances",
        "unit": "USD",
        "definition": "d",
        "kind": "flow",
    }
    assert desk.client.post("/v1/metrics", json=metric, headers=desk.admin).status_code == 201
    assert desk.client.post("/v1/metrics", json=metric, headers=desk.admin).status_code == 409
    assert desk.client.get("/v1/metrics/remittances_usd").json()["unit"] == "USD"


def test_the_audit_lists_every_write_with_token_action_and_target(desk: Desk) -> None:
    created = create(desk)
    desk.client.patch(
        f"/v1/observations/{created['id']}",
        json={"value": 7100, "reason": "Rounded wrongly.", "revision": 1},
        headers=desk.editor,
    )
    entries = desk.client.get("/v1/audit", headers=desk.admin).json()["data"]
    recent = [(e["actor"], e["action"], e["target"], e["reason"]) for e in entries[:2]]
    assert recent == [
        ("newsdesk", "observation.edit", f"observation/{created['id']}", "Rounded wrongly."),
        ("newsdesk", "observation.create", f"observation/{created['id']}", None),
    ]
