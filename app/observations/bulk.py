"""Saving many observations at once, for imports: the same rules as `editing`, checked
against a batch's references fetched in a few queries, and new rows written with one
multi-row insert per table instead of one ORM object each.

Rows that revise an existing observation go through `editing.save_observation` one by
one: imports mostly add."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.domain.columns import utc_now
from app.domain.outcomes import SaveOutcome
from app.errors import Conflict, InvalidData
from app.models import Metric, Observation, ObservationDimension, ObservationRevision, Source
from app.observations import editing
from app.observations.editing import NaturalKey, References, Whole
from app.observations.schemas import ObservationImport

Outcome = SaveOutcome | str  # a problem message naming the field


def _message(exc: InvalidData | Conflict) -> str:
    field = exc.extra.get("field")
    return f"{field}: {exc.detail}" if field else exc.detail


def _unchanged(row: ObservationImport, stored: Any) -> bool:
    """The row restates the stored observation (and names its revision, if it names one)."""
    if row.revision is not None and row.revision != stored.revision:
        return False
    values = editing.stored_values(row)
    return all(getattr(stored, name) == value for name, value in values.items())


def save_many(
    session: Session,
    rows: Sequence[tuple[int, ObservationImport]],
    *,
    actor: str,
    reason: str,
    seen: dict[NaturalKey, int],
) -> list[tuple[int, Outcome]]:
    """Each row's line and outcome; a row with a problem writes nothing. `seen` holds the
    natural keys of rows without an id added so far in this import (key: line), so that
    the same figure twice in one file is reported rather than stored twice."""
    metrics = {m.code: m for m in session.scalars(select(Metric))}
    wanted_sources = {row.source_id for _, row in rows}
    sources = set(session.scalars(select(Source.id).where(Source.id.in_(wanted_sources))))
    same_ids = editing.find_same_ids(session, [row for _, row in rows if row.id is None])
    given_ids = {row.id for _, row in rows if row.id is not None} | set(same_ids.values())
    existing = {
        stored.id: stored
        for stored in session.execute(
            select(*Observation.__table__.columns).where(Observation.id.in_(given_ids))
        )
    }
    wanted_wholes = {row.part_of for _, row in rows if row.part_of is not None}
    wholes = {
        whole.id: Whole.of(whole, whole.id)
        for whole in session.execute(
            select(*Observation.__table__.columns).where(Observation.id.in_(wanted_wholes))
        )
    }
    outcomes: list[tuple[int, Outcome]] = []
    new_rows: list[ObservationImport] = []
    new_ids: set[int] = set()
    for line, row in rows:
        try:
            key = editing.natural_key(row) if row.id is None else None
            stored = existing.get(row.id if key is None else same_ids.get(key, 0))
            if stored is not None:
                if _unchanged(row, stored):
                    outcomes.append((line, "unchanged"))
                else:  # a revision: the one-by-one path, with all its checks
                    saved = editing.save_observation(session, row, actor=actor, reason=reason)
                    outcomes.append((line, saved[1]))
                continue
            references = References(metrics, row.source_id in sources, wholes.get(row.part_of or 0))
            editing.check_references(row, references, row.id)
            if row.id is not None and row.id in new_ids:
                raise InvalidData(f"observation {row.id} appears twice in this import.", field="id")
            if key is not None and key in seen:
                raise InvalidData(f"the same observation is on line {seen[key]} already.")
        except (InvalidData, Conflict) as exc:
            outcomes.append((line, _message(exc)))
            continue
        new_rows.append(row)
        if key is not None:
            seen[key] = line
        if row.id is not None:  # a later row may be a part of this one
            new_ids.add(row.id)
            wholes[row.id] = Whole.of(row, row.id)
        outcomes.append((line, "created"))
    _insert(session, new_rows, actor=actor, reason=reason)
    return outcomes


def _insert(session: Session, rows: list[ObservationImport], *, actor: str, reason: str) -> None:
    if not rows:
        return
    now = utc_now()
    states: list[dict[str, Any]] = []
    for row in rows:
        state = editing.stored_values(row)
        state["revision"], state["updated_at"] = 1, now
        if row.id is not None:
            state["id"] = row.id
        states.append(state)
    with_ids = [state for state in states if "id" in state]
    without_ids = [state for state in states if "id" not in state]
    # Core inserts on the tables (not the ORM's bulk path, which splits rows into groups).
    table = Observation.__table__
    if with_ids:
        session.execute(table.insert(), with_ids)
    if without_ids:
        returning = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        for state, new_id in zip(without_ids, session.scalars(returning, without_ids), strict=True):
            state["id"] = new_id
    history = {"action": "create", "recorded_at": now, "recorded_by": actor, "reason": reason}
    session.execute(ObservationRevision.__table__.insert(), [state | history for state in states])
    dimensions = [
        {"observation_id": state["id"], "name": name, "value": value}
        for state, row in zip(states, rows, strict=True)
        for name, value in row.dimensions.items()
    ]
    if dimensions:
        session.execute(ObservationDimension.__table__.insert(), dimensions)
