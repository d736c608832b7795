"""GET /v1/events: the seed's event, filters by side (a side left empty concerns every
country there), as_of from revisions, CSV, paging and refused parameters."""

import base64
import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from app.domain.event import EVENT_EXAMPLE, SERVED_FIELDS
from app.models import EventRevision, SourceRevision
from tests.conftest import Desk
from tests.factories import seeded_revision, today

UN_BAN = "United Nations ban on the use of North Korean workers"
DAY_1 = today() - timedelta(days=2)
DAY_2 = today() - timedelta(days=1)

# The revision the seed leaves event 1 at (its corrections included).
SEEDED = seeded_revision("event", 1)


def add_event(desk: Desk, **fields: object) -> dict:
    body = {
        "occurred_on": "2024-06",
        "title": "A test event",
        "source_id": 1,
        "quote": "Russia is facing a massive worker shortage",
        **fields,
    }
    response = desk.client.post("/v1/events", json=body, headers=desk.editor)
    assert response.status_code == 201, response.text
    return response.json()


def titles(client: TestClient, **params: str) -> list[str]:
    response = client.get("/v1/events", params=params)
    assert response.status_code == 200, response.text
    return [event["title"] for event in response.json()["data"]]


def test_the_seed_event_is_listed_for_its_origin_and_any_destination(client: TestClient) -> None:
    body = client.get("/v1/events", params={"origin": "PRK", "destination": "RUS"}).json()
    assert [event["title"] for event in body["data"]] == [UN_BAN]
    assert list(body["data"][0]) == SERVED_FIELDS
    assert body["meta"]["sort"] == "occurred_on"
    assert set(body) == {"data", "meta", "links"}


def test_the_seed_event_is_served_as_the_openapi_example_shows_it(client: TestClient) -> None:
    served = client.get("/v1/events/1").json()
    volatile = {"updated_at"}
    assert {k: v for k, v in served.items() if k not in volatile} == {
        k: v for k, v in EVENT_EXAMPLE.items() if k not in volatile
    }
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["EventPublic"]["examples"]  # null fields left out
    assert example == {k: v for k, v in EVENT_EXAMPLE.items() if v is not None}


def test_an_event_naming_another_origin_is_not_listed_for_this_one(client: TestClient) -> None:
    assert titles(client, origin="RUS") == []
    assert titles(client, origin="prk") == [UN_BAN]  # codes are read in capitals


def test_an_event_naming_no_side_concerns_every_country_on_it(desk: Desk) -> None:
    add_event(desk, title="Everywhere", occurred_on="2020")
    add_event(desk, title="Into Russia", occurred_on="2021", destination="RUS")
    add_event(desk, title="From Uzbekistan", occurred_on="2022", origin="UZB")
    add_event(desk, title="Into China", occurred_on="2023", destination="CHN")
    assert titles(desk.client, origin="PRK", destination="RUS") == [
        UN_BAN,
        "Everywhere",
        "Into Russia",
    ]
    assert titles(desk.client, destination="CHN") == [UN_BAN, "Everywhere", "From Uzbekistan",
                                                      "Into China"]  # fmt: skip
    assert titles(desk.client, origin="UZB") == ["Everywhere", "Into Russia", "From Uzbekistan",
                                                 "Into China"]  # fmt: skip


def test_events_are_sorted_by_date_then_id_and_paged_with_a_cursor(desk: Desk) -> None:
    later = add_event(desk, title="Later", occurred_on="2019-12-22")
    earlier = add_event(desk, title="Earlier", occurred_on="2018")
    same_year = add_event(desk, title="Same year", occurred_on="2019")
    assert titles(desk.client) == ["Earlier", UN_BAN, "Same year", "Later"]
    first = desk.client.get("/v1/events", params={"limit": 2}).json()
    assert [e["id"] for e in first["data"]] == [earlier["id"], 1]
    rest = desk.client.get(
        "/v1/events", params={"limit": 2, "cursor": first["meta"]["next_cursor"]}
    ).json()
    assert [e["id"] for e in rest["data"]] == [same_year["id"], later["id"]]
    assert rest["meta"]["next_cursor"] is None


def test_the_list_as_csv_has_the_served_columns(client: TestClient) -> None:
    response = client.get("/v1/events", params={"format": "csv", "origin": "PRK"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == SERVED_FIELDS
    assert rows[0]["occurred_on"] == "2019"
    assert rows[0]["destination"] == ""
    assert rows[0]["retracted"] == "false"
    ndjson = client.get("/v1/events", params={"format": "ndjson"})
    assert ndjson.text.count("\n") == 1


def test_the_list_refuses_what_it_does_not_know(client: TestClient) -> None:
    cases = [
        ({"country": "PRK"}, "country"),
        ({"origin": "XXX"}, "origin"),
        ({"as_of": "2019"}, "as_of"),
        ({"cursor": "nonsense"}, "cursor"),
        ({"limit": "0"}, "limit"),
    ]
    for params, named in cases:
        response = client.get("/v1/events", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"
        assert named in response.json()["detail"], params


def record_seed_on(desk: Desk, day) -> None:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    for table in (EventRevision, SourceRevision):
        desk.session.execute(update(table).values(recorded_at=moment, updated_at=moment))
        desk.session.execute(
            update(table).where(table.superseded_at.is_not(None)).values(superseded_at=moment)
        )
    desk.session.commit()


def test_as_of_a_day_before_an_edit_lists_the_event_as_it_stood(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    response = desk.client.patch(
        "/v1/events/1",
        json={"occurred_on": "2019-12", "reason": "Dated to the month.", "revision": SEEDED},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    before = desk.client.get("/v1/events", params={"as_of": DAY_1.isoformat()}).json()["data"]
    now = desk.client.get("/v1/events", params={"as_of": today().isoformat()}).json()["data"]
    assert [(e["occurred_on"], e["revision"]) for e in before] == [("2019", SEEDED)]
    assert [(e["occurred_on"], e["revision"]) for e in now] == [("2019-12", SEEDED + 1)]
    assert before[0]["citation"].startswith(f"{UN_BAN}, 2019, in ")
    earlier = (DAY_1 - timedelta(days=1)).isoformat()
    assert desk.client.get("/v1/events", params={"as_of": earlier}).json()["data"] == []


def test_a_retracted_event_leaves_the_list_but_not_the_days_before(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    response = desk.client.request(
        "POST",
        "/v1/events/1/retract",
        json={"reason": "Withdrawn.", "revision": SEEDED},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert titles(desk.client) == []
    assert titles(desk.client, as_of=DAY_1.isoformat()) == [UN_BAN]


def test_a_cursor_whose_date_is_not_text_is_a_400_naming_cursor(client: TestClient) -> None:
    """Found by reading: a cursor is only base64 JSON, and a number where the date goes
    reached the query (PostgreSQL refuses to compare text with a number: a 500)."""
    for value in (2019, 20.5, None, True):
        raw = json.dumps(["occurred_on", value, 1]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = client.get("/v1/events", params={"cursor": cursor})
        assert response.status_code == 400, (value, response.text)
        assert response.json()["parameter"] == "cursor"
