"""What a list of observations selects and in which order: the filter (`ObservationFilter`,
every field narrowing), its SQL conditions, the sorts, and where a keyset page starts.

The current state is read from `observation`; a past day (`as_of`) from
`observation_revision`, the states valid at the end of that day (`dataset.history.state_at`).
Both have the same columns, so one set of conditions serves both."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, or_, select, type_coerce

from app.dataset.catalog import Catalog
from app.dataset.history import state_at
from app.domain.columns import canonical_dimensions
from app.domain.dates import AsOf, partial_date_span
from app.domain.paging import Cursor
from app.errors import InvalidParameter
from app.models import Observation, ObservationDimension
from app.observations import search


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
    updated_after: datetime | None = None  # added, revised (or retracted) after it
    as_of: AsOf | None = None
    # Values the source must state, not leave to inference; STATED_ALL: every value.
    stated: Sequence[str] = ()
    # Words to search for (q): every one must match.
    text: search.SearchText | None = None

    @property
    def table(self) -> Any:
        """The table this filter reads: the current state, or the revisions of a past day."""
        return state_at(Observation, self.as_of)[0]


STATED_ALL = "all"


def check_references(query: ObservationFilter, catalog: Catalog) -> None:
    """A filter naming a metric or source that does not exist is a 400."""
    catalog.require_metrics(query.metrics)
    catalog.require_sources(query.source_ids)


def filter_conditions(query: ObservationFilter) -> list[ColumnElement[bool]]:
    """Every condition of the filter, on the table it reads (`query.table`)."""
    table, conditions = state_at(Observation, query.as_of)
    if not query.include_retracted:
        conditions.append(table.retracted_at.is_(None))
    if query.updated_after is not None:
        conditions.append(table.updated_at > query.updated_after)
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


def sort_value(sort: ObservationSort, row: Any) -> Any:
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


def after(table: Any, sort: ObservationSort, cursor: Cursor) -> ColumnElement[bool]:
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


def order(table: Any, sort: ObservationSort) -> list[Any]:
    """ORDER BY for a sort other than relevance. Empty values count as the largest: last
    going up, first going down. That is how PostgreSQL's indexes order them, so either
    direction reads an index in order."""
    column = getattr(table, sort.column)
    if sort.column == "id":
        return [table.id.desc() if sort.descending else table.id.asc()]
    if sort.descending:
        return [column.desc().nulls_first(), table.id.desc()]
    return [column.asc().nulls_last(), table.id.asc()]
