"""Alembic environment: the database URL comes from the app's settings (DATABASE_URL)."""

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, create_engine, text

from app.config import get_settings
from app.domain.columns import Dimensions, UTCDateTime
from app.models import metadata
from app.models.search import include_object

# Several API processes may start at once against one PostgreSQL; the first to take this
# lock migrates, the others wait and then find nothing left to do.
MIGRATION_LOCK_ID = 7_307_202_611


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write the project's own column types as the plain SQLAlchemy types they store, so
    that revisions never import app code that may change."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Dimensions):
        return "sa.Text()"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        before = context.get_context().get_current_heads()
        context.run_migrations()
        # Only after migrations that ran: the check reads every row (a second a million).
        migrated = context.get_context().get_current_heads() != before
        if connection.dialect.name == "sqlite" and migrated:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"Migration left broken foreign keys: {broken[:5]}")


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.attributes.get("url") or get_settings().database_url
    # A plain engine: on SQLite, batch migrations copy tables, which foreign key
    # enforcement (on in the app's engine) would refuse; integrity is checked afterwards.
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
