"""Facets: for the observations a filter selects, how many have each value of a column
(metric, origin, destination, region, basis, qualifier, source) or of a breakdown
(`visa_type`, by its dimension's name).

Each facet is one GROUP BY under the list's own conditions (`filters.filter_conditions`),
so its counts are those of the lists it links to, retracted figures left out unless asked,
as of a past day when asked. Each runs under a deadline of its own: PostgreSQL cancels it
(`SET LOCAL statement_timeout`, inside a savepoint of the request's snapshot, rolled back
after, so the request's own timeout comes back), SQLite interrupts it from a progress
handler. A facet past its deadline is reported as timed out; the request goes on.

A facet returns at most `limit` values, the most frequent first (ties by value), with how
many values there were. A null value (no region) is counted like any other; a breakdown's
facet counts the observations that have that breakdown."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, ColumnElement, and_, cast, func, select, text, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.domain.observation import FACETED
from app.errors import InvalidParameter
from app.models import Observation, ObservationDimension
from app.observations.filters import ObservationFilter, filter_conditions

# Facet name (the query parameter it links to) -> the column it counts.
COLUMN_FACETS = {column.removesuffix("_id"): column for column in FACETED}
MAX_FACET_VALUES = 30
# SQLite calls the progress handler every this many virtual-machine instructions: often
# enough to stop within a millisecond or so, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 1000


@dataclass(frozen=True)
class Facet:
    """One facet's answer: (value, count) pairs, most frequent first, and how many distinct
    values there were in all; or `timed_out`."""

    name: str
    values: list[tuple[Any, int]] = field(default_factory=list)
    distinct: int = 0
    timed_out: bool = False

    @property
    def truncated(self) -> bool:
        return self.distinct > len(self.values)


def facetable(dimension_names: Sequence[str]) -> list[str]:
    """Every facet name: the columns, then the breakdowns."""
    return [*COLUMN_FACETS, *(name for name in dimension_names if name not in COLUMN_FACETS)]


def check_facets(names: Sequence[str], dimension_names: Sequence[str]) -> list[str]:
    """The facets asked for, each once, in the order asked; an unknown one is a 400 that
    names it and lists those there are."""
    asked = list(dict.fromkeys(names))
    allowed = facetable(dimension_names)
    unknown = [name for name in asked if name not in allowed]
    if unknown:
        raise InvalidParameter(
            f"facet cannot be {', '.join(repr(name) for name in unknown)}: facets are "
            f"{', '.join(allowed)}.",
            parameter="facet",
            unknown=unknown,
            allowed=allowed,
        )
    return asked


def facet_counts(
    session: Session,
    query: ObservationFilter,
    names: Sequence[str],
    *,
    timeout_ms: int,
    limit: int = MAX_FACET_VALUES,
) -> dict[str, Facet]:
    """Each named facet (checked by `check_facets`) for the observations `query` selects,
    each within `timeout_ms`."""
    connection = session.connection()
    facets = {}
    for name in names:
        statement = _facet_statement(query, name, limit, connection.dialect.name)
        try:
            with _deadline(session, timeout_ms):
                rows = connection.execute(statement).all()
        except OperationalError as exc:
            if not _past_deadline(exc):
                raise
            facets[name] = Facet(name, timed_out=True)
            continue
        facets[name] = Facet(
            name,
            values=[(row.value, row.count) for row in rows],
            distinct=rows[0].distinct if rows else 0,
        )
    return facets


# The whole list's facet on SQLite, through the index of the figures not retracted: given
# the choice, SQLite's planner may take the column's (value, id) index instead and read
# every row for its retraction (20 times slower at a million rows).
_LIVE_FACET_SQLITE = (
    'SELECT {column} AS value, count(*) AS count, count(*) OVER () AS "distinct" '
    "FROM observation INDEXED BY ix_observation_live_{column} WHERE retracted_at IS NULL "
    "GROUP BY {column} ORDER BY count DESC, {column} IS NULL, {column} LIMIT :limit"
)


def _facet_statement(query: ObservationFilter, name: str, limit: int, dialect: str) -> Any:
    if dialect == "sqlite" and name in COLUMN_FACETS and _unfiltered(query):
        sql = _LIVE_FACET_SQLITE.format(column=COLUMN_FACETS[name])
        return text(sql).bindparams(limit=limit)
    table = query.table
    conditions = filter_conditions(query)
    if name in COLUMN_FACETS:
        value: ColumnElement[Any] = getattr(table, COLUMN_FACETS[name])
        source = select().select_from(table).where(*conditions)
    elif table is Observation:  # the current state: a breakdown's indexed rows
        value = ObservationDimension.value
        joined = table.__table__.join(
            ObservationDimension,
            and_(
                ObservationDimension.observation_id == table.id, ObservationDimension.name == name
            ),
        )
        source = select().select_from(joined).where(*conditions)
    else:  # a past state: the breakdown read from its canonical JSON
        value = _breakdown_in_json(table, name, dialect)
        source = select().select_from(table).where(*conditions, value.is_not(None))
    count = func.count().label("count")
    return (
        source.add_columns(value.label("value"), count, func.count().over().label("distinct"))
        .group_by(value)
        .order_by(count.desc(), value.asc().nulls_last())
        .limit(limit)
    )


def _unfiltered(query: ObservationFilter) -> bool:
    """The whole list: every figure not retracted, now, and no other condition."""
    return (
        query.as_of is None and not query.include_retracted and len(filter_conditions(query)) == 1
    )


def _breakdown_in_json(table: Any, name: str, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(table.dimensions, JSONB)[name].astext
    return type_coerce(table.dimensions, JSON)[name].as_string()


@contextmanager
def _deadline(session: Session, timeout_ms: int) -> Iterator[None]:
    """Run the block's statements within `timeout_ms`, in the session's transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A savepoint: a cancelled statement spoils only it, and rolling it back also undoes
        # the SET LOCAL, so the request's own statement timeout holds again after.
        savepoint = connection.begin_nested()
        try:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            yield
        finally:
            savepoint.rollback()
        return
    driver = connection.connection.driver_connection
    ends = time.monotonic() + timeout_ms / 1000
    driver.set_progress_handler(lambda: time.monotonic() > ends, PROGRESS_STEPS)
    try:
        yield
    finally:
        driver.set_progress_handler(None, PROGRESS_STEPS)


def _past_deadline(exc: OperationalError) -> bool:
    """PostgreSQL's query_canceled, or SQLite's interrupt."""
    driver_error = exc.orig
    if getattr(driver_error, "sqlstate", None) == "57014":
        return True
    return getattr(driver_error, "sqlite_errorname", None) == "SQLITE_INTERRUPT"
