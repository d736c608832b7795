from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


def _type_check() -> CheckConstraint:
    return CheckConstraint(
        "type IN ('news_report', 'government_statistics', 'intelligence_estimate',"
        " 'official_statement', 'testimony')",
        name="type",
    )


class SourceFields(SQLModel):
    """What a source holds, now (Source) or at one revision (SourceRevision)."""

    title: str = Field(max_length=500)
    publisher: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    # ISO 8601 with the precision the source gives: "2025", "2025-06" or "2025-06-17".
    published_on: str | None = Field(default=None, max_length=10)
    type: str = Field(max_length=32)
    # The source that carried this one to us: an article relaying a BBC investigation.
    relayed_through: int | None = Field(default=None, foreign_key="source.id")
    notes: str | None = Field(default=None, sa_type=Text)
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Source(SourceFields, table=True):
    """A publication or statement that figures are taken from."""

    __table_args__ = (_type_check(),)

    id: int | None = Field(default=None, primary_key=True)


class SourceRevision(SourceFields, table=True):
    """A source as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "source_revision"
    __table_args__ = (_type_check(), Index("ix_source_revision_recorded_at", "recorded_at"))

    id: int = Field(foreign_key="source.id", primary_key=True)
    revision: int = Field(primary_key=True)
    action: str = Field(max_length=16)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)
    reason: str | None = Field(default=None, sa_type=Text)
