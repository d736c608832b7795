"""Readiness: the database answers, and its schema is the one this code was written for."""

from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.db import alembic_config


@cache
def schema_head() -> str | None:
    """The newest migration this code knows (read from migrations/ once per process)."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok" or "unreachable"
    # "current"; "outdated": a migration is pending, or the database is newer than the code;
    # "missing": never migrated.
    schema: str
    revision: str | None  # the database's, when it answered
    head: str | None

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.schema == "current"


def readiness(engine: Engine) -> Readiness:
    head = schema_head()
    try:
        with engine.connect() as connection:
            try:
                # Alembic's own table; read directly, as MigrationContext would log each time.
                revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
            except SQLAlchemyError:
                return Readiness(database="ok", schema="missing", revision=None, head=head)
    except SQLAlchemyError:
        return Readiness(database="unreachable", schema="unknown", revision=None, head=head)
    schema = "current" if revision == head else "outdated"
    return Readiness(database="ok", schema=schema, revision=revision, head=head)
