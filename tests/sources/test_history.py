"""GET /v1/sources/{id}/history: every revision of a source, as for observations."""

from fastapi.testclient import TestClient

from tests.conftest import Desk


def test_a_source_edit_is_a_new_revision_listed_with_its_reason(desk: Desk) -> None:
    etag = desk.client.get("/v1/sources/2").headers["etag"]
    response = desk.client.patch(
        "/v1/sources/2",
        json={"published_on": "2025", "reason": "The BBC dated its probe."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    history = desk.client.get("/v1/sources/2/history").json()["data"]
    assert [(r["revision"], r["action"], r["source"]["published_on"]) for r in history] == [
        (1, "create", None),
        (2, "edit", None),  # the seed's correction: its title marked a description
        (3, "edit", "2025"),
    ]
    assert history[-1]["reason"] == "The BBC dated its probe."
    assert history[-1]["recorded_by"] == "newsdesk"


def test_history_moments_are_utc_with_a_z_like_every_other_moment(client: TestClient) -> None:
    for url in ("/v1/sources/4/history", "/v1/observations/6/history"):
        history = client.get(url).json()["data"]
        assert history, f"{url} has no revision to check"
        for revision in history:
            assert revision["recorded_at"].endswith("Z"), revision["recorded_at"]


def test_the_history_of_a_source_that_never_existed_is_a_404(client: TestClient) -> None:
    response = client.get("/v1/sources/999/history")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_history_takes_no_parameters(client: TestClient) -> None:
    response = client.get("/v1/sources/1/history", params={"limit": 5})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]
