"""The database engine, per-connection SQLite pragmas, migrations and the request session."""

from collections.abc import Iterator
from typing import Annotated, Any

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session

from app.config import MIGRATIONS_DIR, get_settings


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_db_engine(url: str, *, busy_timeout_ms: int = 5000, for_writes: bool = False) -> Engine:
    """An engine for `url`. SQLite connections get WAL, foreign keys and a busy timeout, and
    real transactions: BEGIN for reads (one consistent snapshot), BEGIN IMMEDIATE for
    writes, which take the write lock up front (waiting up to the busy timeout) instead of
    failing half-way with "database is locked"."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)

    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if for_writes else "BEGIN"

    @event.listens_for(engine, "begin")
    def begin_transaction(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def migrate(url: str | None = None) -> None:
    """Apply every pending migration to the database at `url` (default: DATABASE_URL)."""
    command.upgrade(alembic_config(url or get_settings().database_url), "head")


def _session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back otherwise."""
    yield from _session(request.app.state.engine)


def get_write_session(request: Request) -> Iterator[Session]:
    """As get_session, on the engine whose transactions take the write lock first."""
    yield from _session(request.app.state.write_engine)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


def sync_id_sequences(
    session: Session, tables: tuple[str, ...] = ("source", "observation")
) -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's id sequences past them
    (SQLite needs nothing: it always continues from the largest id)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def refresh_statistics(session: Session) -> None:
    """Let the query planner see the data's new shape (row counts, value spread)."""
    session.execute(text("ANALYZE"))
