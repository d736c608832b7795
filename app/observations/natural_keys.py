"""The same figure, found again without its id: an import row whose natural key (metric,
pair, region, breakdown, period, source and claimant: `NATURAL_KEY`) is a stored
observation's revises it. Looked up by the whole key, a batch's keys at a time: the keys are
one JSON parameter, read as a table and joined with `observation` on every column of the
key, so that each key is one search of an index for the stored rows with that very key.
What a lookup costs follows from the batch, not from how many rows its claims hold."""

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Dialect,
    Executable,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from app.domain.columns import canonical_dimensions
from app.domain.observation import NATURAL_KEY
from app.models import Observation
from app.models.observation import NATURAL_KEY_INDEX
from app.observations.schemas import ObservationCreate

NaturalKey = tuple[Any, ...]
_NO_BREAKDOWN = canonical_dimensions({})
# In a key, breakdowns are already as stored (canonical JSON); every other value is as the
# model holds it, and is stored by its column's own bind processor.
_STORED_AS_IS = frozenset({"dimensions"})


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


def find_ids_by_key(session: Session, keys: Collection[NaturalKey]) -> dict[NaturalKey, int]:
    """The ids of stored observations with these natural keys (the lowest id, if several),
    in one statement (`natural_key_lookup`), which compares every column of the key: NULL
    equal to NULL, breakdowns as their canonical JSON."""
    if not keys:
        return {}
    ordered = list(keys)
    lookup = natural_key_lookup(session.get_bind().dialect)
    found: dict[NaturalKey, int] = {}
    for position, observation_id in session.execute(
        lookup.statement, {"keys": lookup.parameter(ordered)}
    ):
        key = ordered[position]
        if key not in found or observation_id < found[key]:
            found[key] = observation_id
    return found


@dataclass(frozen=True)
class KeyLookup:
    """The lookup of one dialect: its statement, and how a batch's keys become its one
    parameter (JSON: a list of keys, each a list of stored values in NATURAL_KEY order)."""

    statement: Executable
    stores: tuple[Callable[[Any], Any] | None, ...]  # each key value's bind processor

    def parameter(self, keys: Sequence[NaturalKey]) -> str:
        stored = [
            [
                value if store is None else store(value)
                for store, value in zip(self.stores, key, strict=True)
            ]
            for key in keys
        ]
        return json.dumps(stored, ensure_ascii=False, separators=(",", ":"), default=_json_value)


def _json_value(value: Any) -> Any:
    """A value the driver would adapt itself (a date, on PostgreSQL) as JSON text, which
    the statement casts back to the column's type."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"a natural key holds {type(value).__name__}, which JSON cannot")


# The batch's keys as a table (position, then a column per key value, typed as stored).
def _sqlite_keys(columns: Sequence[Column[Any]]) -> str:
    values = ", ".join(
        f"json_extract(value, '$[{i}]') AS {column.name}" for i, column in enumerate(columns)
    )
    return f"SELECT CAST(key AS INTEGER) AS position, {values} FROM json_each(:keys)"


def _postgresql_keys(columns: Sequence[Column[Any]]) -> str:
    dialect = postgresql.dialect()
    values = ", ".join(
        f"CAST(value ->> {i} AS {_cast_type(column, dialect)}) AS {column.name}"
        for i, column in enumerate(columns)
    )
    return (
        f"SELECT CAST(position AS integer) - 1 AS position, {values} "
        "FROM jsonb_array_elements(CAST(:keys AS jsonb)) WITH ORDINALITY AS key(value, position)"
    )


def _cast_type(column: Column[Any], dialect: Dialect) -> str:
    """Text as text (a cast to a column's VARCHAR(n) would cut a longer value short, to
    match a stored one); other values as their column's type."""
    if isinstance(getattr(column.type, "impl_instance", column.type), String):
        return "TEXT"
    return column.type.compile(dialect=dialect)


def _same(stored: Column[Any], given: ColumnElement[Any]) -> ColumnElement[bool]:
    """Equal, NULL to NULL where the column may hold NULL (SQLite's IS, PostgreSQL's IS NOT
    DISTINCT FROM); plain `=` elsewhere, which every index serves."""
    return stored.is_not_distinct_from(given) if stored.nullable else stored == given


def natural_key_lookup(dialect: Dialect) -> KeyLookup:
    """The lookup for this dialect, made once per process."""
    if dialect.name not in _LOOKUPS:
        _LOOKUPS[dialect.name] = _lookup(dialect)
    return _LOOKUPS[dialect.name]


_LOOKUPS: dict[str, KeyLookup] = {}


def _sqlite_lookup(columns: Sequence[Column[Any]]) -> Executable:
    """SQLite's lookup, which names its index: SQLite's choice follows its statistics,
    which an import outdates as it goes (or which a database never analysed lacks), and the
    wrong index reads every row that shares a pair and metric, or a claim, for each key, so
    that every batch takes longer than the one before. CROSS JOIN keeps the keys outside,
    each one search; IS matches NULL to NULL and searches an index as `=` does."""
    same = " AND ".join(
        f"observation.{c.name} {'IS' if c.nullable else '='} natural_key.{c.name}" for c in columns
    )
    return (
        text(
            f"WITH natural_key AS ({_sqlite_keys(columns)}) "
            "SELECT natural_key.position, observation.id FROM natural_key "
            f"CROSS JOIN observation INDEXED BY {NATURAL_KEY_INDEX} WHERE {same}"
        )
        .bindparams(bindparam("keys", type_=String))
        .columns(column("position", Integer), column("id", Integer))
    )


def _lookup(dialect: Dialect) -> KeyLookup:
    """(position of the key in the batch, id) of each stored observation whose natural key
    is one of the JSON list `:keys`: a join of the keys with `observation` on every column
    of the key, which the database serves by searching an index once per key (one whose
    columns are all in the key), never by reading a claim's rows or the table."""
    table = Observation.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in NATURAL_KEY]
    stores = tuple(
        None if c.name in _STORED_AS_IS else c.type.dialect_impl(dialect).bind_processor(dialect)
        for c in columns
    )
    if dialect.name != "postgresql":
        return KeyLookup(_sqlite_lookup(columns), stores)
    keys = (
        text(_postgresql_keys(columns))
        .bindparams(bindparam("keys", type_=String))
        .columns(column("position", Integer), *[column(c.name, c.type) for c in columns])
        .cte("natural_key")
    )
    same = [_same(c, keys.c[c.name]) for c in columns if c is not table.c.period_start]
    start, given_start = table.c.period_start, keys.c.period_start

    def joined(*conditions: ColumnElement[bool]) -> Select[Any]:
        return select(keys.c.position, table.c.id).join_from(keys, table, and_(*conditions))

    # PostgreSQL searches no index by IS NOT DISTINCT FROM: the period's start (the
    # natural-key index's last column, which narrows a table's one claim and metric to a
    # few rows) is compared with `=` where the key gives one, IS NULL where it does not.
    statement = union_all(
        joined(*same, start == given_start),
        joined(*same, start.is_(None), given_start.is_(None)),
    )
    return KeyLookup(statement, stores)
