"""Alembic environment: the database URL comes from the app's settings (DATABASE_URL)."""

from alembic import context
from sqlalchemy import Connection, text

from app.config import get_settings
from app.db import create_db_engine
from app.models import metadata

# Several API processes may start at once against one PostgreSQL; the first to take this
# lock migrates, the others wait and then find nothing left to do.
MIGRATION_LOCK_ID = 7_307_202_611


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.attributes.get("url") or get_settings().database_url
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
