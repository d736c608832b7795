"""The versioning promise: /v1 states it, and a parameter being retired is announced on
every response that uses it (Deprecation, RFC 9745; Sunset, RFC 8594; a Link to what
replaces it) while it keeps working. No parameter is being retired today, so the example
retires one on an app of the test's own."""

from datetime import date
from email.utils import parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.server import retirements
from app.server.retirements import Retirement

EXAMPLE = Retirement(
    path="/v1/observations",
    parameter="source",
    instead="q",
    announced=date(2027, 1, 1),
    sunset=date(2027, 7, 1),
)


def test_the_index_states_what_may_change_and_what_never_will(client: TestClient) -> None:
    versioning = client.get("/v1").json()["versioning"]
    assert "new fields" in versioning["may_change"]
    assert "a field's name" in versioning["never_changes"]
    assert "Sunset" in versioning["retirement"]


def test_a_retired_parameter_keeps_working_and_says_when_it_goes(
    seeded_db_url: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = client.get("/v1/observations", params={"source": 5}).json()["data"]
    monkeypatch.setattr(retirements, "RETIRED", (EXAMPLE,))
    client = TestClient(create_app(Settings(database_url=seeded_db_url, migrate_on_start=False)))
    plain = client.get("/v1/observations", params={"origin": "PRK"})
    assert "deprecation" not in plain.headers
    retiring = client.get("/v1/observations", params={"source": 5})
    assert retiring.status_code == 200
    assert retiring.json()["data"] == today  # still honoured, as before
    assert retiring.headers["deprecation"] == "@1798761600"  # 2027-01-01T00:00:00Z
    assert parsedate_to_datetime(retiring.headers["sunset"]).date() == date(2027, 7, 1)
    assert 'rel="deprecation"' in retiring.headers["link"]
    assert "use q" in retiring.headers["link"]
    exposed = client.get(
        "/v1/observations",
        params={"source": 5},
        headers={"Origin": "https://dashboard.example"},
    )
    assert "Sunset" in exposed.headers["access-control-expose-headers"]


def test_a_retirement_gives_at_least_the_promised_notice() -> None:
    with pytest.raises(ValueError, match="notice"):
        Retirement("/v1/observations", "q", "q", date(2027, 1, 1), date(2027, 2, 1))
