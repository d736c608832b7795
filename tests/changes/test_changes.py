"""The change feed: every write through the API, an import or a correction, once, in commit
order, pageable from a cursor or a moment; a write that commits late is not skipped, one
that rolls back is not fed; the same changes as Atom and JSON Feed."""

import json
import threading
import time
from pathlib import Path
from typing import Any

import feedparser
import jsonschema_rs
import pytest

from app.db import DataSession, create_db_engine
from app.observations import editing
from app.observations.schemas import ObservationCreate
from tests.conftest import Desk
from tests.factories import observation_fields

SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text("utf-8"))


def feed(desk: Desk, **params: Any) -> dict[str, Any]:
    response = desk.client.get("/v1/changes", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()


def follow(desk: Desk, since: str | None, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every change after `since`, a page of 3 at a time, as a dashboard follows the feed."""
    changes: list[dict[str, Any]] = []
    while True:
        page = feed(desk, limit=3, **({"since": since} if since else {}), **params)
        changes += page["data"]
        since = page["meta"]["resume_cursor"]
        if page["meta"]["next_cursor"] is None:
            return changes, since


def described(changes: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    return [(c["kind"], c["id"], c["revision"], c["action"]) for c in changes]


def test_a_follower_sees_each_write_once_in_the_order_it_was_made(desk: Desk) -> None:
    _, since = follow(desk, None)
    created = desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    new_id = created.json()["id"]
    desk.client.patch(
        f"/v1/observations/{new_id}",
        json={"value": 7100, "reason": "The analyst revised it.", "revision": 1},
        headers=desk.editor,
    )
    desk.client.post(
        f"/v1/observations/{new_id}/retract",
        json={"reason": "Withdrawn.", "revision": 2},
        headers=desk.editor,
    )
    changes, since = follow(desk, since)
    assert described(changes) == [
        ("observation", new_id, 1, "created"),
        ("observation", new_id, 2, "revised"),
        ("observation", new_id, 3, "retracted"),
    ]
    assert [c["reason"] for c in changes] == [None, "The analyst revised it.", "Withdrawn."]
    assert all(c["recorded_by"] == "newsdesk" for c in changes)
    assert changes[0]["data_version"] < changes[1]["data_version"] < changes[2]["data_version"]
    assert follow(desk, since)[0] == []  # nothing repeated


def test_every_seed_revision_is_in_the_feed_oldest_first(desk: Desk) -> None:
    changes, _ = follow(desk, None)
    keys = [(c["data_version"], c["kind"], c["id"], c["revision"]) for c in changes]
    assert len(keys) == len(set(keys))
    histories = {
        (kind, record["id"]): len(
            desk.client.get(f"/v1/{kind}s/{record['id']}/history").json()["data"]
        )
        for kind in ("source", "observation")
        for record in desk.client.get(f"/v1/{kind}s", params={"limit": 1000}).json()["data"]
    }
    fed = dict.fromkeys(histories, 0)
    for change in changes:
        if change["kind"] in ("source", "observation"):
            fed[(change["kind"], change["id"])] += 1
    assert fed == histories
    # Each metric of the catalog, created once.
    metrics = desk.client.get("/v1/metrics").json()["data"]
    created = [c["id"] for c in changes if c["kind"] == "metric" and c["action"] == "created"]
    assert sorted(created) == sorted(metric["code"] for metric in metrics)


def test_a_metric_created_or_changed_is_fed_with_a_link_to_it(desk: Desk) -> None:
    _, since = follow(desk, None)
    body = {
        "code": "remittances_usd",
        "name": "Remittances",
        "unit": "USD",
        "definition": "Money workers send home.",
        "kind": "flow",
    }
    created = desk.client.post("/v1/metrics", json=body, headers=desk.admin)
    assert created.status_code == 201, created.text
    changes, _ = follow(desk, since)
    assert described(changes) == [("metric", "remittances_usd", 1, "created")]
    assert desk.client.get(changes[0]["href"]).json()["name"] == "Remittances"
    assert changes[0]["recorded_by"] == "chief"
    assert follow(desk, since, kind="metric")[0] == changes
    assert follow(desk, since, origin="PRK")[0] == []  # a metric names no pair


def test_a_write_that_commits_late_is_fed_after_the_one_before_and_none_is_skipped(
    desk: Desk,
) -> None:
    _, since = follow(desk, None)
    engine = create_db_engine(desk.url, for_writes=True)  # as the API writes
    late = DataSession(engine)
    # The first writer changes a figure and holds its transaction open...
    revision = desk.client.get("/v1/observations/2").json()["revision"]
    editing.edit_observation(
        late, 2, {"value": 50001}, expected_revision=revision, actor="late", reason="Late."
    )
    finished = threading.Event()

    def second_writer() -> None:
        with DataSession(engine) as session:
            data = ObservationCreate.model_validate(observation_fields())
            editing.create_observation(session, data, actor="second")
            session.commit()
        finished.set()

    writer = threading.Thread(target=second_writer)
    writer.start()
    time.sleep(0.5)
    # ...a second one waits for it; a follower meanwhile sees neither.
    assert not finished.is_set()
    assert follow(desk, since)[0] == []
    late.commit()
    late.close()
    writer.join(timeout=30)
    assert finished.is_set()
    changes, _ = follow(desk, since)
    assert [(c["recorded_by"], c["action"]) for c in changes] == [
        ("late", "revised"),
        ("second", "created"),
    ]
    engine.dispose()


def test_a_write_rolled_back_is_not_fed(desk: Desk) -> None:
    _, since = follow(desk, None)
    engine = create_db_engine(desk.url, for_writes=True)
    with DataSession(engine) as session:
        data = ObservationCreate.model_validate(observation_fields())
        editing.create_observation(session, data, actor="undone")
        session.rollback()
    engine.dispose()
    assert follow(desk, since)[0] == []
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    assert [c["recorded_by"] for c in follow(desk, since)[0]] == ["newsdesk"]


def test_since_a_moment_starts_at_the_changes_recorded_from_then(desk: Desk) -> None:
    everything = feed(desk)["data"]
    assert feed(desk, since="2000-01-01")["data"] == everything
    moment = "2999-01-01T00:00:00Z"
    assert feed(desk, since=moment)["data"] == []
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    last = feed(desk)["data"][-1]
    assert feed(desk, since=last["recorded_at"])["data"] == [last]
    refused = desk.client.get("/v1/changes", params={"since": "yesterday"})
    assert refused.status_code == 400
    assert refused.json()["parameter"] == "since"


def test_a_pair_filter_feeds_that_pairs_changes_only(desk: Desk) -> None:
    _, since = follow(desk, None)
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    other = observation_fields(origin="NPL", destination="QAT")
    desk.client.post("/v1/observations", json=other, headers=desk.editor)
    pair = follow(desk, since, origin="NPL", destination="QAT")[0]
    assert len(pair) == 1
    observation = desk.client.get(pair[0]["href"]).json()
    assert (observation["origin"], observation["destination"]) == ("NPL", "QAT")


def test_the_atom_feed_reads_cleanly_and_names_each_change(desk: Desk) -> None:
    response = desk.client.get("/v1/changes", params={"format": "atom", "limit": 5})
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    changes = feed(desk, limit=5)["data"]
    assert [entry.link for entry in parsed.entries] == [
        "http://testserver" + change["href"] for change in changes
    ]
    assert parsed.feed.links[-1].rel == "next"


def test_the_json_feed_validates_against_the_specification(desk: Desk) -> None:
    response = desk.client.get(
        "/v1/changes", params={"format": "jsonfeed", "origin": "PRK", "limit": 4}
    )
    assert response.headers["content-type"].startswith("application/feed+json")
    document = response.json()
    jsonschema_rs.validate(SCHEMA, document)
    assert len(document["items"]) == 4
    assert document["next_url"].startswith("http://testserver/v1/changes?")


@pytest.mark.parametrize("bad", [{"kind": "token"}, {"limit": 0}, {"origin": "XXX"}])
def test_bad_parameters_are_a_400_naming_them(desk: Desk, bad: dict[str, Any]) -> None:
    refused = desk.client.get("/v1/changes", params=bad)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert next(iter(bad)) in refused.text


def test_a_feed_page_is_revalidated_by_its_etag_until_a_write(desk: Desk) -> None:
    first = desk.client.get("/v1/changes", params={"limit": 5})
    etag = first.headers["etag"]
    again = desk.client.get("/v1/changes", params={"limit": 5}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    after = desk.client.get("/v1/changes", params={"limit": 5}, headers={"If-None-Match": etag})
    assert after.status_code == 200


def test_the_resume_cursor_of_a_page_that_found_nothing_is_taken_back_as_since(
    desk: Desk,
) -> None:
    # From a moment with changes, none of them this pair's: the page is empty, and its
    # resume cursor stands just before that moment's first version.
    page = feed(desk, since="2000-01-01", origin="VNM", destination="RUS")
    assert page["data"] == []
    resumed = desk.client.get("/v1/changes", params={"since": page["meta"]["resume_cursor"]})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["data"] == feed(desk)["data"]
