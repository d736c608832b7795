"""Drafts: figures proposed from a source's text, waiting for an editor (app.domain.draft)."""

from sqlalchemy import Index
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.draft import DraftState


class Draft(DraftState, table=True):
    """A proposed figure and what became of it; never read as an observation."""

    # Lists by source and by status, in id order.
    __table_args__ = (
        Index("ix_draft_source_id_id", "source_id", "id"),
        Index("ix_draft_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
