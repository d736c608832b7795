"""Reading observations: filters, keyset paging, as-of reads and citations. Writing is in
`editing`.

Reads run against `observation` (the current state), or, for an `as_of` day, against
`observation_revision` (every state each observation has had); both have the same columns,
so one set of filters serves both."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlmodel import Session

from app.catalog import current_catalog
from app.errors import InvalidParameter, NotFound
from app.fields import partial_date_span
from app.formats import plain_number
from app.history import end_of_day, valid_at
from app.metrics import service as metrics_service
from app.models import Observation, ObservationDimension, ObservationRevision, Source
from app.pagination import Cursor, decode_cursor, trim_page
from app.sources import service as sources_service

# An ORM object, or a plain row of the same columns (what lists read, for speed).
ObservationRow = Any
SORT_FIELDS = ["id", "period_start", "period_end", "reported_on", "value"]
SORT_OPTIONS = [option for name in SORT_FIELDS for option in (name, f"-{name}")]


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
    include_retracted: bool = False
    as_of: date | None = None


@dataclass(frozen=True)
class ObservationPage:
    rows: list[ObservationRow]
    next_cursor: str | None


def canonical_dimensions(dimensions: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(dimensions.items())), separators=(",", ":"), ensure_ascii=False)


def table_for(as_of: date | None) -> Any:
    return ObservationRevision if as_of is not None else Observation


def check_filter_references(session: Session, query: ObservationFilter) -> None:
    """A filter naming a metric or source that does not exist is a 400."""
    if query.metrics:
        metrics_service.require_metrics(session, query.metrics)
    if query.source_ids:
        sources_service.require_sources(session, query.source_ids)


def filter_conditions(query: ObservationFilter) -> list[ColumnElement[bool]]:
    table = table_for(query.as_of)
    conditions: list[ColumnElement[bool]] = []
    if query.as_of is not None:
        conditions += valid_at(table, end_of_day(query.as_of))
    if not query.include_retracted:
        conditions.append(table.retracted_at.is_(None))
    if query.metrics:
        conditions.append(table.metric.in_(query.metrics))
    for name in ("origin", "destination", "region"):
        wanted = getattr(query, name)
        if wanted is not None:
            conditions.append(getattr(table, name) == wanted)
    conditions += _dimension_conditions(table, query.dimensions)
    for column, wanted in (
        (table.basis, query.bases),
        (table.qualifier, query.qualifiers),
        (table.source_id, query.source_ids),
    ):
        if wanted:
            conditions.append(column.in_(wanted))
    conditions += _period_conditions(table, query.period_from, query.period_to)
    if query.reported_from is not None:
        # A date of reduced precision reaches as far as its prefix: "2025" and "2025-06"
        # both reach 2025-06-01; later dates sort after it. Both forms can use the index.
        first_day = partial_date_span(query.reported_from)[0].isoformat()
        conditions.append(
            or_(
                table.reported_on >= first_day,
                table.reported_on.in_([first_day[:4], first_day[:7]]),
            )
        )
    if query.reported_to is not None:
        # "2025" sorts before "2025-06-30": a prefix compares as its own first day.
        last_day = partial_date_span(query.reported_to)[1].isoformat()
        conditions.append(table.reported_on <= last_day)
    return conditions


def _dimension_conditions(table: Any, dimensions: Mapping[str, str]) -> list[ColumnElement[bool]]:
    if table is Observation:  # the current state has an indexed row per breakdown
        return [
            Observation.id.in_(
                select(ObservationDimension.observation_id).where(
                    ObservationDimension.name == name, ObservationDimension.value == wanted
                )
            )
            for name, wanted in dimensions.items()
        ]
    # Past states keep only the canonical JSON, where a pair reads `"name":"value"`.
    return [
        table.dimensions.contains(canonical_dimensions({name: wanted})[1:-1], autoescape=True)
        for name, wanted in dimensions.items()
    ]


def _period_conditions(
    table: Any, period_from: str | None, period_to: str | None
) -> list[ColumnElement[bool]]:
    """A period matches when it overlaps [from, to]; an open end runs on to the present.
    Every period has a start, so the start bound can use its index."""
    if period_from is None and period_to is None:
        return []
    conditions = [table.period_start.is_not(None)]
    if period_from is not None:
        first_day = partial_date_span(period_from)[0]
        conditions.append(or_(table.period_end.is_(None), table.period_end >= first_day))
    if period_to is not None:
        conditions.append(table.period_start <= partial_date_span(period_to)[1])
    return conditions


def _cursor_value(sort_name: str, row: ObservationRow) -> Any:
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


def _after(table: Any, sort_name: str, descending: bool, cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor, empty values counting as the largest (as in `_ordered_selection`)."""
    column, last_id = getattr(table, sort_name), cursor.id
    id_after = table.id < last_id if descending else table.id > last_id
    if sort_name == "id":
        return id_after
    value = _parse_cursor_value(sort_name, cursor.value)
    if descending:  # empty values first, then values downwards
        if value is None:
            return or_(and_(column.is_(None), id_after), column.is_not(None))
        return or_(column < value, and_(column == value, id_after))
    if value is None:  # ascending: values upwards, then empty values
        return and_(column.is_(None), id_after)
    return or_(column > value, and_(column == value, id_after), column.is_(None))


def _ordered_selection(query: ObservationFilter, sort: str) -> tuple[Any, Any, str, bool]:
    """(statement, table, sort column name, descending) for a filter and a sort."""
    if sort not in SORT_OPTIONS:
        raise InvalidParameter(
            f"sort={sort} is not offered; use one of {', '.join(SORT_OPTIONS)}.", parameter="sort"
        )
    table = table_for(query.as_of)
    descending, sort_name = sort.startswith("-"), sort.removeprefix("-")
    column = getattr(table, sort_name)
    # Plain rows, not ORM objects: on the hot path, building objects costs more than the SQL.
    statement = select(*table.__table__.columns).where(*filter_conditions(query))
    # Empty values count as the largest: last going up, first going down. That is how
    # PostgreSQL's indexes order them, so either direction reads an index in order.
    if sort_name == "id":
        order = [table.id.desc() if descending else table.id.asc()]
    elif descending:
        order = [column.desc().nulls_first(), table.id.desc()]
    else:
        order = [column.asc().nulls_last(), table.id.asc()]
    return statement.order_by(*order), table, sort_name, descending


def list_statement(query: ObservationFilter, sort: str) -> Any:
    """The SELECT behind a list, without paging: what its query plan is checked on."""
    return _ordered_selection(query, sort)[0]


def list_observations(
    session: Session,
    *,
    query: ObservationFilter,
    sort: str = "id",
    limit: int = 100,
    cursor: str | None = None,
) -> ObservationPage:
    statement, table, sort_name, descending = _ordered_selection(query, sort)
    check_filter_references(session, query)
    if cursor is not None:
        after = _after(table, sort_name, descending, decode_cursor(cursor, sort=sort))
        statement = statement.where(after)
    read = session.execute(statement.limit(limit + 1)).all()
    rows, next_cursor = trim_page(
        read, limit, sort=sort, sort_value=lambda row: _cursor_value(sort_name, row)
    )
    return ObservationPage(rows=rows, next_cursor=next_cursor)


class ObservationStream:
    """Every observation a filter selects, read through a server-side cursor a batch at a
    time, so an export of any size runs in constant memory. Its count and its rows come
    from one snapshot, so `count` is exactly what the stream will hold."""

    BATCH = 1000

    def __init__(self, engine: Engine, *, query: ObservationFilter, sort: str = "id") -> None:
        self._statement = _ordered_selection(query, sort)[0]
        self._query = query
        self._session = Session(engine)
        try:
            if engine.dialect.name == "postgresql":
                self._session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            check_filter_references(self._session, query)
            counting = select(func.count()).select_from(self._statement.order_by(None).subquery())
            self.count: int = self._session.scalar(counting) or 0
        except Exception:
            self._session.close()
            raise

    def documents(self) -> Iterator[dict[str, Any]]:
        try:
            result = self._session.execute(
                self._statement.execution_options(yield_per=self.BATCH, stream_results=True)
            )
            for batch in result.partitions():
                yield from observation_documents(self._session, batch, as_of=self._query.as_of)
        finally:
            self._session.close()


def get_observation(
    session: Session, observation_id: int, *, as_of: date | None = None
) -> ObservationRow:
    """The observation now, or as it stood at the end of `as_of`; retracted ones included."""
    if as_of is None:
        observation = session.get(Observation, observation_id)
    else:
        statement = select(ObservationRevision).where(
            ObservationRevision.id == observation_id,
            *valid_at(ObservationRevision, end_of_day(as_of)),
        )
        observation = session.scalars(statement).first()
    if observation is None:
        when = f" on {as_of}" if as_of else ""
        raise NotFound(
            f"There is no observation {observation_id}{when}; GET /v1/observations lists them."
        )
    return observation


def has_observations(session: Session) -> bool:
    return session.scalars(select(Observation.id).limit(1)).first() is not None


def list_part_ids(session: Session, observation_id: int, *, as_of: date | None = None) -> list[int]:
    query = ObservationFilter(as_of=as_of, include_retracted=True)
    table = table_for(as_of)
    statement = select(table.id).where(table.part_of == observation_id, *filter_conditions(query))
    return list(session.scalars(statement.order_by(table.id)))


def cite(observation: ObservationRow, chain: list[Source]) -> str:
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


def _iso(moment: date | datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if isinstance(moment, datetime) else text


def observation_documents(
    session: Session, rows: Sequence[ObservationRow], *, as_of: date | None = None
) -> list[dict[str, Any]]:
    """The client-facing, JSON-ready form of each row, with unit and citation.

    Units and sources come from the catalog (cached per data version); past states read
    the sources as they stood then."""
    catalog = current_catalog(session)
    source_ids = {row.source_id for row in rows}
    if as_of is None:
        chains = {sid: sources_service.chain_of(catalog.sources, sid) for sid in source_ids}
    else:
        chains = sources_service.relay_chains(session, source_ids, as_of=as_of)
    citations: dict[tuple[str, str | None, int], str] = {}
    documents = []
    for row in rows:
        claim = (row.attributed_to, row.reported_on, row.source_id)
        if claim not in citations:
            citations[claim] = cite(row, chains[row.source_id])
        documents.append(
            {
                "id": row.id,
                "metric": row.metric,
                "unit": catalog.units.get(row.metric, ""),
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
                "citation": citations[claim],
                "part_of": row.part_of,
                "revision": row.revision,
                "updated_at": _iso(row.updated_at),
                "retracted": row.retracted_at is not None,
                "retracted_at": _iso(row.retracted_at),
                "retraction_reason": row.retraction_reason,
            }
        )
    return documents


def observation_detail(
    session: Session, observation: ObservationRow, *, as_of: date | None = None
) -> dict[str, Any]:
    document = observation_documents(session, [observation], as_of=as_of)[0]
    source_id = observation.source_id
    chain = sources_service.relay_chains(session, [source_id], as_of=as_of)[source_id]
    document["source"] = sources_service.source_document(chain[0])
    document["relay_chain"] = [sources_service.source_document(s) for s in chain[1:]]
    document["parts"] = list_part_ids(session, observation.id, as_of=as_of)
    return document


def etag(observation: ObservationRow) -> str:
    """Strong, and new with every revision: what If-Match must name to edit."""
    return f'"observation-{observation.id}-r{observation.revision}"'
