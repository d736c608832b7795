"""Only people with a key may write; the key is checked first and never shown again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import ApiToken
from tests.conftest import Desk
from tests.factories import observation_fields

LABORSTATS = Path(sys.executable).parent / "laborstats"
NEW_OBSERVATION = observation_fields(metric="entries", value=321)


def test_token_create_prints_the_secret_alone_on_the_last_line_and_stores_only_a_hash(
    empty_db_url: str, session_for
) -> None:
    result = subprocess.run(
        [str(LABORSTATS), "token", "create", "--name", "desk", "--role", "editor"],
        env={**os.environ, "DATABASE_URL": empty_db_url},
        capture_output=True,
        text=True,
        check=True,
    )
    *explanation, secret = result.stdout.rstrip("\n").split("\n")
    assert explanation
    assert secret.startswith("ls_")
    assert " " not in secret
    with session_for(empty_db_url) as session:
        stored = session.scalars(select(ApiToken)).one()
        assert secret.rsplit("_", 1)[-1] not in str(stored.model_dump())


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ({"Authorization": "Bearer ls_0123456789abcdef_guessed"}, 401),
    ],
)
def test_a_write_without_a_valid_token_is_401_with_a_challenge_and_changes_nothing(
    desk: Desk, headers: dict, status: int
) -> None:
    before, tables = desk.data_version(), desk.tables()
    response = desk.client.post("/v1/observations", json=NEW_OBSERVATION, headers=headers)
    assert response.status_code == status
    assert response.headers["www-authenticate"].startswith('Bearer realm="laborstats"')
    assert response.headers["content-type"] == "application/problem+json"
    assert desk.data_version() == before
    assert desk.tables() == tables


def test_a_revoked_token_is_refused(desk: Desk) -> None:
    subprocess.run(
        [str(LABORSTATS), "token", "revoke", "newsdesk"],
        env={**os.environ, "DATABASE_URL": desk.url},
        check=True,
        capture_output=True,
    )
    response = desk.client.post("/v1/observations", json=NEW_OBSERVATION, headers=desk.editor)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_an_editor_token_cannot_do_admin_work(desk: Desk) -> None:
    metric = {
        "code": "remittances_usd",
        "name": "R",
        "unit": "USD",
        "definition": "d",
        "kind": "flow",
    }
    assert desk.client.post("/v1/metrics", json=metric, headers=desk.editor).status_code == 403
    assert desk.client.get("/v1/audit", headers=desk.editor).status_code == 403
    assert desk.client.get("/v1/metrics/remittances_usd").status_code == 404


def test_the_token_is_checked_before_the_body_is_read(desk: Desk) -> None:
    garbage = {"content": b"{not json", "headers": {"Content-Type": "application/json"}}
    assert desk.client.post("/v1/observations", **garbage).status_code == 401
    admin_only = {**garbage, "headers": {**garbage["headers"], **desk.editor}}
    assert desk.client.post("/v1/metrics", **admin_only).status_code == 403
    too_big = {"content": b"x" * (2 * 1024 * 1024), "headers": {"Content-Type": "application/json"}}
    assert desk.client.post("/v1/observations", **too_big).status_code == 401


def test_no_response_ever_shows_a_token_after_creation(desk: Desk) -> None:
    token = desk.editor["Authorization"].removeprefix("Bearer ")
    # The secret is what follows the prefix and key id; it may itself contain "_".
    secret = token.split("_", 2)[2]
    responses = [
        desk.client.post("/v1/observations", json=NEW_OBSERVATION, headers=desk.editor),
        desk.client.post("/v1/observations", json={"metric": 1}, headers=desk.editor),
        desk.client.get("/v1/audit", headers=desk.admin),
        desk.client.get("/v1/observations/1/history"),
    ]
    for response in responses:
        assert secret not in response.text
        assert secret not in str(response.headers)
