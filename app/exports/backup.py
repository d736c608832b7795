"""Backing up the SQLite database file, and restoring such a backup, with SQLite's online
backup API: a backup is one consistent moment of the database while writes go on, and a
restore replaces the database in one transaction, so readers see the old data or the new,
never a mix. PostgreSQL has its own tools for this: pg_dump and pg_restore."""

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.config import get_settings
from app.dataset.state import read_state
from app.db import DataSession, alembic_config, create_db_engine, is_sqlite, migrate
from app.domain.columns import utc_now
from app.errors import BadRequest, Conflict, InvalidData, NotFound
from app.models import DatasetState

# DATABASE_URL without SQLAlchemy's "+psycopg" is the URL these tools take.
PG_DUMP = "pg_dump --format=custom --file=laborstats.dump postgresql://USER@HOST:5432/DBNAME"
PG_RESTORE = (
    "pg_restore --clean --if-exists --no-owner --dbname=postgresql://USER@HOST:5432/DBNAME "
    "laborstats.dump"
)
# Tables that make a SQLite file a laborstats database (besides alembic_version).
LABORSTATS_TABLES = {"dataset_state", "metric", "source", "observation", "observation_revision"}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    data_version: int
    schema: str  # the Alembic revision


def database_file(url: str, *, doing: str) -> Path:
    """The SQLite file `url` names; on PostgreSQL, say which tool does `doing` instead."""
    if not is_sqlite(url):
        tool = PG_DUMP if doing == "back up" else PG_RESTORE
        raise BadRequest(
            f"laborstats {doing.replace(' ', '')} works on a SQLite database; on PostgreSQL "
            f"use its own tools: {tool} (see Backups in docs/operations.md)."
        )
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BadRequest(f"DATABASE_URL names no SQLite file: {url}")
    return Path(database)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={int(get_settings().sqlite_busy_timeout_ms)}")
    return connection


@contextmanager
def _temporary_file(beside: Path, suffix: str) -> Iterator[Path]:
    """A path in `beside`'s folder (so that renaming it there is atomic), removed at the end
    unless it was renamed away."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=beside.parent, prefix=f".{beside.name}.", suffix=suffix)
    os.close(descriptor)
    path = Path(name)
    try:
        yield path
    finally:
        for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


def backup_database(url: str, target: Path, *, force: bool = False) -> BackupInfo:
    """Copy the database to `target` while writes go on (they are not held up: the copy
    reads one snapshot of the WAL database), as one file (no -wal beside it), checked by
    `PRAGMA integrity_check`. An existing `target` is replaced only with `force`; a copy
    that fails half-way leaves nothing at `target`."""
    source = database_file(url, doing="back up")
    if not source.is_file():
        raise NotFound(f"There is no database at {source} to back up.")
    if target.exists() and not force:
        raise Conflict(f"{target} exists; pass --force to replace it.")
    with _temporary_file(target, ".partial") as partial:
        with closing(_connect(source)) as reading, closing(_connect(partial)) as copy:
            reading.backup(copy)  # all pages in one step: one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        info = check_backup(partial, url=url, name=target)
        partial.replace(target)
    return BackupInfo(target, target.stat().st_size, info.data_version, info.schema)


def known_revisions(url: str) -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return {revision.revision for revision in script.walk_revisions()}


def check_backup(path: Path, *, url: str, name: Path | None = None) -> BackupInfo:
    """Refuse (InvalidData, naming the file: `name`, or `path`) a file that is not a SQLite
    database, fails `PRAGMA integrity_check`, is not a laborstats database, or has a schema
    newer than this code knows (an Alembic revision not among its migrations)."""
    name = name or path
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            problems = [
                line
                for row in db.execute("PRAGMA integrity_check")
                for line in str(row[0]).splitlines()
                if not line.startswith("*** in database")
            ]
            if problems != ["ok"]:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise InvalidData(f"{name} fails PRAGMA integrity_check: {problems[0]}{more}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", *LABORSTATS_TABLES} <= tables:
                raise InvalidData(f"{name} is a SQLite database, but not a laborstats one.")
            schema = db.execute("SELECT version_num FROM alembic_version").fetchone()
            version = db.execute("SELECT data_version FROM dataset_state").fetchone()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise InvalidData(f"{name} is not a SQLite database.") from None
        raise InvalidData(f"{name} fails PRAGMA integrity_check: {exc}") from None
    if schema is None or schema[0] not in known_revisions(url):
        raise InvalidData(
            f"{name} has a newer schema (revision {schema[0] if schema else 'none'}) than "
            "this laborstats knows: restore it with the version that wrote it, or upgrade."
        )
    return BackupInfo(path, path.stat().st_size, version[0] if version else 0, schema[0])


def _current_version(url: str) -> int:
    """The data version of the database about to be replaced (0 if it has none to read)."""
    engine = create_db_engine(url)
    try:
        with DataSession(engine) as session:
            return read_state(session).version
    except SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


def _prepare(copy: Path, *, data_version: int) -> None:
    """Bring the copy's schema up to date, and move its data version to `data_version`, so
    that every process's catalog and every client's ETag tell the restored data apart."""
    copy_url = f"sqlite:///{copy}"
    migrate(copy_url)
    engine = create_db_engine(copy_url, for_writes=True)
    try:
        with DataSession(engine) as session, session.begin():
            session.execute(
                update(DatasetState).values(data_version=data_version, updated_at=utc_now())
            )
    finally:
        engine.dispose()
    with closing(sqlite3.connect(copy, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=DELETE")  # fold its WAL back in


def restore_database(url: str, backup: Path, *, force: bool = False) -> BackupInfo:
    """Replace the database with `backup`, once it passes `check_backup`. The backup file
    itself is only read: a copy of it is checked, migrated and given a data version past
    both the backup's and the database's, then written into the database by the backup API
    in one write transaction, which waits for writes in progress; readers, a running server
    included, see the old data or the new. A database that exists is replaced only with
    `force`."""
    target = database_file(url, doing="restore")
    if not backup.is_file():
        raise NotFound(f"There is no backup file at {backup}.")
    if target.exists() and target.stat().st_size and not force:
        raise Conflict(f"{target} holds a database; pass --force to replace it with {backup}.")
    with _temporary_file(target, ".restoring") as copy:
        shutil.copyfile(backup, copy)
        info = check_backup(copy, url=url, name=backup)
        version = max(info.data_version, _current_version(url) if target.exists() else 0) + 1
        _prepare(copy, data_version=version)
        try:
            with closing(_connect(copy)) as restored, closing(_connect(target)) as database:
                restored.backup(database)  # retried while a writer holds the lock
        except sqlite3.Error as exc:  # e.g. a file at DATABASE_URL that is no database
            raise Conflict(
                f"Could not write the backup into {target}: {exc}. If that file is broken, "
                "stop the API, move it (with its -wal and -shm) away, and restore again."
            ) from None
    return BackupInfo(target, target.stat().st_size, version, info.schema)
