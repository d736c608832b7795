"""An observations file's rows as ObservationImport takes them, checked a batch at a time: a
flat CSV row has a column per breakdown, a JSON line a `dimensions` object; the columns the
API derives are dropped, but a unit that contradicts the metric's is refused."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from app.domain.observation import DERIVED_FIELDS
from app.errors import InvalidData
from app.imports.column_checks import ColumnChecker, Values, parse
from app.imports.reading import Row, RowBatch, json_object_cell
from app.observations.schemas import ObservationImport, figure_and_period_rules

DERIVED_COLUMNS = frozenset(DERIVED_FIELDS)
# Columns holding a JSON object, and whether an empty cell of each is None (or {}).
OBJECT_COLUMNS = {"inferred": False, "cell": True}
Columns = dict[str, Sequence[Any]]


@dataclass(frozen=True)
class Catalog:
    """What the rows are read against: every breakdown's name, and each metric's unit."""

    breakdowns: Collection[str]
    units: Mapping[str, str]


def fields_of(row: Row, catalog: Catalog) -> Row:
    """One row's fields, as the model takes them."""
    fields: Row = {"dimensions": dict(row.get("dimensions") or {})}
    for name, value in row.items():
        if name in catalog.breakdowns:
            if value is not None:
                fields["dimensions"][name] = value
        elif name not in DERIVED_COLUMNS and name != "dimensions":
            fields[name] = value
    for name, optional in OBJECT_COLUMNS.items():
        if name in fields:
            fields[name] = json_object_cell(fields[name], optional=optional)
    return fields


def check_observations(
    batch: RowBatch, catalog: Catalog
) -> tuple[list[tuple[int, Values]], list[tuple[int, str]]]:
    """The rows of a batch, each checked as ObservationImport checks one (its values, as a
    dict, with its line), and each bad row's line and problem, in the model's words."""
    count = len(batch.lines)
    columns = batch.columns if batch.rows is None else _same_columns(batch.rows)
    fields = _fields_by_column(columns, count, catalog) if columns is not None else None
    if fields is not None:
        results = _checker().check_columns(fields, count)
    else:
        results = _checker().check([fields_of(row, catalog) for row in batch.all_rows()])
    units = columns.get("unit", [None] * count) if columns is not None else None
    checked: list[tuple[int, Values]] = []
    problems: list[tuple[int, str]] = []
    for i, (line, values) in enumerate(zip(batch.lines, results, strict=True)):
        try:
            if values is None:  # the model says what is wrong (or, if nothing, its values)
                values = parse(ObservationImport, fields_of(batch.row(i), catalog)).model_dump()
            unit = units[i] if units is not None else batch.row(i).get("unit")
            expected = catalog.units.get(values["metric"])
            if unit is not None and expected is not None and unit != expected:
                raise InvalidData(
                    f"unit '{unit}' is not the unit of {values['metric']} ('{expected}')"
                )
        except InvalidData as exc:
            problems.append((line, exc.detail))
            continue
        checked.append((line, values))
    return checked, problems


@cache
def _checker() -> ColumnChecker:
    return ColumnChecker(ObservationImport, figure_and_period_rules)


def _same_columns(rows: list[Row]) -> Columns | None:
    """Rows that all have the same keys (more than one), as columns; None otherwise."""
    names = list(rows[0]) if rows else []
    first = rows[0].keys() if rows else None
    if len(names) < 2 or any(row.keys() != first for row in rows):
        return None
    return dict(zip(names, zip(*map(itemgetter(*names), rows), strict=True), strict=True))


def _fields_by_column(columns: Columns, count: int, catalog: Catalog) -> Columns | None:
    """`fields_of` for a batch given as columns; None if the rows carry a `dimensions`
    object (they are taken one by one)."""
    if "dimensions" in columns:
        return None
    fields = {
        name: column
        for name, column in columns.items()
        if name not in catalog.breakdowns and name not in DERIVED_COLUMNS
    }
    for name, optional in OBJECT_COLUMNS.items():
        if name in fields:
            fields[name] = [json_object_cell(cell, optional=optional) for cell in fields[name]]
    breakdowns = [name for name in columns if name in catalog.breakdowns]
    none = (None,) * len(breakdowns)  # most rows: a total, no breakdown
    fields["dimensions"] = (
        [
            {} if cells == none else _breakdown(breakdowns, cells)
            for cells in zip(*(columns[name] for name in breakdowns), strict=True)
        ]
        if breakdowns
        else [{} for _ in range(count)]
    )
    return fields


def _breakdown(names: list[str], cells: Sequence[Any]) -> dict[str, Any]:
    return {name: value for name, value in zip(names, cells, strict=True) if value is not None}
