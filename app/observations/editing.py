"""Writing observations: create, edit, retract, and the import's save. Nothing is ever
overwritten: each change is a new revision, recorded with its time, author and reason, and
an edit applies only if it names the current revision."""

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.audit.service import record_audit
from app.dataset.service import SaveOutcome
from app.errors import Conflict, InvalidData, StaleRevision
from app.history import supersede
from app.metrics import service as metrics_service
from app.models import (
    Metric,
    Observation,
    ObservationDimension,
    ObservationFields,
    ObservationRevision,
    Source,
    utc_now,
)
from app.observations.schemas import (
    EDITABLE_FIELDS,
    ObservationData,
    ObservationIn,
    Qualifier,
)
from app.observations.service import canonical_dimensions, get_observation

# Columns that hold what a client wrote (dimensions is stored as canonical JSON).
STORED_FIELDS = [name for name in EDITABLE_FIELDS if name != "dimensions"]


def _highest(figure: Observation | ObservationData) -> float | None:
    """The largest the figure can be by its own words; None if unbounded above."""
    if figure.upper_bound is not None:
        return figure.upper_bound
    if figure.qualifier in (Qualifier.at_least, Qualifier.range):
        return None
    return figure.value


def _lowest(figure: ObservationData) -> float | None:
    return figure.lower_bound if figure.lower_bound is not None else figure.value


def _check_part_of(session: Session, data: ObservationData, observation_id: int | None) -> None:
    if data.part_of is None:
        return
    whole = session.get(Observation, data.part_of)
    if whole is None:
        raise InvalidData(
            f"part_of names observation {data.part_of}, which does not exist "
            "(in an import, put the total before its parts).",
            field="part_of",
        )
    if data.part_of == observation_id:
        raise InvalidData("An observation cannot be part of itself.", field="part_of")
    if (whole.metric, whole.origin, whole.destination) != (
        data.metric,
        data.origin,
        data.destination,
    ):
        raise InvalidData(
            f"part_of {whole.id} is {whole.metric} from {whole.origin} to {whole.destination}; "
            "a breakdown must have the same metric, origin and destination as its total.",
            field="part_of",
        )
    part_low, whole_high = _lowest(data), _highest(whole)
    if part_low is not None and whole_high is not None and part_low > whole_high:
        raise InvalidData(
            f"This part ({part_low:g}) is larger than its whole, observation {whole.id} "
            f"({whole_high:g}).",
            field="part_of",
        )


def validate_for_save(
    session: Session, data: ObservationData, observation_id: int | None = None
) -> Metric:
    """Rules that need the database: the metric and its dimensions, the source, the total."""
    metric = metrics_service.metric_for_write(session, data.metric)
    unknown_dimensions = sorted(set(data.dimensions) - set(metric.dimensions or []))
    if unknown_dimensions:
        allowed = ", ".join(metric.dimensions or []) or "none"
        raise InvalidData(
            f"Metric {metric.code} has no dimension {', '.join(unknown_dimensions)}; "
            f"it allows: {allowed}.",
            field="dimensions",
        )
    if session.get(Source, data.source_id) is None:
        raise InvalidData(
            f"source_id {data.source_id} names no source; add the source first.",
            field="source_id",
        )
    _check_part_of(session, data, observation_id)
    return metric


def _stored(data: ObservationData) -> dict[str, Any]:
    fields = {name: getattr(data, name) for name in STORED_FIELDS}
    fields["qualifier"], fields["basis"] = data.qualifier.value, data.basis.value
    fields["dimensions"] = canonical_dimensions(data.dimensions)
    return fields


def _store_dimensions(session: Session, observation_id: int, dimensions: Mapping[str, str]) -> None:
    session.execute(
        delete(ObservationDimension).where(ObservationDimension.observation_id == observation_id)
    )
    session.add_all(
        ObservationDimension(observation_id=observation_id, name=name, value=value)
        for name, value in dimensions.items()
    )


def _record(
    session: Session, observation: Observation, *, action: str, actor: str, reason: str | None
) -> None:
    """Close the previous revision and add this one; audit the write."""
    moment = observation.updated_at or utc_now()
    supersede(session, ObservationRevision, observation.id, moment)
    state = {name: getattr(observation, name) for name in ObservationFields.model_fields}
    state |= {"id": observation.id, "action": action, "recorded_at": moment}
    state |= {"recorded_by": actor, "reason": reason}
    session.add(ObservationRevision(**state))
    record_audit(
        session,
        actor=actor,
        action=f"observation.{action}",
        target=f"observation/{observation.id}",
        reason=reason,
    )
    session.flush()


def create_observation(
    session: Session,
    data: ObservationData,
    *,
    actor: str,
    observation_id: int | None = None,
) -> Observation:
    validate_for_save(session, data, observation_id)
    observation = Observation(id=observation_id, revision=1, updated_at=utc_now(), **_stored(data))
    session.add(observation)
    session.flush()
    _store_dimensions(session, observation.id, data.dimensions)
    _record(session, observation, action="create", actor=actor, reason=None)
    return observation


def _current_data(observation: Observation) -> dict[str, Any]:
    state = {name: getattr(observation, name) for name in STORED_FIELDS}
    state["dimensions"] = json.loads(observation.dimensions)
    return state


def _merge(observation: Observation, changes: Mapping[str, Any]) -> ObservationData:
    """The observation with `changes` applied, validated as a whole; values derived from
    fields that changed (the period label, an at_least's lower bound) are derived anew."""
    merged = _current_data(observation)
    if {"period_start", "period_end"} & changes.keys() and "period_label" not in changes:
        merged.pop("period_label")
    if {"value", "qualifier"} & changes.keys():
        for bound in ("lower_bound", "upper_bound"):
            if bound not in changes and merged[bound] == observation.value:
                merged[bound] = None
    merged.update(changes)
    try:
        return ObservationData.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidData(f"{where}: {message}", field=where) from None


def _check_current(observation: Observation, expected_revision: int) -> None:
    if observation.revision != expected_revision:
        raise StaleRevision(
            f"Observation {observation.id} is at revision {observation.revision}, not "
            f"{expected_revision}: someone changed it since you read it. Read it again and "
            "reapply your change.",
            current_revision=observation.revision,
        )


def _apply(
    session: Session, observation: Observation, expected_revision: int, values: dict[str, Any]
) -> None:
    """Compare-and-set: the update applies only if the revision is still the expected one,
    so two editors can never both replace the same revision."""
    applied = session.execute(
        update(Observation)
        .where(Observation.id == observation.id, Observation.revision == expected_revision)
        .values(**values, revision=expected_revision + 1, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    if applied.rowcount != 1:
        raise StaleRevision(
            f"Observation {observation.id} changed meanwhile; read it again and retry."
        )
    session.refresh(observation)


def edit_observation(
    session: Session,
    observation_id: int,
    changes: Mapping[str, Any],
    *,
    expected_revision: int,
    actor: str,
    reason: str,
) -> tuple[Observation, SaveOutcome]:
    observation = get_observation(session, observation_id)
    assert isinstance(observation, Observation)
    _check_current(observation, expected_revision)
    if observation.retracted_at is not None:
        raise Conflict(f"Observation {observation_id} is retracted; it can no longer be edited.")
    data = _merge(observation, changes)
    validate_for_save(session, data, observation_id)
    values = _stored(data)
    if all(getattr(observation, name) == value for name, value in values.items()):
        return observation, "unchanged"
    _apply(session, observation, expected_revision, values)
    _store_dimensions(session, observation_id, data.dimensions)
    _record(session, observation, action="edit", actor=actor, reason=reason)
    return observation, "updated"


def retract_observation(
    session: Session, observation_id: int, *, expected_revision: int, actor: str, reason: str
) -> Observation:
    observation = get_observation(session, observation_id)
    assert isinstance(observation, Observation)
    _check_current(observation, expected_revision)
    if observation.retracted_at is not None:
        raise Conflict(f"Observation {observation_id} is already retracted.")
    _apply(
        session,
        observation,
        expected_revision,
        {"retracted_at": utc_now(), "retraction_reason": reason},
    )
    _record(session, observation, action="retract", actor=actor, reason=reason)
    return observation


def list_history(session: Session, observation_id: int) -> list[ObservationRevision]:
    get_observation(session, observation_id)  # 404 if it never existed
    statement = (
        select(ObservationRevision)
        .where(ObservationRevision.id == observation_id)
        .order_by(ObservationRevision.revision)
    )
    return list(session.scalars(statement))


def _find_same(session: Session, data: ObservationData) -> Observation | None:
    """Without an id, the same figure is the same metric, pair, region, breakdown, period,
    source and claimant."""
    statement = select(Observation).where(
        Observation.metric == data.metric,
        Observation.origin == data.origin,
        Observation.destination == data.destination,
        Observation.region.is_not_distinct_from(data.region),
        Observation.dimensions == canonical_dimensions(data.dimensions),
        Observation.period_start.is_not_distinct_from(data.period_start),
        Observation.period_end.is_not_distinct_from(data.period_end),
        Observation.source_id == data.source_id,
        Observation.attributed_to == data.attributed_to,
    )
    return session.scalars(statement.order_by(Observation.id).limit(1)).first()


def save_observation(
    session: Session, row: ObservationIn, *, actor: str, reason: str = "import"
) -> tuple[Observation, SaveOutcome]:
    """For imports: create the observation, or revise the one with the same id (or natural
    key). A row naming a revision must name the current one."""
    data = ObservationData.model_validate(row.model_dump(exclude={"id", "revision"}))
    existing = session.get(Observation, row.id) if row.id is not None else _find_same(session, data)
    if existing is None:
        return create_observation(session, data, actor=actor, observation_id=row.id), "created"
    expected = row.revision if row.revision is not None else existing.revision
    full = data.model_dump()
    return edit_observation(
        session, existing.id, full, expected_revision=expected, actor=actor, reason=reason
    )
