"""Reading observations: a list's page (its rows, where the next page starts, and on request
its total and facets), whole selections in batches, one observation now or on a past day,
and their served documents. What a list selects and its order are in `filters`; editing
is in `editing`.

References in a filter (metrics, sources) are checked against the catalog, which the caller
reads once per data version."""

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from threading import Lock
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlmodel import Session

from app.dataset.catalog import Catalog, load_catalog
from app.dataset.history import state_at
from app.domain.dates import AsOf
from app.domain.observation import SERVED_FIELDS
from app.domain.paging import Cursor, page_of
from app.errors import InvalidParameter, NotFound, UnknownReference, did_you_mean
from app.models import Observation, ObservationDimension
from app.observations import documents as served
from app.observations import facets, filters, matching, search
from app.observations.documents import (
    Citations,
    ObservationRow,
    observation_documents,
    served_columns,
    served_documents,
)
from app.observations.facets import Facet
from app.observations.filters import (
    ObservationFilter,
    ObservationSort,
    filter_conditions,
    order,
    sort_value,
)
from app.sources import service as sources_service
from app.sources.texts import stored_text

# How many of a breakdown's values a 400 lists.
MAX_VALUES_LISTED = 20
# What a read of the current state selects: everything not retracted, as it stands now.
CURRENT = ObservationFilter()


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
    table = query.table
    if sort is ObservationSort.relevance:
        return _ranked(query, dialect)
    # Plain rows in served form, not ORM objects: on the hot path, building objects costs
    # more than the SQL.
    return served_select(table).where(*filter_conditions(query)).order_by(*order(table, sort))


def _ranked(query: ObservationFilter, dialect: str) -> Any:
    """The matches of q, best first, with their score as a last column (`relevance`)."""
    if query.text is None:
        raise InvalidParameter("sort=relevance ranks the matches of q: add q.", parameter="sort")
    others = filter_conditions(replace(query, text=None))
    table = query.table
    return search.ranked(
        served_select(table), table, query.text, others, dialect=dialect, as_of=query.as_of
    )


@dataclass(frozen=True)
class ObservationPage:
    """A list's page as served: its observations, where the next page starts (None: the
    last), and on request the filter's total and its facets."""

    documents: list[dict[str, Any]]
    next_cursor: Cursor | None
    total: int | None = None
    facets: dict[str, Facet] | None = None


def list_page(
    session: Session,
    *,
    catalog: Catalog,
    query: ObservationFilter,
    sort: ObservationSort,
    limit: int,
    after: Cursor | None = None,
    count: bool = False,
    facet_names: Sequence[str] = (),
    facet_timeout_ms: int = 0,
) -> ObservationPage:
    """A page of `limit` observations in `sort` order, after `after`: one query for the
    page (a row more tells whether another follows), then, if asked, one to count the
    whole selection and one per facet (`facet_names`, checked by `facets.check_facets`)."""
    read = list_observations(session, query=query, sort=sort, limit=limit + 1, after=after)
    rows, next_cursor = page_of(
        read, limit, sort=sort, sort_value=lambda row: sort_value(sort, row)
    )
    if not rows:
        check_breakdown_values(session, query)
    served = documents(session, rows, catalog=catalog, query=query)
    remembered, selection = _counts_memo(catalog), repr(query)
    total = None
    if count:
        total = remembered.get(("count", selection))
        if total is None:
            total = remembered[("count", selection)] = count_observations(session, query=query)
    counted = None
    if facet_names:
        counted = {name: remembered.get(("facet", name, selection)) for name in facet_names}
        missing = [name for name, facet in counted.items() if facet is None]
        if missing:
            found = facets.facet_counts(session, query, missing, timeout_ms=facet_timeout_ms)
            for name, facet in found.items():
                counted[name] = facet
                if not facet.timed_out:  # asked again, it may finish
                    remembered[("facet", name, selection)] = facet
    return ObservationPage(served, next_cursor, total, counted)


# Totals and facets kept per data version (with its catalog: a write makes both anew), so
# that a dashboard's repeated counts do not scan the figures again; the oldest go first.
COUNTS_KEPT = 512


class _CountsMemo(OrderedDict[tuple[str, ...], Any]):
    def __init__(self) -> None:
        super().__init__()
        self.lock = Lock()  # request threads share it

    def __setitem__(self, key: tuple[str, ...], value: Any) -> None:
        with self.lock:
            super().__setitem__(key, value)
            while len(self) > COUNTS_KEPT:
                self.popitem(last=False)


def _counts_memo(catalog: Catalog) -> _CountsMemo:
    """The catalog's counts; a catalog read inside a write (no data version) keeps none."""
    if catalog.data_version is None:
        return _CountsMemo()
    return catalog.memo.setdefault("counts", _CountsMemo())


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
    if sort is ObservationSort.relevance and dialect == "sqlite" and query.as_of is None:
        rows = _shortlisted_rows(session, query, limit=limit, after=after)
        if rows is not None:
            return rows
    statement = list_statement(query, sort, dialect=dialect)
    if after is not None and sort is ObservationSort.relevance and query.text is not None:
        statement = statement.where(
            search.after(query.table, query.text, after, dialect=dialect, as_of=query.as_of)
        )
    elif after is not None:
        statement = statement.where(filters.after(query.table, sort, after))
    return list(session.connection().execute(statement.limit(limit)).all())


# How many of the best matches a ranked page is first looked for among, per row of the page.
SHORTLIST_PER_ROW = 4


def _shortlisted_rows(
    session: Session, query: ObservationFilter, *, limit: int, after: Cursor | None
) -> list[ObservationRow] | None:
    """A ranked page from the best matches alone (`search.shortlisted`): a common word's
    page without reading every row it matches. None for a filtered search, or when too
    few of the best matches are left (retracted): the page must be read from every
    match."""
    others = filter_conditions(replace(query, text=None))
    if query.text is None or len(others) > 1:
        # Narrowed by more than "not retracted", most of the best matches may be left out:
        # rank the matches the filter keeps instead.
        return None
    statement = search.shortlisted(
        served_select(query.table),
        query.table,
        query.text,
        others,
        after_cursor=after,
        candidates=max(SHORTLIST_PER_ROW * limit, 400),
    )
    rows = list(session.connection().execute(statement.limit(limit)).all())
    return rows if len(rows) == limit else None


def count_observations(session: Session, *, query: ObservationFilter) -> int:
    counting = select(func.count()).select_from(query.table).where(*filter_conditions(query))
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
    session: Session, observation_id: int, *, as_of: AsOf | None = None
) -> ObservationRow:
    """The observation now, or as it stood at the end of `as_of`, as a row of
    `served_columns`; retracted ones included."""
    table, valid = state_at(Observation, as_of)
    statement = _by_id(table).where(*valid) if valid else _by_id(table)
    row = session.connection().execute(statement, {"observation_id": observation_id}).first()
    if row is None:
        when = f" on {as_of}" if as_of else ""
        raise NotFound(f"There is no observation {observation_id}{when}.", subject="observation")
    return row


def has_observations(session: Session) -> bool:
    return session.scalars(select(Observation.id).limit(1)).first() is not None


def list_part_ids(session: Session, observation_id: int, *, as_of: AsOf | None = None) -> list[int]:
    if as_of is None:
        statement = _current_parts()
    else:
        query = ObservationFilter(as_of=as_of, include_retracted=True)
        table = query.table
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
    query: ObservationFilter = CURRENT,
) -> list[dict[str, Any]]:
    """The served form of rows `query` read through `served_columns` (and any `relevance`
    after them). Past states cite the sources as they stood then. With `query.text` (q),
    each has its `match`."""
    rows = search.served_part(rows)
    citer, title_of = _sources_at(session, rows, catalog, query.as_of)
    served_rows = served_documents(rows, units=catalog.units, citation=citer)
    text = query.text
    if text is not None:
        found = matching.matches(rows, text, title_of)
        for document, match in zip(served_rows, found, strict=True):
            document["match"] = match
    return served_rows


def _sources_at(
    session: Session, rows: Sequence[Sequence[Any]], catalog: Catalog, as_of: AsOf | None
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
    query: ObservationFilter = CURRENT,
) -> list[list[Any]]:
    """Rows of `served_columns` as CSV records of `documents.csv_columns`, and with
    `query.text` (q) the match's `matching.CSV_COLUMNS`."""
    rows = search.served_part(rows)
    citer, title_of = _sources_at(session, rows, catalog, query.as_of)
    records = served.csv_records(
        rows, units=catalog.units, citation=citer, dimension_names=catalog.dimension_names
    )
    text = query.text
    if text is not None:
        found = matching.matches(rows, text, title_of)
        for record, match in zip(records, found, strict=True):
            record += matching.csv_cells(match)
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
    session: Session, document: dict[str, Any], *, catalog: Catalog, as_of: AsOf | None = None
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


def read_detail(
    session: Session, observation_id: int, *, catalog: Catalog, as_of: AsOf | None = None
) -> tuple[dict[str, Any], int]:
    """One observation as GET /v1/observations/{id} serves it (now, or at the end of
    `as_of`), and the revision it is at."""
    row = read_observation(session, observation_id, as_of=as_of)
    (document,) = documents(session, [row], catalog=catalog, query=ObservationFilter(as_of=as_of))
    return observation_detail(session, document, catalog=catalog, as_of=as_of), document["revision"]


def written_detail(session: Session, observation: Observation) -> dict[str, Any]:
    """A written observation as this transaction sees it: its catalog read afresh, since
    the write may have changed what it cites."""
    catalog = load_catalog(session, data_version=None)
    (document,) = object_documents([observation], catalog=catalog)
    return observation_detail(session, document, catalog=catalog)


def named_facet(facet: Facet, catalog: Catalog) -> dict[str, Any]:
    """A facet's answer with what names each value: a source's title, a metric's name.
    Each value is (value, count, its names); a facet past its deadline is only that."""
    if facet.timed_out:
        return {"timed_out": True}
    values = []
    for value, count in facet.values:
        labels: dict[str, str] = {}
        if facet.name == "source" and value in catalog.sources:
            labels["title"] = catalog.sources[value].title
        elif facet.name == "metric" and value in catalog.metrics:
            labels["name"] = catalog.metrics[value].name
        values.append((value, count, labels))
    return {"values": values, "distinct": facet.distinct, "truncated": facet.truncated}


def check_breakdown_values(session: Session, query: ObservationFilter) -> None:
    """A breakdown filter whose value no figure has but one close to it does
    (`visa_type=students`, where figures have `student`) is a 400 saying so, with the
    values there are: surely a typo. A value near none is a question with no figure yet (an
    empty list). Checked only when a read found nothing, so a filter that matches costs
    nothing more."""
    for name, value in query.dimensions.items():
        values = select(ObservationDimension.value).where(ObservationDimension.name == name)
        if session.scalars(values.where(ObservationDimension.value == value).limit(1)).first():
            continue
        known = sorted(set(session.scalars(values.distinct().limit(MAX_VALUES_LISTED + 1))))
        hint = did_you_mean(value, known)
        if not hint:
            continue
        listed = ", ".join(known[:MAX_VALUES_LISTED])
        more = " ..." if len(known) > MAX_VALUES_LISTED else ""
        raise UnknownReference(
            f"No figure has {name} {value!r}.{hint} Values of {name}: {listed}{more}.",
            parameter=name,
        )
