"""Each source says how many figures cite it directly, in the list as in its record, and
counts only the figures lists serve (a retracted one is left out)."""

from tests.conftest import Desk


def counts_in_list(desk: Desk) -> dict[int, int]:
    data = desk.client.get("/v1/sources", params={"limit": 1000}).json()["data"]
    return {source["id"]: source["observation_count"] for source in data}


def citing(desk: Desk, source_id: int) -> list[dict]:
    params = {"source": source_id, "limit": 1000}
    return desk.client.get("/v1/observations", params=params).json()["data"]


def test_the_source_list_serves_each_sources_count_as_its_record_does(desk: Desk) -> None:
    listed = counts_in_list(desk)
    assert len(listed) >= 2
    for source_id, count in listed.items():
        assert count == len(citing(desk, source_id)), source_id
        assert desk.client.get(f"/v1/sources/{source_id}").json()["observation_count"] == count
    assert sum(listed.values()) == len(
        desk.client.get("/v1/observations", params={"limit": 1000}).json()["data"]
    )


def test_a_retracted_observation_leaves_its_sources_count_in_list_and_record(
    desk: Desk,
) -> None:
    [first, *_] = citing(desk, 2)
    before = counts_in_list(desk)
    etag = desk.client.get(f"/v1/observations/{first['id']}").headers["etag"]
    response = desk.client.post(
        f"/v1/observations/{first['id']}/retract",
        json={"reason": "Withdrawn by its source."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    after = counts_in_list(desk)
    assert after == {**before, 2: before[2] - 1}
    assert desk.client.get("/v1/sources/2").json()["observation_count"] == before[2] - 1
