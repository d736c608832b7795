"""Reading the audit trail, which every write adds to (app.dataset.audit)."""

from sqlalchemy import select
from sqlmodel import Session

from app.models import AuditEntry


def list_audit(session: Session, *, limit: int, after_id: int | None) -> list[AuditEntry]:
    """Newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if after_id is not None:
        query = query.where(AuditEntry.id < after_id)
    return list(session.scalars(query))
