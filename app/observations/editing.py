"""Writing observations: create, edit, retract, and the import's save. Nothing is ever
overwritten: each change is a new revision, recorded with its time, author and reason, and
an edit applies only if it names the current revision."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from app.dataset.history import compare_and_set, record_revision
from app.dataset.state import claim_change_version
from app.domain.columns import utc_now
from app.domain.edits import validated_edit
from app.domain.observation import WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.revisions import Action, retraction
from app.errors import Conflict, StaleRevision
from app.models import Metric, Observation, ObservationDimension, ObservationRevision, Source
from app.observations.natural_keys import find_same_ids, natural_key
from app.observations.rules import References, Whole, check_references
from app.observations.schemas import ObservationCreate, ObservationImport
from app.observations.service import get_observation
from app.sources.files import check_cell, table_of_source
from app.sources.service import relay_chains
from app.sources.texts import check_quote, held_text, stored_text


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
    metric = check_references(stored_values(data), references, observation_id)
    if data.quote is not None:
        chain = relay_chains(session, [data.source_id])[data.source_id]
        check_quote(data.quote, held_text(chain, stored_text))
    if data.cell is not None:
        table = table_of_source(session, data.source_id)
        bounds = (data.lower_bound, data.upper_bound)
        check_cell(dict(data.cell), data.value, bounds, table, source_id=data.source_id)
    return metric


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


def create_observation(
    session: Session,
    data: ObservationCreate,
    *,
    actor: str,
    observation_id: int | None = None,
    reason: str | None = None,
) -> Observation:
    """A new observation, its first revision saying who wrote it (and why, if told)."""
    validate_for_save(session, data, observation_id)
    claim_change_version(session)  # before the clock: moments follow commits
    observation = Observation(
        id=observation_id, revision=1, updated_at=utc_now(), **stored_values(data)
    )
    session.add(observation)
    session.flush()
    _store_dimensions(session, observation.id, data.dimensions)
    record_revision(session, observation, action=Action.create, actor=actor, reason=reason)
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
    return validated_edit(ObservationCreate, merged)


def _check_current(observation: Any, expected_revision: int) -> None:
    if observation.revision != expected_revision:
        raise StaleRevision(
            f"Observation {observation.id} is at revision {observation.revision}, not "
            f"{expected_revision}: someone changed it since you read it. Read it again and "
            "reapply your change.",
            current_revision=observation.revision,
        )


def check_editable(observation: Any, expected_revision: int) -> None:
    """An edit applies to the current revision of an observation that is not retracted (an
    Observation, or a stored row)."""
    _check_current(observation, expected_revision)
    if observation.retracted_at is not None:
        raise Conflict(f"Observation {observation.id} is retracted; it can no longer be edited.")


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
    check_editable(observation, expected_revision)
    data = _merge(observation, changes)
    validate_for_save(session, data, observation_id)
    values = stored_values(data)
    if all(getattr(observation, name) == value for name, value in values.items()):
        return observation, "unchanged"
    compare_and_set(session, observation, expected_revision, values, kind="observation")
    _store_dimensions(session, observation_id, data.dimensions)
    record_revision(session, observation, action=Action.edit, actor=actor, reason=reason)
    return observation, "updated"


def retract_observation(
    session: Session, observation_id: int, *, expected_revision: int, actor: str, reason: str
) -> Observation:
    observation = get_observation(session, observation_id)
    assert isinstance(observation, Observation)
    _check_current(observation, expected_revision)
    if observation.retracted_at is not None:
        raise Conflict(f"Observation {observation_id} is already retracted.")
    compare_and_set(session, observation, expected_revision, retraction(reason), kind="observation")
    record_revision(session, observation, action=Action.retract, actor=actor, reason=reason)
    return observation


def list_history(session: Session, observation_id: int) -> list[ObservationRevision]:
    get_observation(session, observation_id)  # 404 if it never existed
    statement = (
        select(ObservationRevision)
        .where(ObservationRevision.id == observation_id)
        .order_by(ObservationRevision.revision)
    )
    return list(session.scalars(statement))


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
