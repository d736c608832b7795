"""Observations: filtering, keyset paging, citations, and saving a sourced figure."""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, literal, or_, select
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import Session

from app.dataset.service import SaveOutcome
from app.errors import InvalidData, InvalidParameter, NotFound, UnknownReference
from app.fields import partial_date_span
from app.formats import plain_number
from app.metrics import service as metrics_service
from app.models import Metric, Observation, ObservationDimension, Source
from app.observations.schemas import ObservationIn, Qualifier
from app.pagination import Cursor, decode_cursor, encode_cursor
from app.sources import service as sources_service

SORT_COLUMNS: dict[str, KeyedColumnElement[Any]] = {
    "id": Observation.id,
    "period_start": Observation.period_start,
    "period_end": Observation.period_end,
    "reported_on": Observation.reported_on,
    "value": Observation.value,
}
SORT_OPTIONS = [option for name in SORT_COLUMNS for option in (name, f"-{name}")]


@dataclass(frozen=True)
class ObservationFilter:
    """What to select; every field narrows, empty means any."""

    metrics: Sequence[str] = ()
    origin: str | None = None
    destination: str | None = None
    region: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    bases: Sequence[str] = ()
    qualifiers: Sequence[str] = ()
    source_ids: Sequence[int] = ()
    period_from: str | None = None
    period_to: str | None = None
    reported_from: str | None = None
    reported_to: str | None = None


@dataclass(frozen=True)
class ObservationPage:
    rows: list[Observation]
    next_cursor: str | None


def canonical_dimensions(dimensions: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(dimensions.items())), separators=(",", ":"), ensure_ascii=False)


def check_filter_references(session: Session, query: ObservationFilter) -> None:
    """A filter naming a metric, source or dimension that does not exist is a 400."""
    if query.metrics:
        metrics_service.require_metrics(session, query.metrics)
    if query.source_ids:
        sources_service.require_sources(session, query.source_ids)


def filter_conditions(query: ObservationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.metrics:
        conditions.append(Observation.metric.in_(query.metrics))
    for name in ("origin", "destination", "region"):
        wanted = getattr(query, name)
        if wanted is not None:
            conditions.append(getattr(Observation, name) == wanted)
    for name, wanted in query.dimensions.items():
        with_dimension = select(ObservationDimension.observation_id).where(
            ObservationDimension.name == name, ObservationDimension.value == wanted
        )
        conditions.append(Observation.id.in_(with_dimension))
    if query.bases:
        conditions.append(Observation.basis.in_(query.bases))
    if query.qualifiers:
        conditions.append(Observation.qualifier.in_(query.qualifiers))
    if query.source_ids:
        conditions.append(Observation.source_id.in_(query.source_ids))
    conditions.extend(_period_conditions(query.period_from, query.period_to))
    if query.reported_from is not None:
        # A date of reduced precision ends where its prefix ends: "2025" reaches 2025-12-31,
        # so compare "2025~" ('~' sorts after every digit and '-') with the first day wanted.
        first_day = partial_date_span(query.reported_from)[0].isoformat()
        conditions.append(Observation.reported_on + literal("~") >= first_day)
    if query.reported_to is not None:
        # "2025" sorts before "2025-06-30": a prefix compares as its own first day.
        last_day = partial_date_span(query.reported_to)[1].isoformat()
        conditions.append(Observation.reported_on <= last_day)
    return conditions


def _period_conditions(period_from: str | None, period_to: str | None) -> list[ColumnElement[bool]]:
    """A period matches when it overlaps [from, to]; open ends reach as far as they may."""
    if period_from is None and period_to is None:
        return []
    conditions = [or_(Observation.period_start.is_not(None), Observation.period_end.is_not(None))]
    if period_from is not None:
        first_day = partial_date_span(period_from)[0]
        conditions.append(
            or_(Observation.period_end.is_(None), Observation.period_end >= first_day)
        )
    if period_to is not None:
        last_day = partial_date_span(period_to)[1]
        conditions.append(
            or_(Observation.period_start.is_(None), Observation.period_start <= last_day)
        )
    return conditions


def _cursor_value(sort_name: str, row: Observation) -> Any:
    value = getattr(row, sort_name)
    return value.isoformat() if isinstance(value, date) else value


def _parse_cursor_value(sort_name: str, raw: Any) -> Any:
    if raw is None or sort_name == "id":
        return raw
    try:
        if sort_name in ("period_start", "period_end"):
            return date.fromisoformat(raw)
        if sort_name == "value":
            return float(raw)
        if isinstance(raw, str):
            return raw
    except (TypeError, ValueError):
        pass
    raise InvalidParameter("cursor is not valid: pass next_cursor unchanged.", parameter="cursor")


def _after(sort_name: str, descending: bool, cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor in (sort column NULLS LAST, id) order."""
    column, last_id = SORT_COLUMNS[sort_name], cursor.id
    id_after = Observation.id < last_id if descending else Observation.id > last_id
    if sort_name == "id":
        return id_after
    value = _parse_cursor_value(sort_name, cursor.value)
    if value is None:
        return and_(column.is_(None), id_after)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, id_after), column.is_(None))


def list_observations(
    session: Session,
    *,
    query: ObservationFilter,
    sort: str = "id",
    limit: int = 100,
    cursor: str | None = None,
) -> ObservationPage:
    if sort not in SORT_OPTIONS:
        raise InvalidParameter(
            f"sort={sort} is not offered; use one of {', '.join(SORT_OPTIONS)}.", parameter="sort"
        )
    check_filter_references(session, query)
    descending, sort_name = sort.startswith("-"), sort.removeprefix("-")
    column = SORT_COLUMNS[sort_name]
    statement = select(Observation).where(*filter_conditions(query))
    if cursor is not None:
        statement = statement.where(_after(sort_name, descending, decode_cursor(cursor, sort=sort)))
    order = column.desc() if descending else column.asc()
    id_order = Observation.id.desc() if descending else Observation.id.asc()
    if sort_name == "id":
        statement = statement.order_by(id_order)
    else:
        statement = statement.order_by(order.nulls_last(), id_order)
    rows = list(session.scalars(statement.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            Cursor(sort=sort, value=_cursor_value(sort_name, last), id=last.id)
        )
    return ObservationPage(rows=rows, next_cursor=next_cursor)


def get_observation(session: Session, observation_id: int) -> Observation:
    observation = session.get(Observation, observation_id)
    if observation is None:
        raise NotFound(
            f"There is no observation {observation_id}; GET /v1/observations lists them."
        )
    return observation


def has_observations(session: Session) -> bool:
    return session.scalars(select(Observation.id).limit(1)).first() is not None


def list_part_ids(session: Session, observation_id: int) -> list[int]:
    query = select(Observation.id).where(Observation.part_of == observation_id)
    return list(session.scalars(query.order_by(Observation.id)))


def cite(observation: Observation, chain: list[Source]) -> str:
    """Who made the claim, in which source, relayed by which others, and when."""
    who = observation.attributed_to
    if observation.reported_on:
        who += f" ({observation.reported_on})"
    if not chain:
        return f"{who}."
    first, *relays = chain
    text = f"{who}, in {sources_service.describe_source(first)}"
    for relay in relays:
        text += f", as relayed by {sources_service.describe_source(relay)}"
    return text + "."


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def observation_documents(session: Session, rows: Sequence[Observation]) -> list[dict[str, Any]]:
    """The client-facing, JSON-ready form of each row, with unit and citation.

    A few queries per page, whatever its size: units and source chains are fetched once."""
    wanted_units = select(Metric.code, Metric.unit).where(Metric.code.in_({r.metric for r in rows}))
    units = dict(session.execute(wanted_units).all())
    chains = sources_service.relay_chains(session, {row.source_id for row in rows})
    return [
        {
            "id": row.id,
            "metric": row.metric,
            "unit": units.get(row.metric, ""),
            "origin": row.origin,
            "destination": row.destination,
            "region": row.region,
            "dimensions": json.loads(row.dimensions),
            "period_start": _iso(row.period_start),
            "period_end": _iso(row.period_end),
            "period_label": row.period_label,
            "value": plain_number(row.value),
            "lower_bound": plain_number(row.lower_bound),
            "upper_bound": plain_number(row.upper_bound),
            "qualifier": row.qualifier,
            "basis": row.basis,
            "attributed_to": row.attributed_to,
            "source_id": row.source_id,
            "reported_on": row.reported_on,
            "quote": row.quote,
            "notes": row.notes,
            "citation": cite(row, chains[row.source_id]),
            "part_of": row.part_of,
        }
        for row in rows
    ]


def observation_detail(session: Session, observation: Observation) -> dict[str, Any]:
    document = observation_documents(session, [observation])[0]
    chain = sources_service.relay_chains(session, [observation.source_id])[observation.source_id]
    document["source"] = sources_service.source_document(chain[0])
    document["relay_chain"] = [sources_service.source_document(s) for s in chain[1:]]
    document["parts"] = list_part_ids(session, observation.id)
    return document


# Saving ---------------------------------------------------------------------------------

STORED_FIELDS = [
    "metric", "origin", "destination", "region", "period_start", "period_end", "period_label",
    "value", "lower_bound", "upper_bound", "qualifier", "basis", "attributed_to", "source_id",
    "reported_on", "quote", "notes", "part_of",
]  # fmt: skip


def _highest(observation: Observation | ObservationIn) -> float | None:
    """The largest the figure can be by its own words; None if unbounded above."""
    if observation.upper_bound is not None:
        return observation.upper_bound
    if observation.qualifier in (Qualifier.at_least, Qualifier.range, "at_least", "range"):
        return None
    return observation.value


def _lowest(observation: ObservationIn) -> float | None:
    return observation.lower_bound if observation.lower_bound is not None else observation.value


def _check_part_of(session: Session, data: ObservationIn) -> None:
    if data.part_of is None:
        return
    whole = session.get(Observation, data.part_of)
    if whole is None:
        raise InvalidData(
            f"part_of names observation {data.part_of}, which does not exist "
            "(in an import, put the total before its parts).",
            field="part_of",
        )
    if data.id is not None and data.part_of == data.id:
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


def validate_for_save(session: Session, data: ObservationIn) -> Metric:
    """Rules that need the database: the metric, its unit and dimensions, source, total."""
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
    _check_part_of(session, data)
    return metric


def _find_same(session: Session, data: ObservationIn, dimensions: str) -> Observation | None:
    """Without an id, the same figure is the same metric, pair, region, breakdown, period,
    source and claimant."""
    query = select(Observation).where(
        Observation.metric == data.metric,
        Observation.origin == data.origin,
        Observation.destination == data.destination,
        Observation.region.is_not_distinct_from(data.region),
        Observation.dimensions == dimensions,
        Observation.period_start.is_not_distinct_from(data.period_start),
        Observation.period_end.is_not_distinct_from(data.period_end),
        Observation.source_id == data.source_id,
        Observation.attributed_to == data.attributed_to,
    )
    return session.scalars(query.order_by(Observation.id).limit(1)).first()


def save_observation(session: Session, data: ObservationIn) -> tuple[Observation, SaveOutcome]:
    """Create the observation, or update the one with the same id (or natural key)."""
    validate_for_save(session, data)
    dimensions = canonical_dimensions(data.dimensions)
    fields = {name: getattr(data, name) for name in STORED_FIELDS}
    fields["qualifier"], fields["basis"] = data.qualifier.value, data.basis.value
    fields["dimensions"] = dimensions
    if data.id is not None:
        existing = session.get(Observation, data.id)
    else:
        existing = _find_same(session, data, dimensions)
    if existing is None:
        observation = Observation(id=data.id, **fields)
        session.add(observation)
        session.flush()
        _store_dimensions(session, observation.id, data.dimensions)
        return observation, "created"
    if all(getattr(existing, name) == value for name, value in fields.items()):
        return existing, "unchanged"
    for name, value in fields.items():
        setattr(existing, name, value)
    session.flush()
    _store_dimensions(session, existing.id, data.dimensions)
    return existing, "updated"


def _store_dimensions(session: Session, observation_id: int, dimensions: Mapping[str, str]) -> None:
    session.execute(
        delete(ObservationDimension).where(ObservationDimension.observation_id == observation_id)
    )
    session.add_all(
        ObservationDimension(observation_id=observation_id, name=name, value=value)
        for name, value in dimensions.items()
    )
    session.flush()


def known_filter_dimensions(session: Session) -> list[str]:
    return metrics_service.dimension_names(session)


def raise_unknown_dimensions(names: Iterable[str], known: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise UnknownReference(
            f"No metric has a dimension {', '.join(unknown)}.", parameter=unknown[0]
        )
