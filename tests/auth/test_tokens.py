"""Only people with a key may write; the key is checked first and never shown again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from app.auth.service import authenticate
from app.db import alembic_config
from app.domain.columns import utc_now
from app.errors import InvalidToken
from app.models import ApiToken, AuditEntry
from tests.conftest import Desk
from tests.factories import observation_fields

LABORSTATS = Path(sys.executable).parent / "laborstats"
NEW_OBSERVATION = observation_fields(metric="entries", value=321)


def laborstats(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LABORSTATS), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


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
        # ls_<key id>_<secret>: the secret itself may hold "_" (URL-safe base64).
        assert secret.split("_", 2)[2] not in str(stored.model_dump())


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


def test_a_revoked_tokens_name_can_be_given_to_a_new_token_and_the_old_one_stays_revoked(
    empty_db_url: str, session_for
) -> None:
    create = ("token", "create", "--name", "desk", "--role", "editor")
    old = laborstats(*create, database_url=empty_db_url)
    assert old.returncode == 0, old.stderr
    revoked = laborstats("token", "revoke", "desk", database_url=empty_db_url)
    assert revoked.returncode == 0, revoked.stderr
    new = laborstats(*create, database_url=empty_db_url)
    assert new.returncode == 0, new.stderr
    listed = laborstats("token", "list", database_url=empty_db_url).stdout.splitlines()
    assert [line.split("\t")[-1].split()[0] for line in listed] == ["revoked", "active"]
    with session_for(empty_db_url) as session:
        assert authenticate(session, new.stdout.splitlines()[-1]).name == "desk"
        with pytest.raises(InvalidToken):
            authenticate(session, old.stdout.splitlines()[-1])
        audit = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert audit == ["token.create", "token.revoke", "token.create"]


def test_revoking_a_name_revokes_its_active_token_and_again_changes_nothing(
    empty_db_url: str, session_for
) -> None:
    create = ("token", "create", "--name", "desk", "--role", "editor", "--quiet")
    assert laborstats(*create, database_url=empty_db_url).returncode == 0
    assert laborstats("token", "revoke", "desk", database_url=empty_db_url).returncode == 0
    secret = laborstats(*create, database_url=empty_db_url).stdout.strip()
    assert laborstats("token", "revoke", "desk", database_url=empty_db_url).returncode == 0
    again = laborstats("token", "revoke", "desk", database_url=empty_db_url)
    assert again.returncode == 0, again.stderr
    with session_for(empty_db_url) as session:
        with pytest.raises(InvalidToken):
            authenticate(session, secret)
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("token.revoke") == 2
    missing = laborstats("token", "revoke", "nobody", database_url=empty_db_url)
    assert missing.returncode == 1
    assert "no token named 'nobody'" in missing.stderr


def stored_token(name: str, key_id: str, *, revoked: bool = False) -> ApiToken:
    return ApiToken(
        name=name,
        role="editor",
        key_id=key_id,
        secret_hash="0" * 64,
        created_at=utc_now(),
        revoked_at=utc_now() if revoked else None,
    )


def test_the_database_refuses_two_unrevoked_tokens_with_one_name_but_keeps_revoked_ones(
    empty_db_url: str, session_for
) -> None:
    with session_for(empty_db_url) as session:
        session.add_all([stored_token("desk", "a1", revoked=True), stored_token("desk", "a2")])
        session.commit()
        session.add(stored_token("desk", "a3", revoked=True))
        session.commit()
        session.add(stored_token("desk", "a4"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        names = session.scalars(select(ApiToken.key_id).where(ApiToken.name == "desk")).all()
        assert sorted(names) == ["a1", "a2", "a3"]


def test_token_create_quiet_prints_the_secret_alone_and_nothing_else(empty_db_url: str) -> None:
    result = laborstats(
        "token",
        "create",
        "--name",
        "desk",
        "--role",
        "editor",
        "--quiet",
        database_url=empty_db_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("ls_")
    assert " " not in result.stdout.strip()
    assert result.stderr == ""


@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "not-quiet"])
def test_token_create_on_a_taken_name_exits_non_zero_with_the_error_on_stderr(
    empty_db_url: str, quiet: bool
) -> None:
    create = ["token", "create", "--name", "desk", "--role", "editor"] + ["--quiet"] * quiet
    assert laborstats(*create, database_url=empty_db_url).returncode == 0
    again = laborstats(*create, database_url=empty_db_url)
    assert again.returncode != 0
    assert again.stdout == ""
    assert "A token named 'desk' already exists" in again.stderr


def test_token_create_quiet_on_a_database_it_cannot_open_exits_non_zero_saying_why(
    tmp_path: Path,
) -> None:
    unreachable = f"sqlite:///{tmp_path / 'no such folder' / 'laborstats.db'}"
    result = laborstats(
        "token",
        "create",
        "--name",
        "desk",
        "--role",
        "editor",
        "--quiet",
        database_url=unreachable,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip()


def test_migrating_down_renames_revoked_tokens_whose_names_are_in_use_again(
    empty_db_url: str, session_for
) -> None:
    with session_for(empty_db_url) as session:
        tokens = [
            stored_token("desk", "b1", revoked=True),
            stored_token("desk", "b2", revoked=True),
            stored_token("desk", "b3"),
            stored_token("chief", "b4", revoked=True),
        ]
        session.add_all(tokens)
        session.commit()
        ids = {token.key_id: token.id for token in tokens}
    config = alembic_config(empty_db_url)
    command.downgrade(config, "e4a1c7d2b9f6")
    engine = create_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT key_id, name FROM api_token"))
            names = dict(rows.all())
    finally:
        engine.dispose()
    assert names == {
        "b1": f"desk (revoked #{ids['b1']})",
        "b2": f"desk (revoked #{ids['b2']})",
        "b3": "desk",
        "b4": "chief",
    }
    command.upgrade(config, "head")
    with session_for(empty_db_url) as session:
        assert len(session.scalars(select(ApiToken)).all()) == 4
