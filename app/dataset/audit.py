"""The audit trail: every write, with who made it, what it touched, when and why. Read
through GET /v1/audit (app.audit)."""

from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import Session

from app.domain.columns import utc_now
from app.models import AuditEntry


def record_audit(
    session: Session, *, actor: str, action: str, target: str, reason: str | None = None
) -> None:
    session.add(
        AuditEntry(recorded_at=utc_now(), actor=actor, action=action, target=target, reason=reason)
    )


def record_audits(
    session: Session, *, actor: str, action: str, targets: Iterable[str], reason: str | None
) -> None:
    """One entry for each target, in one statement: an import's many edits."""
    now = utc_now()
    entries = [
        {"recorded_at": now, "actor": actor, "action": action, "target": target, "reason": reason}
        for target in targets
    ]
    if entries:
        session.execute(insert(AuditEntry.__table__), entries)  # type: ignore[attr-defined]
