"""Errors that guide: a parameter is named as the client wrote it, every bad date is said in
the same words, a reversed range is refused rather than answered empty, and a value the API
does not know gets the nearest one it does ("did you mean")."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Desk
from tests.factories import observation_fields

BAD_DATE = "is not a date; use "


def problem(client: TestClient, path: str, params: dict | None = None) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_a_repeated_parameter_is_named_as_written_without_its_position(client: TestClient):
    body = problem(client, "/v1/observations", {"qualifier": ["exact", "sometimes"]})
    [error] = body["errors"]
    assert error["name"] == "qualifier"
    assert "qualifier.1" not in body["detail"]
    assert body["detail"].startswith("qualifier: 'sometimes'")


@pytest.mark.parametrize(
    ("word", "qualifier"), [("about", "approximate"), ("over", "at_least"), ("up to", "at_most")]
)
def test_a_hedge_given_as_a_qualifier_names_the_qualifier_it_stands_for(
    client: TestClient, word: str, qualifier: str
):
    body = problem(client, "/v1/observations", {"qualifier": word})
    assert f"Use qualifier={qualifier}" in body["detail"]


def test_a_near_miss_value_gets_the_value_it_may_mean(client: TestClient):
    body = problem(client, "/v1/observations", {"qualifier": "aproximate"})
    assert "Did you mean approximate?" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "written"),
    [
        ("/v1/observations", {"as_of": "2024-13-01"}, "2024-13-01"),
        ("/v1/observations", {"as_of": "yesterday"}, "yesterday"),
        ("/v1/observations", {"period_from": "2024-13"}, "2024-13"),
        ("/v1/observations", {"reported_to": "2024-02-30"}, "2024-02-30"),
        ("/v1/series", {"origin": "PRK", "destination": "RUS", "period_to": "24"}, "24"),
        ("/v1/events", {"as_of": "2024-1-1"}, "2024-1-1"),
    ],
)
def test_every_bad_date_in_a_query_is_refused_in_the_same_words(
    client: TestClient, path: str, params: dict, written: str
):
    body = problem(client, path, params)
    [error] = body["errors"]
    assert error["message"].startswith(f"'{written}' {BAD_DATE}")


def test_a_bad_date_in_a_body_is_refused_in_the_same_words(desk: Desk):
    fields = observation_fields(period_start="2024-13-01", period_end=None)
    response = desk.client.post("/v1/observations", json=fields, headers=desk.editor)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["name"] == "period_start"
    assert error["message"].startswith(f"'2024-13-01' {BAD_DATE}")


@pytest.mark.parametrize("path", ["/v1/observations/abc", "/v1/sources/1.5", "/v1/events/one"])
def test_a_path_id_that_is_not_a_whole_number_is_refused_in_the_apis_words(
    client: TestClient, path: str
):
    body = problem(client, path)
    [error] = body["errors"]
    assert error["in"] == "path"
    assert "is not an id" in error["message"]
    assert "Input should be" not in error["message"]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/v1/observations", {"period_from": "2025", "period_to": "2024"}, "period_from"),
        ("/v1/observations", {"period_from": "2024-07", "period_to": "2024-06-30"}, "period_from"),
        ("/v1/observations", {"reported_from": "2025", "reported_to": "2024-12"}, "reported_from"),
        (
            "/v1/series",
            {"origin": "PRK", "destination": "RUS", "period_from": "2025", "period_to": "2024"},
            "period_from",
        ),
    ],
)
def test_a_reversed_date_range_is_refused_rather_than_answered_empty(
    client: TestClient, path: str, params: dict, named: str
):
    body = problem(client, path, params)
    assert body["parameter"] == named
    assert "Swap them" in body["detail"]


def test_a_range_of_one_period_is_not_reversed(client: TestClient):
    response = client.get("/v1/observations", params={"period_from": "2024", "period_to": "2024"})
    assert response.status_code == 200
    assert response.json()["data"]


@pytest.mark.parametrize(
    ("written", "code"), [("North Korea", "PRK"), ("russia", "RUS"), ("PKR", "PRK")]
)
def test_a_country_name_or_mistyped_code_gets_the_code_it_may_mean(
    client: TestClient, written: str, code: str
):
    body = problem(client, "/v1/observations", {"origin": written})
    assert f"Did you mean {code}" in body["detail"]


def test_an_unknown_breakdown_value_is_refused_with_the_values_there_are(client: TestClient):
    body = problem(client, "/v1/observations", {"visa_type": "students"})
    assert body["parameter"] == "visa_type"
    assert "Did you mean student?" in body["detail"]
    series = problem(
        client, "/v1/series", {"origin": "PRK", "destination": "RUS", "visa_type": "students"}
    )
    assert "Did you mean student?" in series["detail"]


def test_a_known_breakdown_value_that_matches_nothing_else_is_an_empty_list(client: TestClient):
    response = client.get("/v1/observations", params={"visa_type": "student", "origin": "RUS"})
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_a_misspelled_parameter_or_metric_gets_the_one_it_may_mean(client: TestClient):
    assert "Did you mean origin" in problem(client, "/v1/observations", {"orgin": "PRK"})["detail"]
    metric = problem(client, "/v1/observations", {"metric": "nationals_entred"})
    assert "Did you mean nationals_entered?" in metric["detail"]
