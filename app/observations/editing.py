"""Writing observations: create, edit, retract, and the import's save. Nothing is ever
overwritten: each change is a new revision, recorded with its time, author and reason, and
an edit applies only if it names the current revision."""

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, column, delete, select, text
from sqlmodel import Session

from app.dataset.history import compare_and_set, record_revision
from app.domain.columns import canonical_dimensions, utc_now
from app.domain.edits import validated_edit
from app.domain.figures import Qualifier
from app.domain.observation import NATURAL_KEY, WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.revisions import Action, retraction
from app.errors import Conflict, InvalidData, StaleRevision
from app.models import Metric, Observation, ObservationDimension, ObservationRevision, Source
from app.observations.schemas import ObservationCreate, ObservationImport
from app.observations.service import get_observation
from app.sources.service import relay_chains
from app.sources.texts import check_quote, held_text, stored_text


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
        """From an observation (or a stored row): the largest it can be by its own words;
        None if unbounded above."""
        return cls.of_values(
            {name: getattr(figure, name) for name in _WHOLE_FIELDS}, observation_id
        )

    @classmethod
    def of_values(cls, values: Mapping[str, Any], observation_id: int) -> "Whole":
        """From an observation's values (a row being imported)."""
        if values["upper_bound"] is not None:
            highest = values["upper_bound"]
        elif values["qualifier"] in (Qualifier.at_least, Qualifier.range):
            highest = None
        else:
            highest = values["value"]
        return cls(
            observation_id, values["metric"], values["origin"], values["destination"], highest
        )


_WHOLE_FIELDS = ("metric", "origin", "destination", "qualifier", "value", "upper_bound")


@dataclass(frozen=True)
class References:
    """What the rules need from the database, fetched by the caller (one by one, or in bulk
    for imports): the metrics, whether the source exists, and the total named by part_of."""

    metrics: Mapping[str, Metric]
    source_exists: bool
    whole: Whole | None


def check_references(
    values: Mapping[str, Any], references: References, observation_id: int | None = None
) -> Metric:
    """The rules that involve other records, on an observation's values (`stored_values`);
    InvalidData names the field that breaks one."""
    metric = references.metrics.get(values["metric"])
    if metric is None:
        known = ", ".join(sorted(references.metrics)) or "none yet"
        raise InvalidData(
            f"Unknown metric '{values['metric']}'. Known metrics: {known}.", field="metric"
        )
    dimensions = values["dimensions"]
    unknown_dimensions = (
        sorted(set(dimensions) - set(metric.dimensions or [])) if dimensions else []
    )
    if unknown_dimensions:
        allowed = ", ".join(metric.dimensions or []) or "none"
        raise InvalidData(
            f"Metric {metric.code} has no dimension {', '.join(unknown_dimensions)}; "
            f"it allows: {allowed}.",
            field="dimensions",
        )
    if not references.source_exists:
        raise InvalidData(
            f"source_id {values['source_id']} names no source; add the source first.",
            field="source_id",
        )
    if values["part_of"] is not None:
        _check_part_of(values, references.whole, observation_id)
    return metric


def _check_part_of(
    values: Mapping[str, Any], whole: Whole | None, observation_id: int | None
) -> None:
    part_of = values["part_of"]
    if whole is None:
        raise InvalidData(
            f"part_of names observation {part_of}, which does not exist "
            "(in an import, put the total before its parts).",
            field="part_of",
        )
    if part_of == observation_id:
        raise InvalidData("An observation cannot be part of itself.", field="part_of")
    if (whole.metric, whole.origin, whole.destination) != (
        values["metric"],
        values["origin"],
        values["destination"],
    ):
        raise InvalidData(
            f"part_of {whole.id} is {whole.metric} from {whole.origin} to {whole.destination}; "
            "a breakdown must have the same metric, origin and destination as its total.",
            field="part_of",
        )
    lowest = values["lower_bound"] if values["lower_bound"] is not None else values["value"]
    if lowest is not None and whole.highest is not None and lowest > whole.highest:
        raise InvalidData(
            f"This part ({lowest:g}) is larger than its whole, observation {whole.id} "
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
    metric = check_references(stored_values(data), references, observation_id)
    chain = relay_chains(session, [data.source_id])[data.source_id]
    check_quote(data.quote, held_text(chain, stored_text))
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
) -> Observation:
    validate_for_save(session, data, observation_id)
    observation = Observation(
        id=observation_id, revision=1, updated_at=utc_now(), **stored_values(data)
    )
    session.add(observation)
    session.flush()
    _store_dimensions(session, observation.id, data.dimensions)
    record_revision(session, observation, action=Action.create, actor=actor, reason=None)
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


NaturalKey = tuple[Any, ...]
# Where the claim (source and claimant) sits in a natural key: the index narrows by it.
_CLAIM = (NATURAL_KEY.index("source_id"), NATURAL_KEY.index("attributed_to"))
_NO_BREAKDOWN = canonical_dimensions({})


def natural_key(figure: Any) -> NaturalKey:
    """The NATURAL_KEY of an observation or an imported row, hashable."""
    return tuple(
        canonical_dimensions(figure.dimensions) if name == "dimensions" else getattr(figure, name)
        for name in NATURAL_KEY
    )


def natural_key_of(values: Mapping[str, Any]) -> NaturalKey:
    """The NATURAL_KEY of an observation's values (an import row's), hashable."""
    return tuple(
        (canonical_dimensions(values[name]) if values[name] else _NO_BREAKDOWN)
        if name == "dimensions"
        else values[name]
        for name in NATURAL_KEY
    )


def find_same_ids(session: Session, rows: Sequence[ObservationCreate]) -> dict[NaturalKey, int]:
    """The ids of stored observations with the natural keys of `rows`."""
    return find_ids_by_key(session, {natural_key(row) for row in rows})


# The claims (source and claimant) of a batch's keys, from one JSON parameter, so that the
# lookup below is one statement, compiled once, whatever the batch.
_CLAIMS = {
    "sqlite": "SELECT json_extract(value, '$[0]') AS source_id, "
    "json_extract(value, '$[1]') AS attributed_to FROM json_each(:claims)",
    "postgresql": "SELECT CAST(value ->> 0 AS integer) AS source_id, "
    "value ->> 1 AS attributed_to FROM jsonb_array_elements(CAST(:claims AS jsonb))",
}


def find_ids_by_key(session: Session, keys: Collection[NaturalKey]) -> dict[NaturalKey, int]:
    """The ids of stored observations with these natural keys (the lowest id, if several), in
    one query (`natural_key_lookup`); the rest of each key is matched here."""
    if not keys:
        return {}
    claims = sorted({(key[_CLAIM[0]], key[_CLAIM[1]]) for key in keys})
    statement = natural_key_lookup(session.get_bind().dialect.name)
    found: dict[NaturalKey, int] = {}
    for row in session.execute(statement, {"claims": json.dumps(claims)}):
        key = natural_key(row)
        if key in keys and (key not in found or row.id < found[key]):
            found[key] = row.id
    return found


@cache
def natural_key_lookup(dialect: str) -> Select[Any]:
    """The stored observations whose claims (source and claimant) are in the JSON list
    `:claims`: the natural-key index is searched once per claim, whatever the table's size
    (a join with the list: a tuple IN list is read as a scan on SQLite)."""
    claim = (
        text(_CLAIMS[dialect])
        .bindparams(bindparam("claims", type_=String))
        .columns(column("source_id", Integer), column("attributed_to", String))
        .cte("claim")
    )
    statement = select(Observation.id, *[getattr(Observation, name) for name in NATURAL_KEY])
    return statement.join_from(
        claim,
        Observation,
        and_(
            Observation.source_id == claim.c.source_id,
            Observation.attributed_to == claim.c.attributed_to,
        ),
    )


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
