from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """One write: who (token name), what (action, target), when, and why."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_recorded_at", "recorded_at", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)  # e.g. observation.edit, import, token.create
    target: str = Field(max_length=200)  # e.g. observation/12
    reason: str | None = Field(default=None, sa_type=Text)
