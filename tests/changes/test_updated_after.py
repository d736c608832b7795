"""`updated_after=` (SDMX's updatedAfter) on the lists of observations, sources and events:
what was added or revised after a moment, and with include_retracted=true what was
retracted; a consumer polling it keeps a copy equal to the whole list."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Desk
from tests.factories import observation_fields


def listed(desk: Desk, path: str = "/v1/observations", **params: Any) -> dict[int, dict[str, Any]]:
    response = desk.client.get(path, params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return {o["id"]: o for o in response.json()["data"]}


def test_a_consumer_polling_updated_after_keeps_a_copy_equal_to_the_list(desk: Desk) -> None:
    copy = listed(desk, include_retracted="true")
    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    created = desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    new_id = created.json()["id"]
    revision = desk.client.get("/v1/observations/2").json()["revision"]
    desk.client.patch(
        "/v1/observations/2",
        json={"value": 50001, "reason": "Revised.", "revision": revision},
        headers=desk.editor,
    )
    desk.client.post(
        f"/v1/observations/{new_id}/retract",
        json={"reason": "Withdrawn.", "revision": 1},
        headers=desk.editor,
    )
    changed = listed(desk, updated_after=since, include_retracted="true")
    assert set(changed) == {2, new_id}
    assert set(listed(desk, updated_after=since)) == {2}  # the retracted one left out
    copy.update(changed)
    assert copy == listed(desk, include_retracted="true")


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def test_sources_added_or_revised_after_a_moment_are_listed_alone(desk: Desk) -> None:
    copy = listed(desk, "/v1/sources")
    since = now()
    created = desk.client.post(
        "/v1/sources", json={"title": "A new report", "type": "news_report"}, headers=desk.editor
    )
    revised = desk.client.get("/v1/sources/2").json()
    desk.client.patch(
        "/v1/sources/2",
        json={"notes": "Checked.", "reason": "Checked.", "revision": revised["revision"]},
        headers=desk.editor,
    )
    changed = listed(desk, "/v1/sources", updated_after=since)
    assert set(changed) == {2, created.json()["id"]}
    copy.update(changed)
    assert copy == listed(desk, "/v1/sources")


def test_events_changed_after_a_moment_retractions_included_when_asked(desk: Desk) -> None:
    copy = listed(desk, "/v1/events", include_retracted="true")
    since = now()
    body = {
        "occurred_on": "2024-06",
        "title": "A test event",
        "source_id": 1,
        "quote": "Russia is facing a massive worker shortage",
    }
    kept = desk.client.post("/v1/events", json=body, headers=desk.editor).json()
    gone = desk.client.post("/v1/events", json=body, headers=desk.editor).json()
    desk.client.post(
        f"/v1/events/{gone['id']}/retract",
        json={"reason": "Withdrawn.", "revision": 1},
        headers=desk.editor,
    )
    assert set(listed(desk, "/v1/events", updated_after=since)) == {kept["id"]}
    changed = listed(desk, "/v1/events", updated_after=since, include_retracted="true")
    assert set(changed) == {kept["id"], gone["id"]}
    assert changed[gone["id"]]["retracted"] is True
    copy.update(changed)
    assert copy == listed(desk, "/v1/events", include_retracted="true")


@pytest.mark.parametrize("path", ["/v1/observations", "/v1/sources", "/v1/events"])
@pytest.mark.parametrize("moment", ["2026-12-07T12:00", "0.5", "1765000000", "soon"])
def test_a_moment_that_is_no_utc_moment_is_a_400_naming_updated_after(
    desk: Desk, path: str, moment: str
) -> None:
    """A moment without its zone, or a number (found by schemathesis: pydantic read '0.5' as
    seconds since 1970)."""
    refused = desk.client.get(path, params={"updated_after": moment})
    assert refused.status_code == 400
    assert [error["name"] for error in refused.json()["errors"]] == ["updated_after"]
