"""Writing observations: create, edit, retract, and the import's save. Nothing is ever
overwritten: each change is a new revision, recorded with its time, author and reason, and
an edit applies only if it names the current revision."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select, tuple_
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.history import compare_and_set, supersede
from app.domain.columns import canonical_dimensions, utc_now
from app.domain.figures import Qualifier
from app.domain.observation import NATURAL_KEY, WRITTEN_FIELDS, ObservationState
from app.domain.outcomes import SaveOutcome
from app.errors import Conflict, InvalidData, StaleRevision
from app.models import Metric, Observation, ObservationDimension, ObservationRevision, Source
from app.observations.schemas import ObservationCreate, ObservationImport
from app.observations.service import get_observation


@dataclass(frozen=True)
class Whole:
    """What a breakdown is checked against: its total's id, metric, pair and highest figure."""

    id: int
    metric: str
    origin: str
    destination: str
    highest: float | None

    @classmethod
    def of(cls, figure: Any, observation_id: int) -> "Whole":
        """From an observation (or a row being imported): the largest it can be by its own
        words; None if unbounded above."""
        if figure.upper_bound is not None:
            highest = figure.upper_bound
        elif figure.qualifier in (Qualifier.at_least, Qualifier.range):
            highest = None
        else:
            highest = figure.value
        return cls(observation_id, figure.metric, figure.origin, figure.destination, highest)


@dataclass(frozen=True)
class References:
    """What the rules need from the database, fetched by the caller (one by one, or in bulk
    for imports): the metrics, whether the source exists, and the total named by part_of."""

    metrics: Mapping[str, Metric]
    source_exists: bool
    whole: Whole | None


def check_references(
    data: ObservationCreate, references: References, observation_id: int | None = None
) -> Metric:
    """The rules that involve other records; InvalidData names the field that breaks one."""
    metric = references.metrics.get(data.metric)
    if metric is None:
        known = ", ".join(sorted(references.metrics)) or "none yet"
        raise InvalidData(
            f"Unknown metric '{data.metric}'. Known metrics: {known}.", field="metric"
        )
    unknown_dimensions = sorted(set(data.dimensions) - set(metric.dimensions or []))
    if unknown_dimensions:
        allowed = ", ".join(metric.dimensions or []) or "none"
        raise InvalidData(
            f"Metric {metric.code} has no dimension {', '.join(unknown_dimensions)}; "
            f"it allows: {allowed}.",
            field="dimensions",
        )
    if not references.source_exists:
        raise InvalidData(
            f"source_id {data.source_id} names no source; add the source first.",
            field="source_id",
        )
    if data.part_of is not None:
        _check_part_of(data, references.whole, observation_id)
    return metric


def _check_part_of(
    data: ObservationCreate, whole: Whole | None, observation_id: int | None
) -> None:
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
    part_low = data.lower_bound if data.lower_bound is not None else data.value
    if part_low is not None and whole.highest is not None and part_low > whole.highest:
        raise InvalidData(
            f"This part ({part_low:g}) is larger than its whole, observation {whole.id} "
            f"({whole.highest:g}).",
            field="part_of",
        )


def validate_for_save(
    session: Session, data: ObservationCreate, observation_id: int | None = None
) -> Metric:
    """The rules that involve other records, for one observation."""
    whole_row = session.get(Observation, data.part_of) if data.part_of is not None else None
    references = References(
        metrics={m.code: m for m in session.scalars(select(Metric))},
        source_exists=session.get(Source, data.source_id) is not None,
        whole=Whole.of(whole_row, whole_row.id) if whole_row is not None else None,
    )
    return check_references(data, references, observation_id)


def stored_values(data: ObservationCreate) -> dict[str, Any]:
    """What a client wrote, as the observation's columns hold it."""
    return data.model_dump(include=set(WRITTEN_FIELDS))


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
    state = {name: getattr(observation, name) for name in ObservationState.model_fields}
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
    data: ObservationCreate,
    *,
    actor: str,
    observation_id: int | None = None,
) -> Observation:
    validate_for_save(session, data, observation_id)
    observation = Observation(
        id=observation_id, revision=1, updated_at=utc_now(), **stored_values(data)
    )
    session.add(observation)
    session.flush()
    _store_dimensions(session, observation.id, data.dimensions)
    _record(session, observation, action="create", actor=actor, reason=None)
    return observation


def _current_data(observation: Observation) -> dict[str, Any]:
    return {name: getattr(observation, name) for name in WRITTEN_FIELDS}


def _merge(observation: Observation, changes: Mapping[str, Any]) -> ObservationCreate:
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
        return ObservationCreate.model_validate(merged)
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
    values = stored_values(data)
    if all(getattr(observation, name) == value for name, value in values.items()):
        return observation, "unchanged"
    compare_and_set(session, observation, expected_revision, values, kind="observation")
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
    retraction = {"retracted_at": utc_now(), "retraction_reason": reason}
    compare_and_set(session, observation, expected_revision, retraction, kind="observation")
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


NaturalKey = tuple[Any, ...]


def natural_key(figure: Any) -> NaturalKey:
    """The NATURAL_KEY of an observation or an imported row, hashable."""
    return tuple(
        canonical_dimensions(figure.dimensions) if name == "dimensions" else getattr(figure, name)
        for name in NATURAL_KEY
    )


def find_same_ids(session: Session, rows: Sequence[ObservationCreate]) -> dict[NaturalKey, int]:
    """The ids of stored observations with the natural keys of `rows`, in one query (the
    natural-key index narrows by source and claimant; the rest is matched here)."""
    if not rows:
        return {}
    wanted = {natural_key(row) for row in rows}
    claims = {(row.source_id, row.attributed_to) for row in rows}
    columns = [getattr(Observation, name) for name in NATURAL_KEY]
    statement = (
        select(Observation.id, *columns)
        .where(tuple_(Observation.source_id, Observation.attributed_to).in_(claims))
        .order_by(Observation.id.desc())  # the first one wins, as ids go
    )
    found: dict[NaturalKey, int] = {}
    for row in session.execute(statement):
        key = natural_key(row)
        if key in wanted:
            found[key] = row.id
    return found


def save_observation(
    session: Session, row: ObservationImport, *, actor: str, reason: str = "import"
) -> tuple[Observation, SaveOutcome]:
    """For imports: create the observation, or revise the one with the same id (or natural
    key). A row naming a revision must name the current one."""
    data = ObservationCreate.model_validate(row.model_dump(exclude={"id", "revision"}))
    if row.id is not None:
        existing = session.get(Observation, row.id)
    else:
        same = find_same_ids(session, [data]).get(natural_key(data))
        existing = session.get(Observation, same) if same is not None else None
    if existing is None:
        return create_observation(session, data, actor=actor, observation_id=row.id), "created"
    expected = row.revision if row.revision is not None else existing.revision
    full = data.model_dump()
    return edit_observation(
        session, existing.id, full, expected_revision=expected, actor=actor, reason=reason
    )
