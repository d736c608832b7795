"""The audit trail: every write, with who made it, what it touched, when and why. Read
through GET /v1/audit (app.audit)."""

from sqlmodel import Session

from app.domain.columns import utc_now
from app.models import AuditEntry


def record_audit(
    session: Session, *, actor: str, action: str, target: str, reason: str | None = None
) -> None:
    session.add(
        AuditEntry(recorded_at=utc_now(), actor=actor, action=action, target=target, reason=reason)
    )
