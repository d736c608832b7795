"""The database: engines with per-connection SQLite pragmas, migrations, and the session
every unit of work uses, which bumps the data version whenever it commits a write."""

import errno
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import ORMExecuteState, UOWTransaction
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlmodel import Session

from app.config import MIGRATIONS_DIR, get_settings
from app.dataset.state import CHANGE_VERSION, bump_data_version
from app.errors import AppError, DatabaseBusy, DatabaseReadOnly, DatabaseUnavailable, DiskFull

# Tables whose rows are not part of the dataset: writing them leaves the data version alone.
# Drafts too: proposals under review, which no public read shows.
OUTSIDE_THE_DATASET = frozenset(
    {"api_token", "audit_entry", "dataset_state", "draft", "webhook", "webhook_delivery"}
)
# SQLite's page cache for a connection writing in bulk (KiB; the default is 2 MB): an import
# touches every page of its tables and indexes, and a small cache writes and rereads them.
BULK_CACHE_KIB = 1024 * 1024


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# How long opening a PostgreSQL connection may take: an unreachable host is a 503 soon,
# not after the kernel's two minutes.
CONNECT_TIMEOUT_S = 5
# /healthz: a connection of its own (never the pool's), answering within this or not at all.
HEALTH_TIMEOUT_MS = 2000


def create_db_engine(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    for_writes: bool = False,
    statement_timeout_ms: int = 0,
    pool_size: int = 5,
    pool_timeout_s: float = 30.0,
    pooled: bool = True,
) -> Engine:
    """An engine for `url`. SQLite connections get WAL, foreign keys and a busy timeout, and
    real transactions: BEGIN for reads (one consistent snapshot), BEGIN IMMEDIATE for
    writes, which take the write lock up front (waiting up to the busy timeout) instead of
    failing half-way with "database is locked". PostgreSQL connections get a connect
    timeout and, for the API, a statement timeout (which also bounds waiting for a lock)."""
    pool: dict[str, Any] = (
        {"pool_size": pool_size, "pool_timeout": pool_timeout_s}
        if pooled
        else {"poolclass": NullPool}
    )
    if not is_sqlite(url):
        connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if statement_timeout_ms:
            connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)

    connect_args = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    engine = create_engine(url, connect_args=connect_args, **pool)

    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        # First: setting the journal mode takes a lock, and waits on it only after this.
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if for_writes else "BEGIN"

    @event.listens_for(engine, "begin")
    def begin_transaction(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    @event.listens_for(engine, "checkin")
    def restore_cache_size(dbapi_connection: Any, record: Any) -> None:
        cache_size = record.info.pop("cache_size", None) if record is not None else None
        if cache_size is not None and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA cache_size={int(cache_size)}")
        if record is not None and record.info.pop(CHECKPOINT_KEY, False) and dbapi_connection:
            _truncate_wal(dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def checkpoint_after_fault(context: Any) -> None:
        fault = _classify(context.original_exception)
        # Not after a lock timeout: the checkpoint would wait on the same lock.
        if context.connection is not None and fault and fault[0] is not DatabaseBusy:
            context.connection.info[CHECKPOINT_KEY] = True

    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def migrate(url: str | None = None) -> None:
    """Apply every pending migration to the database at `url` (default: DATABASE_URL)."""
    command.upgrade(alembic_config(url or get_settings().database_url), "head")


class DataSession(Session):
    """The session of every unit of work, for the API, the CLI and the tests alike. When a
    transaction that wrote to the dataset commits, the data version moves on with it, once:
    no route, import or command has to remember to bump it, and a write that fails or rolls
    back leaves it where it was."""


def read_session(engine: Engine, *, read_only: bool = False) -> DataSession:
    """A session whose statements all see one snapshot: BEGIN on SQLite, REPEATABLE READ on
    PostgreSQL, so a data version and the rows read after it always agree. Close it
    (which rolls back) rather than commit: reads have nothing to commit. `read_only` makes
    the PostgreSQL transaction READ ONLY too (an export's: a write in it is a bug)."""
    session = DataSession(engine)
    if engine.dialect.name == "postgresql":
        options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
        if read_only:
            options["postgresql_readonly"] = True
        session.connection(execution_options=options)
    return session


def note_dataset_write(session: Session) -> None:
    """A write the listeners below cannot see (rows sent through the driver's executemany or
    COPY) counts as a dataset write all the same: the commit bumps the data version."""
    session.info["wrote_to_dataset"] = True


@event.listens_for(DataSession, "do_orm_execute")
def _note_statement_writes(state: ORMExecuteState) -> None:
    """Core and ORM statements run through the session: INSERT, UPDATE, DELETE."""
    writes = state.is_insert or state.is_update or state.is_delete
    table = getattr(state.statement, "table", None)
    if writes and getattr(table, "name", None) not in OUTSIDE_THE_DATASET:
        note_dataset_write(state.session)


@event.listens_for(DataSession, "after_flush")
def _note_flushed_writes(session: Session, _flush: UOWTransaction) -> None:
    """Objects added, changed or deleted through the ORM."""
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(type(record).__tablename__ not in OUTSIDE_THE_DATASET for record in changed):
        note_dataset_write(session)


@event.listens_for(DataSession, "before_commit")
def _bump_data_version_on_commit(session: Session) -> None:
    session.flush()  # pending objects count as writes too
    wrote = session.info.pop("wrote_to_dataset", False)
    if session.info.pop(CHANGE_VERSION, None) is None and wrote:  # else bumped at the change
        bump_data_version(session)


@event.listens_for(DataSession, "after_rollback")
def _forget_writes_on_rollback(session: Session) -> None:
    session.info.pop("wrote_to_dataset", None)
    session.info.pop(CHANGE_VERSION, None)


def sync_id_sequences(
    session: Session, tables: tuple[str, ...] = ("source", "event", "observation")
) -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's id sequences past them
    (SQLite needs nothing: it always continues from the largest id). Never back: another
    transaction may have drawn ids this one's snapshot does not see, and handing them out
    again would fail a third on the primary key."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        last = (
            f"GREATEST(COALESCE((SELECT MAX(id) FROM {table}), 0), "
            f"COALESCE(pg_sequence_last_value(CAST({sequence} AS regclass)), 0))"
        )
        # setval(.., 1, false) on an empty table: the next is 1; else the next is last + 1.
        session.execute(text(f"SELECT setval({sequence}, GREATEST({last}, 1), {last} > 0)"))


def cache_for_bulk_writes(session: Session) -> None:
    """Give this session's SQLite connection a page cache large enough for a bulk write (an
    import's), until the connection goes back to the pool. PostgreSQL needs nothing."""
    connection = session.connection().connection
    if session.get_bind().dialect.name != "sqlite" or "cache_size" in connection.info:
        return
    cursor = connection.cursor()
    try:
        connection.info["cache_size"] = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    finally:
        cursor.close()


@contextmanager
def indexes_built_after(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """For loading many rows into empty `tables`: drop their secondary indexes and, on
    PostgreSQL, their foreign keys, which it checks one row at a time; when the block ends,
    create them again from the models' definitions (so names are the migrations'), which
    checks every reference at once. It all happens in the session's transaction (both
    databases run DDL in a transaction), so a load that fails and rolls back leaves the
    schema as it was; on PostgreSQL, readers of these tables wait for the load to commit.
    If the block raises, nothing is created again: the transaction must roll back."""
    connection = session.connection()
    schema = inspect(connection)
    on_postgres = connection.dialect.name == "postgresql"
    indexes, foreign_keys = [], []
    for table in tables:
        present = {index["name"] for index in schema.get_indexes(table.name)}
        indexes += [index for index in table.indexes if index.name in present]
        if on_postgres:
            present = {fk["name"] for fk in schema.get_foreign_keys(table.name)}
            foreign_keys += [fk for fk in table.foreign_key_constraints if fk.name in present]
    for foreign_key in foreign_keys:
        session.execute(DropConstraint(foreign_key))
    for index in indexes:
        session.execute(DropIndex(index))
    yield
    if on_postgres:  # sorts for the index builds, in memory (this transaction only); the
        # builds take as long as the rows need, beyond an API request's statement timeout
        session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        session.execute(text("SET LOCAL statement_timeout = 0"))
    for index in indexes:
        session.execute(CreateIndex(index))
    for foreign_key in foreign_keys:
        session.execute(AddConstraint(foreign_key))


def refresh_statistics(session: Session) -> None:
    """Let the query planner see the data's new shape (row counts, value spread)."""
    session.execute(text("ANALYZE"))


# Statistics are out of date once the rows differ from those they counted by more than
# this share, plus a number of rows: PostgreSQL's own autoanalyze rule (scale factor 0.1).
STALE_SHARE = 0.1


def statistics_outdated(session: Session, table: str, *, rows_beyond: int) -> bool:
    """Whether `table` now has more than `rows_beyond` rows plus a tenth more (or fewer)
    than the planner's statistics counted when they were last gathered, or none were."""
    if session.get_bind().dialect.name == "postgresql":  # reltuples: -1 before any ANALYZE,
        # but CREATE INDEX sets it too: no column statistics is what says "never analyzed".
        query = (
            "SELECT CASE WHEN EXISTS (SELECT FROM pg_stats WHERE tablename = :table) "
            "THEN reltuples ELSE -1 END FROM pg_class WHERE oid = to_regclass(:table)"
        )
    elif session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        query = "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = :table LIMIT 1"
    else:  # never analyzed
        return True
    counted = session.scalar(text(query), {"table": table})
    if counted is None or counted < 0:  # never analyzed
        return True
    rows = session.scalar(text(f"SELECT count(*) FROM {table}")) or 0
    return abs(rows - counted) > rows_beyond + STALE_SHARE * counted


def gather_outdated_statistics(session: Session, table: str, *, rows_beyond: int) -> None:
    """Before lookups whose index PostgreSQL chooses by the table's statistics: gather them
    when they are missing, out of date (rows loaded below an import's own threshold), or
    another database's. Without them it may search an index that most rows share
    and read thousands of rows per key. ANALYZE samples the table: a fraction of a second
    at a million rows. SQLite's lookups name their index instead (its ANALYZE reads every
    index whole, too long to run before each import)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # A database copied from a template, or restored, keeps column statistics of other rows
    # (and VACUUM sets the row count they are compared with): only those gathered here, an
    # ANALYZE this database's activity records, are taken as describing its rows.
    gathered_here = session.scalar(
        text(
            "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relid = to_regclass(:table)"
        ),
        {"table": table},
    )
    if not gathered_here or statistics_outdated(session, table, rows_beyond=rows_beyond):
        _analyze_apart(session, table)


# Locks on a table that ANALYZE must wait for, held by a transaction that changed its
# indexes (an import into an empty table builds them after its rows).
ANALYZE_BLOCKING_LOCKS = (
    "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock",
    "AccessExclusiveLock",
)  # fmt: skip
ANALYZE_LOCK_TIMEOUT_MS = 5000


def _analyze_apart(session: Session, table: str) -> None:
    """ANALYZE in a transaction of its own, committed whatever becomes of the session's.
    Rolled back with a failed import, the column statistics would be lost, while the row
    count (which ANALYZE writes in place) and the record of an ANALYZE would stay: nothing
    would then say they are missing. In the session's own transaction only when that holds
    a lock ANALYZE must wait for (its statistics then go with the rows it wrote), or when
    another transaction does for too long."""
    held = session.scalar(
        text(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = to_regclass(:table) AND mode = ANY(:modes))"
        ),
        {"table": table, "modes": list(ANALYZE_BLOCKING_LOCKS)},
    )
    if held:
        session.execute(text(f"ANALYZE {table}"))
        return
    # A connection outside the pool, of which the session may hold the last.
    url = session.get_bind().url.render_as_string(hide_password=False)
    engine = create_db_engine(url, pooled=False)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"SET lock_timeout = {ANALYZE_LOCK_TIMEOUT_MS}"))
            connection.execute(text(f"ANALYZE {table}"))
    except OperationalError:
        session.execute(text(f"ANALYZE {table}"))
    finally:
        engine.dispose()


def create_health_engine(url: str) -> Engine:
    """For /healthz: no pool to wait on (a connection of its own each time), and short
    timeouts, so that it answers while requests queue for pooled connections or locks."""
    return create_db_engine(
        url, busy_timeout_ms=HEALTH_TIMEOUT_MS, statement_timeout_ms=HEALTH_TIMEOUT_MS, pooled=False
    )


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


# A failed write on SQLite (a fault, or an import that failed) leaves the WAL at the size
# it grew to, however much of it was rolled back: on a full disk, it keeps the disk full.
# Its connection truncates the WAL when it goes back to the pool, outside any transaction.
CHECKPOINT_KEY = "checkpoint_wal"


def checkpoint_after_failure(session: Session) -> None:
    """Have this session's SQLite connection truncate the WAL when it is given back (for
    failures SQLAlchemy does not see: rows sent through the driver itself)."""
    if session.get_bind().dialect.name == "sqlite":
        with suppress(SQLAlchemyError):  # a session already failing may not say
            session.connection().info[CHECKPOINT_KEY] = True


def _truncate_wal(dbapi_connection: Any) -> None:
    """Best effort: a WAL that readers still use is truncated by a later checkpoint."""
    with suppress(Exception):  # the failure that led here is the one to report
        dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# What a failure of the database, or of the disk under it, means to a client. Every fault
# is a 503 with Retry-After: it passes without the client changing anything.
BUSY = "The database is busy (a lock is held, or every connection is in use); try again soon."
SLOW = "The database did not answer within the statement timeout (it is busy, or a lock is held)."
READ_ONLY = "The database is read-only for now: reads go on, writes wait until it is writable."
FULL = "The disk holding the database is full: nothing was written. Free space and try again."
FULL_UPLOAD = "The disk is full: the upload could not be stored, and nothing was written."
UNREACHABLE = "The database cannot be reached; the server log says why."
SQLITE_FAULTS: dict[str, tuple[type[AppError], str]] = {
    "SQLITE_BUSY": (DatabaseBusy, BUSY),
    "SQLITE_LOCKED": (DatabaseBusy, BUSY),
    "SQLITE_READONLY": (DatabaseReadOnly, READ_ONLY),
    "SQLITE_FULL": (DiskFull, FULL),
    "SQLITE_IOERR": (DatabaseUnavailable, UNREACHABLE),
    "SQLITE_CANTOPEN": (DatabaseUnavailable, UNREACHABLE),
}
POSTGRES_FAULTS: dict[str, tuple[type[AppError], str]] = {  # SQLSTATE, or its class
    "57014": (DatabaseBusy, SLOW),  # query_canceled: the statement timeout
    "55P03": (DatabaseBusy, BUSY),  # lock_not_available
    "40001": (DatabaseBusy, BUSY),  # serialization_failure
    "40P01": (DatabaseBusy, BUSY),  # deadlock_detected
    "25006": (DatabaseReadOnly, READ_ONLY),  # read_only_sql_transaction
    "53100": (DiskFull, FULL),  # disk_full
    "53": (DatabaseBusy, BUSY),  # insufficient resources: out of memory, connections
    "08": (DatabaseUnavailable, UNREACHABLE),  # connection exceptions
    "57": (DatabaseUnavailable, UNREACHABLE),  # shutting down, starting up
}


def database_fault(exc: BaseException, *, retry_after_s: int | None = None) -> AppError | None:
    """The app error a database or disk fault amounts to (None for anything else), with
    Retry-After; the one mapping the API and the CLI both use. The detail names the cause,
    never the statement or its rows."""
    fault = _classify(exc)
    if fault is None:
        return None
    kind, detail = fault
    seconds = retry_after_s if retry_after_s is not None else get_settings().retry_after_s
    return kind(detail, retry_after_s=seconds)


def fault_cause(exc: BaseException) -> str:
    """The driver's own first line (for the log): never the statement or its parameters."""
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(driver_error).strip().splitlines()
    return f"{type(driver_error).__name__}: {lines[0] if lines else ''}"[:300]


def _classify(exc: BaseException) -> tuple[type[AppError], str] | None:
    if isinstance(exc, PoolTimeout):
        return DatabaseBusy, BUSY
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFull, FULL_UPLOAD
        return (DatabaseReadOnly, READ_ONLY) if exc.errno == errno.EROFS else None
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    name = getattr(driver_error, "sqlite_errorname", None)
    if isinstance(name, str):  # SQLITE_IOERR_WRITE counts as SQLITE_IOERR
        return SQLITE_FAULTS.get(name) or SQLITE_FAULTS.get(name.rsplit("_", 1)[0])
    state = getattr(driver_error, "sqlstate", None)
    if isinstance(state, str):
        return POSTGRES_FAULTS.get(state) or POSTGRES_FAULTS.get(state[:2])
    connection_lost = isinstance(exc, DBAPIError) and exc.connection_invalidated
    operational = type(driver_error).__name__ in ("OperationalError", "InterfaceError")
    if connection_lost or (operational and hasattr(driver_error, "sqlstate")):
        return DatabaseUnavailable, UNREACHABLE  # could not connect: no SQLSTATE
    return None
