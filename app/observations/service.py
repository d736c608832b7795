"""Reading observations: filters, keyset pages, whole selections in batches, as-of reads,
and their served documents. Writing is in `editing`.

Reads run against `observation` (the current state), or, for an `as_of` day, against
`observation_revision` (every state each observation has had); both have the same columns,
so one set of filters serves both. References in a filter (metrics, sources) are checked
against the catalog, which the caller reads once per data version."""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, func, or_, select, type_coerce
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.history import valid_at
from app.domain.columns import canonical_dimensions
from app.domain.dates import end_of_day, partial_date_span
from app.domain.paging import Cursor
from app.errors import InvalidParameter, NotFound
from app.models import Observation, ObservationDimension, ObservationRevision
from app.observations.documents import ObservationRow, observation_documents
from app.sources import service as sources_service


class ObservationSort(StrEnum):
    """A leading - sorts descending; ties break on id in the same direction; empty values
    count as the largest (last going up, first going down)."""

    id = "id"
    id_desc = "-id"
    period_start = "period_start"
    period_start_desc = "-period_start"
    period_end = "period_end"
    period_end_desc = "-period_end"
    reported_on = "reported_on"
    reported_on_desc = "-reported_on"
    value = "value"
    value_desc = "-value"

    @property
    def column(self) -> str:
        return str(self).removeprefix("-")

    @property
    def descending(self) -> bool:
        return str(self).startswith("-")


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


def table_for(as_of: date | None) -> Any:
    return ObservationRevision if as_of is not None else Observation


def check_references(query: ObservationFilter, catalog: Catalog) -> None:
    """A filter naming a metric or source that does not exist is a 400."""
    catalog.require_metrics(query.metrics)
    catalog.require_sources(query.source_ids)


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
    as_text = type_coerce(table.dimensions, Text)
    return [
        as_text.contains(canonical_dimensions({name: wanted})[1:-1], autoescape=True)
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


def sort_value(sort: ObservationSort, row: ObservationRow) -> Any:
    """The row's value in the sort column, as a cursor keeps it (JSON-compatible)."""
    value = getattr(row, sort.column)
    return value.isoformat() if isinstance(value, date) else value


def _parse_sort_value(sort: ObservationSort, raw: Any) -> Any:
    if raw is None or sort.column == "id":
        return raw
    try:
        if sort.column in ("period_start", "period_end"):
            return date.fromisoformat(raw)
        if sort.column == "value":
            return float(raw)
        if isinstance(raw, str):
            return raw
    except (TypeError, ValueError):
        pass
    raise InvalidParameter("cursor is not valid: pass next_cursor unchanged.", parameter="cursor")


def _after(table: Any, sort: ObservationSort, cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor, empty values counting as the largest (as in `list_statement`)."""
    column, last_id = getattr(table, sort.column), cursor.id
    id_after = table.id < last_id if sort.descending else table.id > last_id
    if sort.column == "id":
        return id_after
    value = _parse_sort_value(sort, cursor.value)
    if sort.descending:  # empty values first, then values downwards
        if value is None:
            return or_(and_(column.is_(None), id_after), column.is_not(None))
        return or_(column < value, and_(column == value, id_after))
    if value is None:  # ascending: values upwards, then empty values
        return and_(column.is_(None), id_after)
    return or_(column > value, and_(column == value, id_after), column.is_(None))


def list_statement(query: ObservationFilter, sort: ObservationSort) -> Any:
    """The SELECT behind a list, without paging: what its query plan is checked on."""
    table = table_for(query.as_of)
    column = getattr(table, sort.column)
    # Plain rows, not ORM objects: on the hot path, building objects costs more than the SQL.
    statement = select(*table.__table__.columns).where(*filter_conditions(query))
    # Empty values count as the largest: last going up, first going down. That is how
    # PostgreSQL's indexes order them, so either direction reads an index in order.
    if sort.column == "id":
        order = [table.id.desc() if sort.descending else table.id.asc()]
    elif sort.descending:
        order = [column.desc().nulls_first(), table.id.desc()]
    else:
        order = [column.asc().nulls_last(), table.id.asc()]
    return statement.order_by(*order)


def list_observations(
    session: Session,
    *,
    query: ObservationFilter,
    sort: ObservationSort = ObservationSort.id,
    limit: int,
    after: Cursor | None = None,
) -> list[ObservationRow]:
    """At most `limit` rows in `sort` order, starting after `after`."""
    statement = list_statement(query, sort)
    if after is not None:
        statement = statement.where(_after(table_for(query.as_of), sort, after))
    return list(session.execute(statement.limit(limit)).all())


def count_observations(session: Session, *, query: ObservationFilter) -> int:
    counting = select(func.count()).select_from(
        list_statement(query, ObservationSort.id).order_by(None).subquery()
    )
    return session.scalar(counting) or 0


def document_batches(
    session: Session,
    *,
    query: ObservationFilter,
    sort: ObservationSort,
    catalog: Catalog,
    batch_size: int = 1000,
) -> Iterator[list[dict[str, Any]]]:
    """Every observation the filter selects, served a batch at a time from a server-side
    cursor, so that a selection of any size is read in constant memory."""
    statement = list_statement(query, sort).execution_options(
        yield_per=batch_size, stream_results=True
    )
    for rows in session.execute(statement).partitions():
        yield documents(session, rows, catalog=catalog, as_of=query.as_of)


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
        raise NotFound(f"There is no observation {observation_id}{when}.", subject="observation")
    return observation


def has_observations(session: Session) -> bool:
    return session.scalars(select(Observation.id).limit(1)).first() is not None


def list_part_ids(session: Session, observation_id: int, *, as_of: date | None = None) -> list[int]:
    query = ObservationFilter(as_of=as_of, include_retracted=True)
    table = table_for(as_of)
    statement = select(table.id).where(table.part_of == observation_id, *filter_conditions(query))
    return list(session.scalars(statement.order_by(table.id)))


def documents(
    session: Session,
    rows: Sequence[ObservationRow],
    *,
    catalog: Catalog,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """The served form of each row. Sources come from the catalog; past states cite the
    sources as they stood then."""
    source_ids = {row.source_id for row in rows}
    if as_of is None:
        chains = {sid: sources_service.chain_of(catalog.sources, sid) for sid in source_ids}
    else:
        chains = sources_service.relay_chains(session, source_ids, as_of=as_of)
    return observation_documents(rows, units=catalog.units, chains=chains)


def observation_detail(
    session: Session, observation: ObservationRow, *, catalog: Catalog, as_of: date | None = None
) -> dict[str, Any]:
    """One observation with its source, the sources it was relayed through, and its parts."""
    document = documents(session, [observation], catalog=catalog, as_of=as_of)[0]
    source_id = observation.source_id
    if as_of is None:
        chain = sources_service.chain_of(catalog.sources, source_id)
    else:
        chain = sources_service.relay_chains(session, [source_id], as_of=as_of)[source_id]
    document["source"] = sources_service.source_document(chain[0])
    document["relay_chain"] = [sources_service.source_document(s) for s in chain[1:]]
    document["parts"] = list_part_ids(session, observation.id, as_of=as_of)
    return document
