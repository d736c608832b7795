"""The data version: one number that every write bumps, so caches and clients can tell
whether anything changed."""

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session

from app.models import DatasetState

# What saving one record did; imports count these.
SaveOutcome = Literal["created", "updated", "unchanged"]


def read_state(session: Session) -> DatasetState:
    state = session.get(DatasetState, 1)
    if state is None:  # only if the migration's row was deleted by hand
        state = DatasetState(id=1, data_version=0)
        session.add(state)
        session.flush()
    return state


def bump_data_version(session: Session) -> None:
    """Called in the same transaction as the write, so the version moves only if it commits."""
    session.execute(
        update(DatasetState)
        .where(DatasetState.id == 1)
        .values(data_version=DatasetState.data_version + 1, updated_at=datetime.now(UTC))
    )
