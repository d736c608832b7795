"""Revision tables keep every state a record has had, each valid from `recorded_at` until
`superseded_at` (null while current). Reading "as of" a day takes the state valid at the
end of that UTC day: `state_at` says where, for every record kind."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.state import claim_change_version
from app.domain.columns import utc_now
from app.domain.dates import AsOf
from app.domain.revisions import Action
from app.errors import StaleRevision
from app.models import (
    Event,
    EventRevision,
    Observation,
    ObservationRevision,
    Source,
    SourceRevision,
)

# Each record table, and the table keeping every state it has had.
REVISION_TABLES: dict[Any, Any] = {
    Observation: ObservationRevision,
    Source: SourceRevision,
    Event: EventRevision,
}


def state_at(record_table: Any, as_of: AsOf | None) -> tuple[Any, list[ColumnElement[bool]]]:
    """Where a record's state at `as_of` is read, and the condition that picks it: the
    record table itself now (no condition), or its revision table and the states valid at
    the end of that day."""
    if as_of is None:
        return record_table, []
    revisions = REVISION_TABLES[record_table]
    moment = as_of.end
    return revisions, [
        revisions.recorded_at < moment,
        or_(revisions.superseded_at.is_(None), revisions.superseded_at >= moment),
    ]


def supersede(session: Session, revision_table: Any, record_id: int, moment: datetime) -> None:
    """Close the current revision of a record; the caller adds the next one."""
    session.execute(
        update(revision_table)
        .where(revision_table.id == record_id, revision_table.superseded_at.is_(None))
        .values(superseded_at=moment)
    )


def compare_and_set(
    session: Session, record: Any, expected_revision: int, values: dict[str, Any], *, kind: str
) -> None:
    """Apply `values` as the next revision only if `expected_revision` is still current, in
    one UPDATE, so two editors can never both replace the same revision; then reload."""
    table = type(record)
    claim_change_version(session)  # before the clock: moments follow commits
    applied = session.execute(
        update(table)
        .where(table.id == record.id, table.revision == expected_revision)
        .values(**values, revision=expected_revision + 1, updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if applied.rowcount != 1:  # another writer got there between the read and this update
        raise StaleRevision(
            f"{kind.capitalize()} {record.id} changed meanwhile; read it again and retry."
        )
    session.refresh(record)


def record_revision(
    session: Session, record: Any, *, action: Action, actor: str, reason: str | None
) -> None:
    """Keep a record's new state as a revision: close the one before (a creation has none),
    add this one with who did it and why, and audit the write."""
    table = REVISION_TABLES[type(record)]
    kind = record.__tablename__
    moment = record.updated_at or utc_now()
    if action is not Action.create:
        supersede(session, table, record.id, moment)
    state = {name: getattr(record, name) for name in _state_fields(type(record))}
    state |= {"action": action, "recorded_at": moment, "recorded_by": actor, "reason": reason}
    state["change_version"] = claim_change_version(session)
    session.add(table(**state))
    target = f"{kind}/{record.id}"
    record_audit(session, actor=actor, action=f"{kind}.{action}", target=target, reason=reason)
    session.flush()


def _state_fields(record_table: Any) -> list[str]:
    """What a revision copies from its record: every field both tables have (the record's
    declared state, its id and revision)."""
    revision_fields = REVISION_TABLES[record_table].model_fields
    return [name for name in record_table.model_fields if name in revision_fields]
