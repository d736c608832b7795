"""Reading observations: filters, keyset pages, whole selections in batches, as-of reads,
and their served documents. Writing is in `editing`.

Reads run against `observation` (the current state), or, for an `as_of` day, against
`observation_revision` (every state each observation has had); both have the same columns,
so one set of filters serves both. References in a filter (metrics, sources) are checked
against the catalog, which the caller reads once per data version."""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, bindparam, func, or_, select, type_coerce
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.history import valid_at
from app.domain.columns import canonical_dimensions
from app.domain.dates import end_of_day, partial_date_span
from app.domain.observation import SERVED_FIELDS
from app.domain.paging import Cursor
from app.errors import InvalidParameter, NotFound
from app.models import Observation, ObservationDimension, ObservationRevision
from app.observations import documents as served
from app.observations import search
from app.observations.documents import (
    Citations,
    ObservationRow,
    observation_documents,
    served_columns,
    served_documents,
)
from app.sources import service as sources_service
from app.sources.texts import stored_text


class ObservationSort(StrEnum):
    """A leading - sorts descending; ties break on id in the same direction; empty values
    count as the largest (last going up, first going down). relevance (with q only, and
    its default): the best match first, ties by id."""

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
    relevance = "relevance"

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
    # Values the source must state, not leave to inference; STATED_ALL: every value.
    stated: Sequence[str] = ()
    # Words to search for (q): every one must match.
    text: search.SearchText | None = None


STATED_ALL = "all"


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
    conditions += _stated_conditions(table, query.stated)
    for column, wanted in (
        (table.basis, query.bases),
        (table.qualifier, query.qualifiers),
        (table.source_id, query.source_ids),
    ):
        if wanted:
            conditions.append(column.in_(wanted))
    conditions += _period_conditions(table, query.period_from, query.period_to)
    if query.reported_from is not None or query.reported_to is not None:
        # A date without a year ('--06') has no place on the time line, so no bound holds
        # it. It sorts before every digit and would pass any upper bound: left out by its
        # form, which means the same under every collation.
        conditions.append(table.reported_on.not_like("--%"))
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
    if query.text is not None:
        conditions.append(search.Matches(table, query.text, query.as_of))
    return conditions


def _stated_conditions(table: Any, stated: Sequence[str]) -> list[ColumnElement[bool]]:
    """Leave out the observations that mark any of `stated` as inferred. The marks are
    canonical JSON, so a field marked is the text `"name":` (a quote inside a reason is
    escaped, so no reason can hold it)."""
    marks = type_coerce(table.inferred, Text)
    if STATED_ALL in stated:
        return [marks == canonical_dimensions({})]
    return [~marks.contains(f'"{name}":', autoescape=True) for name in dict.fromkeys(stated)]


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


@cache
def served_select(table: Any) -> Select[Any]:
    """SELECT `served_columns` FROM table: built once, narrowed by each read."""
    return select(*served_columns(table))


@cache
def _by_id(table: Any) -> Select[Any]:
    return served_select(table).where(table.id == bindparam("observation_id"))


@cache
def _current_parts() -> Select[Any]:
    return (
        select(Observation.id)
        .where(Observation.part_of == bindparam("observation_id"))
        .order_by(Observation.id)
    )


def list_statement(
    query: ObservationFilter, sort: ObservationSort, *, dialect: str = "sqlite"
) -> Any:
    """The SELECT behind a list, without paging: what its query plan is checked on."""
    table = table_for(query.as_of)
    if sort is ObservationSort.relevance:
        return _ranked(query, dialect)
    column = getattr(table, sort.column)
    # Plain rows in served form, not ORM objects: on the hot path, building objects costs
    # more than the SQL.
    statement = served_select(table).where(*filter_conditions(query))
    # Empty values count as the largest: last going up, first going down. That is how
    # PostgreSQL's indexes order them, so either direction reads an index in order.
    if sort.column == "id":
        order = [table.id.desc() if sort.descending else table.id.asc()]
    elif sort.descending:
        order = [column.desc().nulls_first(), table.id.desc()]
    else:
        order = [column.asc().nulls_last(), table.id.asc()]
    return statement.order_by(*order)


def _ranked(query: ObservationFilter, dialect: str) -> Any:
    """The matches of q, best first, with their score as a last column (`relevance`)."""
    if query.text is None:
        raise InvalidParameter("sort=relevance ranks the matches of q: add q.", parameter="sort")
    others = filter_conditions(replace(query, text=None))
    table = table_for(query.as_of)
    return search.ranked(
        served_select(table), table, query.text, others, dialect=dialect, as_of=query.as_of
    )


def list_observations(
    session: Session,
    *,
    query: ObservationFilter,
    sort: ObservationSort = ObservationSort.id,
    limit: int,
    after: Cursor | None = None,
) -> list[ObservationRow]:
    """At most `limit` rows in `sort` order, starting after `after`."""
    dialect = session.get_bind().dialect.name
    statement = list_statement(query, sort, dialect=dialect)
    if after is not None and sort is ObservationSort.relevance and query.text is not None:
        table = table_for(query.as_of)
        statement = statement.where(
            search.after(table, query.text, after, dialect=dialect, as_of=query.as_of)
        )
    elif after is not None:
        statement = statement.where(_after(table_for(query.as_of), sort, after))
    return list(session.connection().execute(statement.limit(limit)).all())


def count_observations(session: Session, *, query: ObservationFilter) -> int:
    table = table_for(query.as_of)
    counting = select(func.count()).select_from(table).where(*filter_conditions(query))
    return session.scalar(counting) or 0


def row_batches(
    session: Session,
    *,
    query: ObservationFilter,
    sort: ObservationSort,
    batch_size: int = 1000,
) -> Iterator[Sequence[Sequence[Any]]]:
    """Every row of `served_columns` the filter selects, a batch at a time from a
    server-side cursor, so that a selection of any size is read in constant memory."""
    dialect = session.get_bind().dialect.name
    statement = list_statement(query, sort, dialect=dialect).execution_options(
        yield_per=batch_size, stream_results=True
    )
    yield from session.connection().execute(statement).partitions()


def get_observation(session: Session, observation_id: int) -> Observation:
    """The observation as it stands, to edit; retracted ones included."""
    observation = session.get(Observation, observation_id)
    if observation is None:
        raise NotFound(f"There is no observation {observation_id}.", subject="observation")
    return observation


def read_observation(
    session: Session, observation_id: int, *, as_of: date | None = None
) -> ObservationRow:
    """The observation now, or as it stood at the end of `as_of`, as a row of
    `served_columns`; retracted ones included."""
    table = table_for(as_of)
    statement = _by_id(table)
    if as_of is not None:
        statement = statement.where(*valid_at(table, end_of_day(as_of)))
    row = session.connection().execute(statement, {"observation_id": observation_id}).first()
    if row is None:
        when = f" on {as_of}" if as_of else ""
        raise NotFound(f"There is no observation {observation_id}{when}.", subject="observation")
    return row


def has_observations(session: Session) -> bool:
    return session.scalars(select(Observation.id).limit(1)).first() is not None


def list_part_ids(session: Session, observation_id: int, *, as_of: date | None = None) -> list[int]:
    if as_of is None:
        statement = _current_parts()
    else:
        query = ObservationFilter(as_of=as_of, include_retracted=True)
        table = table_for(as_of)
        statement = (
            select(table.id)
            .where(table.part_of == bindparam("observation_id"), *filter_conditions(query))
            .order_by(table.id)
        )
    parts = session.connection().execute(statement, {"observation_id": observation_id})
    return list(parts.scalars())


def citations(catalog: Catalog) -> Citations:
    """Citations of current claims, kept with the catalog for its data version."""
    kept = catalog.memo.get("citations")
    if kept is None:
        kept = catalog.memo["citations"] = Citations(
            lambda source_id: sources_service.chain_of(catalog.sources, source_id),
            lambda source: catalog.texts.get(source.id),
        )
    return kept


def documents(
    session: Session,
    rows: Sequence[Sequence[Any]],
    *,
    catalog: Catalog,
    as_of: date | None = None,
    text: search.SearchText | None = None,
) -> list[dict[str, Any]]:
    """The served form of rows read through `served_columns` (and any `relevance` after
    them). Past states cite the sources as they stood then. With `text` (q), each has
    its `match`."""
    rows = search.served_part(rows)
    citer, title_of = _sources_at(session, rows, catalog, as_of)
    served_rows = served_documents(rows, units=catalog.units, citation=citer)
    if text is not None:
        found = search.matches(rows, text, title_of)
        for document, match in zip(served_rows, found, strict=True):
            document["match"] = match
    return served_rows


def _sources_at(
    session: Session, rows: Sequence[Sequence[Any]], catalog: Catalog, as_of: date | None
) -> tuple[Citations, Callable[[int], str]]:
    """Citations for these rows and each source's title: kept with the catalog now; as the
    sources stood at the end of a past day, their relay chains read once for both."""
    if as_of is None:
        return citations(catalog), lambda source_id: catalog.sources[source_id].title
    source_at = SERVED_FIELDS.index("source_id")
    chains = sources_service.relay_chains(session, {row[source_at] for row in rows}, as_of=as_of)
    return (
        Citations(lambda source_id: chains[source_id], stored_text),
        lambda source_id: chains[source_id][0].title,
    )


def csv_records(
    session: Session,
    rows: Sequence[Sequence[Any]],
    *,
    catalog: Catalog,
    as_of: date | None = None,
    text: search.SearchText | None = None,
) -> list[list[Any]]:
    """Rows of `served_columns` as CSV records of `documents.csv_columns`, and with `text`
    (q) the match's `search.CSV_COLUMNS`."""
    rows = search.served_part(rows)
    citer, title_of = _sources_at(session, rows, catalog, as_of)
    records = served.csv_records(
        rows, units=catalog.units, citation=citer, dimension_names=catalog.dimension_names
    )
    if text is not None:
        found = search.matches(rows, text, title_of)
        for record, match in zip(records, found, strict=True):
            record += search.csv_cells(match)
    return records


def object_documents(objects: Iterable[Any], *, catalog: Catalog) -> list[dict[str, Any]]:
    """The served form of current objects (a write's result, revisions)."""
    objects = list(objects)
    chains = {
        source_id: sources_service.chain_of(catalog.sources, source_id)
        for source_id in {o.source_id for o in objects}
    }
    return observation_documents(
        objects, units=catalog.units, chains=chains, text_of=lambda s: catalog.texts.get(s.id)
    )


def observation_detail(
    session: Session, document: dict[str, Any], *, catalog: Catalog, as_of: date | None = None
) -> dict[str, Any]:
    """A served observation with its source, the sources it was relayed through, and its
    parts."""
    source_id = document["source_id"]
    if as_of is None:
        chain = sources_service.chain_of(catalog.sources, source_id)
    else:
        chain = sources_service.relay_chains(session, [source_id], as_of=as_of)[source_id]
    return {
        **document,
        "source": sources_service.source_document(chain[0]),
        "relay_chain": [sources_service.source_document(s) for s in chain[1:]],
        "parts": list_part_ids(session, document["id"], as_of=as_of),
    }
