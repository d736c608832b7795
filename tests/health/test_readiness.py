"""/readyz: ready when the database answers and its schema is the newest this code knows;
a 503 problem saying what is not ready otherwise."""

import time
from contextlib import ExitStack

import pytest
from alembic import command
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import alembic_config
from app.health.service import schema_head
from app.main import create_app
from tests.conftest import Databases, make_client

NOT_READY = "urn:laborstats:problem:not-ready"


def test_ready_when_the_database_answers_at_the_newest_schema(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema_revision": schema_head(),
    }
    assert "cache-control" not in response.headers


def test_not_ready_when_a_migration_is_pending(databases: Databases) -> None:
    url = databases.copy(databases.migrated)
    command.downgrade(alembic_config(url), "-1")
    with make_client(url) as client:
        response = client.get("/readyz")
        health = client.get("/healthz")
    assert response.status_code == 503
    problem = response.json()
    assert problem["type"] == NOT_READY
    assert problem["database"] == "ok"
    assert problem["expected_revision"] == schema_head()
    assert problem["schema_revision"] not in (None, schema_head())
    assert "laborstats migrate" in problem["detail"]
    assert int(response.headers["retry-after"]) > 0
    # Alive all the same: a pending migration is not a reason to restart the process.
    assert health.status_code == 200


def test_not_ready_when_the_database_was_never_migrated(tmp_path) -> None:
    with make_client(f"sqlite:///{tmp_path}/empty.db") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["schema_revision"] is None


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/missing-folder/laborstats.db",
        "postgresql+psycopg://postgres@127.0.0.1:9/nothing-listens-here",
    ],
)
def test_not_ready_when_the_database_does_not_answer(tmp_path, url: str) -> None:
    with make_client(url.format(tmp=tmp_path)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == NOT_READY
    assert response.json()["database"] == "unreachable"
    assert int(response.headers["retry-after"]) > 0


def test_readiness_takes_no_parameters(client: TestClient) -> None:
    assert client.get("/readyz?deep=1").status_code == 400


def test_ready_answers_at_once_while_every_pooled_connection_is_taken(
    databases: Databases,
) -> None:
    url = databases.copy(databases.seeded)
    settings = Settings(database_url=url, migrate_on_start=False, pool_timeout_s=5)
    with TestClient(create_app(settings)) as client, ExitStack() as held:
        engine = client.app.state.engine
        for _ in range(engine.pool.size() + engine.pool._max_overflow):
            held.enter_context(engine.connect())
        started = time.monotonic()
        response = client.get("/readyz")
        assert response.status_code == 200
        assert time.monotonic() - started < 2
