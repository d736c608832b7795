"""The audit log: every write, with who made it, what it touched, when and why."""

from sqlalchemy import select
from sqlmodel import Session

from app.models import AuditEntry, utc_now


def record_audit(
    session: Session, *, actor: str, action: str, target: str, reason: str | None = None
) -> None:
    session.add(
        AuditEntry(recorded_at=utc_now(), actor=actor, action=action, target=target, reason=reason)
    )


def list_audit(session: Session, *, limit: int, after_id: int | None) -> list[AuditEntry]:
    """Newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if after_id is not None:
        query = query.where(AuditEntry.id < after_id)
    return list(session.scalars(query))
