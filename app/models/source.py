"""Source tables: the fields come from app.domain.source."""

from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.source import SourceState, SourceType
from app.models.base import one_of
from app.models.revisions import RevisionColumns, revision_table_args


class Source(SourceState, table=True):
    """A publication or statement that figures are taken from."""

    __table_args__ = (one_of("type", SourceType),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class SourceRevision(RevisionColumns, SourceState, table=True):
    """A source as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "source_revision"
    __table_args__ = (one_of("type", SourceType), *revision_table_args("source"))
