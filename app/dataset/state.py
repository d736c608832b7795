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


def bump_data_version(session: Session) -> None:
    """In the transaction of the write, so the version moves only if the write commits."""
    session.execute(
        update(DatasetState)
        .where(DatasetState.id == 1)
        .values(data_version=DatasetState.data_version + 1, updated_at=utc_now())
    )
