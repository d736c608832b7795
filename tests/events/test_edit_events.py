"""Writing events: created, corrected and retracted with an editor's token, each a revision
with its reason in the history and the audit, each bumping the data version; a stale
revision or a quote its source does not hold changes nothing."""

import pytest

from tests.conftest import Desk
from tests.factories import seeded_revision

QUOTE = "Russia is facing a massive worker shortage"

# The revision the seed leaves event 1 at (its corrections included).
SEEDED = seeded_revision("event", 1)


def event_fields(**overrides: object) -> dict:
    return {
        "occurred_on": "2024-06",
        "title": "A test event",
        "origin": "PRK",
        "destination": "RUS",
        "source_id": 1,
        "quote": QUOTE,
        **overrides,
    }


def create(desk: Desk, **overrides: object) -> dict:
    response = desk.client.post("/v1/events", json=event_fields(**overrides), headers=desk.editor)
    assert response.status_code == 201, response.text
    return {**response.json(), "location": response.headers["location"]}


def test_an_editor_adds_an_event_read_back_at_its_location_with_an_etag(desk: Desk) -> None:
    before = desk.data_version()
    created = create(desk)
    assert created["location"] == f"/v1/events/{created['id']}"
    read = desk.client.get(created["location"])
    assert read.status_code == 200
    assert read.headers["etag"].startswith(f'"event-{created["id"]}-r1-')
    assert read.json()["citation"] == (
        "A test event, 2024-06, in [News report: North Korean laborers sent to work in Russia] "
        "(publisher not named, date not given)."
    )
    assert desk.data_version() == before + 1


def test_a_correction_with_the_etag_is_a_new_revision_and_a_stale_one_changes_nothing(
    desk: Desk,
) -> None:
    etag = desk.client.get("/v1/events/1").headers["etag"]
    edited = desk.client.patch(
        "/v1/events/1",
        json={"occurred_on": "2019-12", "reason": "Dated to the month."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["occurred_on"], edited.json()["revision"]) == ("2019-12", SEEDED + 1)
    assert edited.headers["etag"] != etag
    before, tables = desk.data_version(), desk.tables()
    stale_header = desk.client.patch(
        "/v1/events/1",
        json={"notes": "Lost?", "reason": "Stale."},
        headers={**desk.editor, "If-Match": etag},
    )
    stale_body = desk.client.patch(
        "/v1/events/1",
        json={"notes": "Lost?", "reason": "Stale.", "revision": SEEDED},
        headers=desk.editor,
    )
    unnamed = desk.client.patch(
        "/v1/events/1", json={"notes": "Lost?", "reason": "Blind."}, headers=desk.editor
    )
    assert (stale_header.status_code, stale_body.status_code, unnamed.status_code) == (
        412,
        409,
        428,
    )
    assert desk.data_version() == before
    assert desk.tables() == tables


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/v1/events", event_fields()),
        ("PATCH", "/v1/events/1", {"notes": "x", "reason": "y", "revision": SEEDED}),
        ("POST", "/v1/events/1/retract", {"reason": "y", "revision": SEEDED}),
    ],
)
def test_every_write_without_a_token_is_401_and_changes_nothing(
    desk: Desk, method: str, url: str, body: dict
) -> None:
    tables = desk.tables()
    response = desk.client.request(method, url, json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert desk.tables() == tables


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"quote": "The United Nations banned everything."}, "quote"),
        ({"source_id": 404}, "source_id"),
        ({"origin": "XXX"}, "origin"),
        ({"occurred_on": "--06"}, "occurred_on"),
        ({"occurred_on": "2019-13"}, "occurred_on"),
        ({"title": ""}, "title"),
        ({"destination": None, "inferred": {"destination": "Why?"}}, "destination"),
        ({"inferred": {"title": "A description."}}, "title"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_create_breaking_a_rule_is_422_naming_the_field_and_changes_nothing(
    desk: Desk, fields: dict, named: str
) -> None:
    before, tables = desk.data_version(), desk.tables()
    response = desk.client.post("/v1/events", json=event_fields(**fields), headers=desk.editor)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert named in response.text
    assert desk.data_version() == before
    assert desk.tables() == tables


def test_a_quote_not_in_the_sources_text_is_a_problem_naming_quote(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/events", json=event_fields(quote="Not in the article."), headers=desk.editor
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == "quote"
    assert "/v1/sources/1/text" in problem["detail"]
    edit = desk.client.patch(
        "/v1/events/1",
        json={"quote": "Not in the article.", "reason": "Shortened.", "revision": SEEDED},
        headers=desk.editor,
    )
    assert edit.status_code == 422
    assert edit.json()["field"] == "quote"


def test_a_source_text_edit_that_would_lose_an_events_quote_is_refused(desk: Desk) -> None:
    source = desk.client.post(
        "/v1/sources",
        json={"title": "A statement", "type": "official_statement", "text": "We ban it. Now."},
        headers=desk.editor,
    ).json()
    event = create(desk, source_id=source["id"], quote="We ban it.")
    response = desk.client.patch(
        f"/v1/sources/{source['id']}",
        json={"text": "We allow it.", "reason": "Retyped.", "revision": 1},
        headers=desk.editor,
    )
    assert response.status_code == 422
    assert f"event {event['id']}" in response.json()["detail"]


def test_an_inferred_value_is_said_in_the_citation(desk: Desk) -> None:
    created = create(
        desk, occurred_on="2024", inferred={"occurred_on": "The report says 'last year'."}
    )
    assert created["citation"].endswith(
        "Inferred, not stated: date 2024 (The report says 'last year')."
    )


def test_a_retraction_keeps_the_event_readable_with_why_and_refuses_later_edits(
    desk: Desk,
) -> None:
    etag = desk.client.get("/v1/events/1").headers["etag"]
    retracted = desk.client.request(
        "POST",
        "/v1/events/1/retract",
        json={"reason": "The source withdrew it."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert retracted.status_code == 200, retracted.text
    body = retracted.json()
    assert (body["retracted"], body["retraction_reason"], body["revision"]) == (
        True,
        "The source withdrew it.",
        SEEDED + 1,
    )
    assert body["retracted_at"].endswith("Z")
    assert desk.client.get("/v1/events/1").json()["retracted"] is True
    again = desk.client.post(
        "/v1/events/1/retract",
        json={"reason": "Again.", "revision": SEEDED + 1},
        headers=desk.editor,
    )
    edit = desk.client.patch(
        "/v1/events/1",
        json={"notes": "x", "reason": "y", "revision": SEEDED + 1},
        headers=desk.editor,
    )
    assert (again.status_code, edit.status_code) == (409, 409)
    without_reason = desk.client.post(
        "/v1/events/1/retract", json={"revision": SEEDED + 1}, headers=desk.editor
    )
    assert without_reason.status_code == 422


def test_the_history_lists_every_revision_with_its_reason_and_the_audit_every_write(
    desk: Desk,
) -> None:
    desk.client.patch(
        "/v1/events/1",
        json={"notes": "Only the year is given.", "reason": "Shorter notes.", "revision": SEEDED},
        headers=desk.editor,
    )
    desk.client.post(
        "/v1/events/1/retract",
        json={"reason": "Withdrawn.", "revision": SEEDED + 1},
        headers=desk.editor,
    )
    history = desk.client.get("/v1/events/1/history").json()["data"]
    written = [(r["revision"], r["action"], r["recorded_by"], r["reason"]) for r in history]
    assert written[0] == (1, "create", "seed", None)
    assert written[SEEDED:] == [
        (SEEDED + 1, "edit", "newsdesk", "Shorter notes."),
        (SEEDED + 2, "retract", "newsdesk", "Withdrawn."),
    ]
    assert history[0]["event"]["notes"].startswith("The report gives only the year")
    assert history[SEEDED]["event"]["notes"] == "Only the year is given."
    assert history[SEEDED + 1]["event"]["retracted"] is True
    entries = desk.client.get("/v1/audit", headers=desk.admin).json()["data"]
    assert [(e["action"], e["target"], e["reason"]) for e in entries[:2]] == [
        ("event.retract", "event/1", "Withdrawn."),
        ("event.edit", "event/1", "Shorter notes."),
    ]


def test_the_history_of_an_event_that_never_existed_is_a_404(desk: Desk) -> None:
    for url in ("/v1/events/999", "/v1/events/999/history"):
        response = desk.client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
