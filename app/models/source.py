"""Source tables: the fields come from app.domain.source."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime
from app.domain.source import SourceState, SourceType


def _type_check() -> CheckConstraint:
    types = ", ".join(f"'{member.value}'" for member in SourceType)
    return CheckConstraint(f"type IN ({types})", name="type")


class Source(SourceState, table=True):
    """A publication or statement that figures are taken from."""

    __table_args__ = (_type_check(),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class SourceRevision(SourceState, table=True):
    """A source as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "source_revision"
    __table_args__ = (_type_check(), Index("ix_source_revision_recorded_at", "recorded_at"))

    id: int = Field(foreign_key="source.id", primary_key=True, sa_type=IdColumn)
    revision: int = Field(primary_key=True)
    action: str = Field(max_length=16)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)
    reason: str | None = Field(default=None, sa_type=Text)
