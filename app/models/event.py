"""Event tables: the fields come from app.domain.event; these add ids, the revision
bookkeeping and the index lists read through."""

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime
from app.domain.event import EventState


class Event(EventState, table=True):
    """A dated event a source reports, as it stands now; its past is in EventRevision."""

    # Lists are in date order; the source's index serves the quote checks of a text edit.
    __table_args__ = (
        Index("ix_event_occurred_on", "occurred_on", "id"),
        Index("ix_event_source_id", "source_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class EventRevision(EventState, table=True):
    """An event as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "event_revision"
    __table_args__ = (Index("ix_event_revision_recorded_at", "recorded_at"),)

    id: int = Field(foreign_key="event.id", primary_key=True, sa_type=IdColumn)
    revision: int = Field(primary_key=True)
    action: str = Field(max_length=16)  # create, edit, retract
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)  # the token's name, or "cli"
    reason: str | None = Field(default=None, sa_type=Text)
