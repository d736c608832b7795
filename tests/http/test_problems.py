"""Every error is RFC 9457 problem+json that names what was wrong; none is a 500."""

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}

CASES = [
    # (method, url, status, words the detail must contain)
    ("GET", "/v1/observations?orgin=PRK", 400, ["orgin", "origin", "destination"]),
    ("GET", "/v1/observations?visa_typo=student", 400, ["visa_typo", "visa_type"]),
    ("GET", "/v1/observations?limit=0", 400, ["limit"]),
    ("GET", "/v1/observations?limit=1001", 400, ["limit", "1000"]),
    ("GET", "/v1/observations?limit=many", 400, ["limit"]),
    ("GET", "/v1/observations?period_from=2024-13", 400, ["2024-13", "YYYY-MM"]),
    ("GET", "/v1/observations?period_to=2023-02-29", 400, ["2023-02-29"]),
    ("GET", "/v1/observations?reported_from=June", 400, ["June", "YYYY"]),
    ("GET", "/v1/observations?origin=XXX", 400, ["XXX", "alpha-3", "PRK"]),
    ("GET", "/v1/observations?destination=RU", 400, ["RU", "alpha-3"]),
    ("GET", "/v1/observations?region=RU-XXX", 400, ["RU-XXX", "3166-2"]),
    ("GET", "/v1/observations?metric=migrants", 400, ["migrants", "workers_entered"]),
    ("GET", "/v1/observations?source=999", 400, ["999"]),
    ("GET", "/v1/observations?basis=rumour", 400, ["basis", "official"]),
    ("GET", "/v1/observations?qualifier=roughly", 400, ["qualifier", "approximate"]),
    ("GET", "/v1/observations?sort=size", 400, ["size", "period_start"]),
    ("GET", "/v1/observations?cursor=not-a-cursor", 400, ["cursor"]),
    ("GET", "/v1/observations?cursor=WyJpZCIsMywzXQ&sort=value", 400, ["sort=id", "sort=value"]),
    ("GET", "/v1/observations?format=xml", 400, ["format", "csv"]),
    ("GET", "/v1/observations/999", 404, ["999"]),
    ("GET", "/v1/observations/first", 400, ["observation_id"]),
    ("GET", "/v1/observations/1?as_of=2024", 400, ["as_of"]),
    ("GET", "/v1/metrics/migrants", 404, ["migrants", "entries"]),
    ("GET", "/v1/metrics?page=2", 400, ["page"]),
    ("GET", "/v1/sources/999", 404, ["999"]),
    ("GET", "/v1/sources?limit=0", 400, ["limit"]),
    ("GET", "/v1/series?metric=migrants&origin=PRK&destination=RUS", 400, ["migrants"]),
    ("GET", "/v1/series?origin=PRK&destination=RUS&period_from=--06", 400, ["period_from"]),
    ("GET", "/v1/series?metric=entries&origin=PRK&destination=RUS&orgin=1", 400, ["orgin"]),
    ("GET", "/v1?verbose=1", 400, ["verbose"]),
    ("GET", "/healthz?deep=1", 400, ["deep"]),
    ("GET", "/v2/observations", 404, ["/v2/observations", "/v1"]),
    ("DELETE", "/v1/observations/1", 405, ["DELETE"]),
]


@pytest.mark.parametrize(("method", "url", "status", "words"), CASES)
def test_bad_request_gets_a_problem_naming_what_was_wrong(
    client: TestClient, method: str, url: str, status: int, words: list[str]
) -> None:
    response = client.request(method, url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("urn:laborstats:problem:")
    for word in words:
        assert word in body["detail"], (word, body["detail"])


def test_unexpected_failure_is_a_problem_without_internals(empty_db_url: str) -> None:
    app = create_app(Settings(database_url=empty_db_url, migrate_on_start=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


def test_health_is_a_503_problem_when_the_database_cannot_be_opened(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/missing-folder/laborstats.db"
    app = create_app(Settings(database_url=url, migrate_on_start=False))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:laborstats:problem:database-unavailable"


def test_health_answers_ok_when_the_database_answers(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
