"""Test databases are real: SQLite files, or PostgreSQL databases when TEST_DATABASE_URL
names a server (postgresql+psycopg://postgres@127.0.0.1:5432/test).

Each is built once by the Alembic migrations (never create_all), seeded through the import
path, and then copied for every test that writes: a file copy on SQLite, CREATE DATABASE ...
TEMPLATE on PostgreSQL."""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url

from app.config import SEED_DIR, Settings
from app.db import DataSession, create_db_engine, migrate
from app.imports.service import import_path
from app.main import create_app
from app.models import metadata

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


class Databases:
    """Makes fresh databases: empty-but-migrated or seeded, as copies of two templates."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.created: list[str] = []
        self.migrated = self._new_url()
        migrate(self.migrated)
        self.seeded = self.copy(self.migrated)
        load_seed(self.seeded)

    def _new_url(self) -> str:
        name = f"laborstats_test_{uuid.uuid4().hex[:12]}"
        if not ON_POSTGRES:
            return f"sqlite:///{self.workdir / name}.db"
        with self._admin() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    @contextmanager
    def _admin(self) -> Iterator[Connection]:
        engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def copy(self, template_url: str) -> str:
        name = f"laborstats_test_{uuid.uuid4().hex[:12]}"
        if not ON_POSTGRES:
            source = Path(make_url(template_url).database or "")
            target = self.workdir / f"{name}.db"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        template = make_url(template_url).database
        with self._admin() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        self.created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not ON_POSTGRES:
            return
        with self._admin() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def load_folder(url: str, folder: Path, *, actor: str) -> None:
    """Import a dataset folder into the database at `url`, as `laborstats import` does."""
    engine = create_db_engine(url, for_writes=True)
    try:
        with DataSession(engine) as session, session.begin():
            import_path(session, folder, actor=actor)
    finally:
        engine.dispose()


def load_seed(url: str) -> None:
    load_folder(url, SEED_DIR, actor="seed")


def table_contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: what "changed nothing" compares."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: [
                    tuple(row)
                    for row in connection.execute(select(table).order_by(*table.primary_key))
                ]
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.drop_all()


@pytest.fixture
def empty_db_url(databases: Databases) -> str:
    """A migrated database with no data, for this test alone."""
    return databases.copy(databases.migrated)


@pytest.fixture
def seeded_db_url(databases: Databases) -> str:
    """A migrated, seeded database for this test alone, free to write to."""
    return databases.copy(databases.seeded)


def make_client(url: str) -> TestClient:
    # Webhook tests deliver when they choose (tests/webhooks); the servers of tests/e2e
    # deliver by themselves.
    settings = Settings(database_url=url, migrate_on_start=False, webhooks_deliver=False)
    return TestClient(create_app(settings))


@pytest.fixture(scope="session")
def client(databases: Databases) -> Iterator[TestClient]:
    """The API over one seeded database shared by tests that only read."""
    with make_client(databases.copy(databases.seeded)) as test_client:
        yield test_client


@pytest.fixture
def client_for() -> Iterator[Callable[[str], TestClient]]:
    """Open a client on a database of the test's own; closed at the end of the test."""
    opened: list[TestClient] = []

    def open_client(url: str) -> TestClient:
        test_client = make_client(url)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield open_client
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def session_for() -> Iterator[Callable[[str], DataSession]]:
    """A session on a test database, for arranging data through the services."""
    engines = []

    def open_session(url: str) -> DataSession:
        engine = create_db_engine(url)
        engines.append(engine)
        return DataSession(engine)

    yield open_session
    for engine in engines:
        engine.dispose()


class Desk:
    """A seeded database of the test's own, its client, and tokens of each kind."""

    def __init__(self, url: str, client: TestClient, session: DataSession) -> None:
        from tests.factories import bearer, make_token

        self.url, self.client, self.session = url, client, session
        self.editor = bearer(make_token(session, "newsdesk", "editor"))
        self.admin = bearer(make_token(session, "chief", "admin"))

    def data_version(self) -> int:
        return self.client.get("/v1").json()["data_version"]

    def tables(self) -> dict[str, list[tuple]]:
        return table_contents(self.url)


@pytest.fixture
def desk(seeded_db_url: str, client_for, session_for) -> Desk:
    return Desk(seeded_db_url, client_for(seeded_db_url), session_for(seeded_db_url))
