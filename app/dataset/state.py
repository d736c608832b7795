"""The data version: one number that every write bumps, so caches and clients can tell
whether anything changed. `app.db.DataSession` bumps it when a write commits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from app.domain.columns import utc_now
from app.models import DatasetState


@dataclass(frozen=True)
class DataState:
    version: int
    updated_at: datetime | None


# Built once: every read runs it.
READ_STATE = select(DatasetState.data_version, DatasetState.updated_at).where(DatasetState.id == 1)


def read_state(session: Session | Connection) -> DataState:
    connection = session if isinstance(session, Connection) else session.connection()
    row = connection.execute(READ_STATE).first()
    if row is None:  # only if the migration's row was deleted by hand
        return DataState(version=0, updated_at=None)
    return DataState(version=row.data_version, updated_at=row.updated_at)


# Where a session keeps the version its transaction's changes are stamped with.
CHANGE_VERSION = "change_version"


def claim_change_version(session: Session) -> int:
    """The data version this transaction's changes are stamped with (`change_version` of
    each revision it writes): bumped at its first change rather than at commit, so that the
    row stays locked until commit (PostgreSQL; SQLite has one writer at a time) and no other
    writer can take the next version before this one commits. Versions therefore follow the
    order of commits, and the change feed that pages by them never skips a change committed
    late. The commit then bumps nothing more (`app.db`).

    A write claims it before it reads the clock for a record's `updated_at`, so that those
    moments follow the order of commits too: read before, a write that then waited for
    another could commit a moment older than one already served, and a client asking for
    what was updated after the newest `updated_at` it holds would never see it."""
    claimed = session.info.get(CHANGE_VERSION)
    if claimed is None:
        bumped = (
            update(DatasetState)
            .where(DatasetState.id == 1)
            .values(data_version=DatasetState.data_version + 1, updated_at=utc_now())
            .returning(DatasetState.data_version)
        )
        claimed = session.info[CHANGE_VERSION] = int(
            session.connection().execute(bumped).scalar_one()
        )
    return claimed


def bump_data_version(session: Session) -> None:
    """In the transaction of the write, so the version moves only if the write commits."""
    session.execute(
        update(DatasetState)
        .where(DatasetState.id == 1)
        .values(data_version=DatasetState.data_version + 1, updated_at=utc_now())
    )
