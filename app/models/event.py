"""Event tables: the fields come from app.domain.event; these add ids, the revision
bookkeeping and the index lists read through."""

from sqlalchemy import Index
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.event import EventState
from app.models.revisions import RevisionColumns, revision_table_args


class Event(EventState, table=True):
    """A dated event a source reports, as it stands now; its past is in EventRevision."""

    # Lists are in date order; the source's index serves the quote checks of a text edit.
    __table_args__ = (
        Index("ix_event_occurred_on", "occurred_on", "id"),
        Index("ix_event_source_id", "source_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class EventRevision(RevisionColumns, EventState, table=True):
    """An event as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "event_revision"
    __table_args__ = revision_table_args("event")
