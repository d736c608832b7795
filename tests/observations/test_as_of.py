"""`as_of=DAY` answers with what the API held at the end of that UTC day."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.models import ObservationRevision, SourceRevision
from tests.conftest import Desk
from tests.factories import observation_fields, seeded_revision, today

DAY_1 = today() - timedelta(days=2)
DAY_2 = today() - timedelta(days=1)


def as_on(day) -> dict:
    return {"as_of": day.isoformat()}


def record_seed_on(desk: Desk, day) -> None:
    """Arrange: the seed was loaded on `day` (noon UTC), its corrections in the same moment
    (each superseded revision valid for no time at all)."""
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    for table in (ObservationRevision, SourceRevision):
        desk.session.execute(update(table).values(recorded_at=moment, updated_at=moment))
        desk.session.execute(
            update(table).where(table.superseded_at.is_not(None)).values(superseded_at=moment)
        )
    desk.session.commit()


def edit_on(desk: Desk, day, observation_id: int, revision: int, value: int) -> None:
    response = desk.client.patch(
        f"/v1/observations/{observation_id}",
        json={"value": value, "reason": "Correction.", "revision": revision},
        headers=desk.editor,
    )
    assert response.status_code == 200
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=23)
    desk.session.execute(
        update(ObservationRevision)
        .where(ObservationRevision.id == observation_id, ObservationRevision.revision == revision)
        .values(superseded_at=moment)
    )
    desk.session.execute(
        update(ObservationRevision)
        .where(
            ObservationRevision.id == observation_id, ObservationRevision.revision == revision + 1
        )
        .values(recorded_at=moment)
    )
    desk.session.commit()


def test_a_figure_edited_on_day_2_reads_old_on_day_1_and_new_from_day_2(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    edit_on(desk, DAY_2, 1, revision=seeded_revision("observation", 1), value=11000)
    read = desk.client.get
    assert read("/v1/observations/1", params=as_on(DAY_1)).json()["value"] == 10000
    assert read("/v1/observations/1", params=as_on(DAY_2)).json()["value"] == 11000
    assert read("/v1/observations/1", params=as_on(today())).json()["value"] == 11000
    assert read("/v1/observations/1").json()["value"] == 11000
    listed = read("/v1/observations", params={"metric": "workers_entered", **as_on(DAY_1)}).json()
    assert [o["value"] for o in listed["data"] if o["id"] == 1] == [10000]
    series = read(
        "/v1/series",
        params={"metric": "workers_entered", "origin": "PRK", "destination": "RUS", **as_on(DAY_1)},
    ).json()
    assert series["data"][0]["metrics"][0]["high"] == 10000


def test_an_observation_added_later_does_not_exist_as_of_earlier(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    added = desk.client.post(
        "/v1/observations", json=observation_fields(), headers=desk.editor
    ).json()
    assert (
        desk.client.get(f"/v1/observations/{added['id']}", params=as_on(DAY_1)).status_code == 404
    )
    ids = [o["id"] for o in desk.client.get("/v1/observations", params=as_on(DAY_1)).json()["data"]]
    seeded = [o["id"] for o in desk.client.get("/v1/observations").json()["data"]]
    assert ids == [i for i in seeded if i != added["id"]]
    ids_now = [
        o["id"] for o in desk.client.get("/v1/observations", params=as_on(today())).json()["data"]
    ]
    assert added["id"] in ids_now


def test_a_retraction_made_later_is_not_yet_applied_as_of_earlier(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    retracted = desk.client.post(
        "/v1/observations/2/retract",
        json={"reason": "Withdrawn.", "revision": seeded_revision("observation", 2)},
        headers=desk.editor,
    )
    assert retracted.status_code == 200
    earlier = desk.client.get("/v1/observations", params={"basis": "projection", **as_on(DAY_1)})
    assert [o["id"] for o in earlier.json()["data"]] == [2, 6]
    assert desk.client.get("/v1/observations/2", params=as_on(DAY_1)).json()["retracted"] is False
    now = desk.client.get("/v1/observations", params={"basis": "projection"})
    assert [o["id"] for o in now.json()["data"]] == [6]


def test_as_of_filters_by_breakdown_on_past_states_too(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    students = desk.client.get(
        "/v1/observations", params={"visa_type": "student", **as_on(DAY_1)}
    ).json()["data"]
    assert [o["id"] for o in students] == [4]


def test_as_of_before_anything_was_recorded_is_an_empty_list(desk: Desk) -> None:
    record_seed_on(desk, DAY_1)
    early = desk.client.get("/v1/observations", params={"as_of": "2000-01-01"}).json()
    assert early["data"] == []
