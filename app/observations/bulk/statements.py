"""Writing an import's observations a batch at a time, once `saver` has checked them: new
ones with their first revision and their breakdown rows, and new revisions of stored ones,
each step one statement (or one COPY) for the whole batch instead of one ORM object and
statement per row. New rows go straight through the driver (multi-row INSERTs on SQLite,
COPY on PostgreSQL): SQLAlchemy's per-value processing cost more than the database's work.

Every value is stored exactly as the ORM stores it: the columns' own bind processors
(dates, UTC moments, breakdowns as canonical JSON) run on it, once per distinct value."""

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Dialect,
    Executable,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy import insert as insert_into
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from app.dataset.audit import record_audits
from app.dataset.state import claim_change_version
from app.db import note_dataset_write
from app.domain.columns import utc_now
from app.domain.observation import WRITTEN_FIELDS, ObservationState
from app.domain.revisions import Action
from app.models import Observation, ObservationDimension, ObservationRevision

Values = Mapping[str, Any]  # an import row's checked fields: the written ones, id and revision
Process = Callable[[Any], Any]

OBSERVATION: Table = Observation.__table__  # type: ignore[attr-defined]
REVISION: Table = ObservationRevision.__table__  # type: ignore[attr-defined]
DIMENSION: Table = ObservationDimension.__table__  # type: ignore[attr-defined]
# What a new observation keeps besides what was written: the declaration's defaults (no
# retraction); its revision and the moment it was saved are set as it is written.
KEPT_DEFAULTS = {
    name: info.default
    for name, info in ObservationState.model_fields.items()
    if name not in WRITTEN_FIELDS
}
# PostgreSQL's sequence of observation ids: the next ones, and moving it past an id.
DRAW_FROM_SEQUENCE = text(
    "SELECT nextval(pg_get_serial_sequence('observation', 'id')) FROM generate_series(1, :count)"
)
MOVE_SEQUENCE_PAST = text(
    "SELECT setval(pg_get_serial_sequence('observation', 'id'), GREATEST(:id, "
    "COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence('observation', 'id') "
    "AS regclass)), 0)))"
)


class IdList(TypeDecorator[Sequence[int]]):
    """A list of ids as one JSON parameter (SQLite reads it with json_each)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Sequence[int] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(list(value))


def among(ids: ColumnElement[int], dialect: str) -> ColumnElement[bool]:
    """`ids IN :ids`, a batch's ids one parameter, parsed and planned as one value: a
    PostgreSQL array, or on SQLite a JSON list (an expanded list would be a parameter per
    id, named and bound anew for every batch)."""
    if dialect == "postgresql":
        return ids == any_(bindparam("ids", type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("ids", type_=IdList())).table_valued("value")
    return ids.in_(select(listed.c.value))


@cache
def _add_revisions_statement(dialect: str) -> Executable:
    """Observations' current states as their newest revisions, in one statement: when (their
    updated_at), by whom and why."""
    state = [column.name for column in REVISION.columns if column.name in OBSERVATION.c]
    history = {
        "action": bindparam("action", type_=String),
        "recorded_at": OBSERVATION.c.updated_at,
        "recorded_by": bindparam("actor", type_=String),
        "reason": bindparam("reason", type_=Text),
        "change_version": bindparam("change_version", type_=BigInteger),
    }
    rows = select(*[OBSERVATION.c[name] for name in state], *history.values()).where(
        among(OBSERVATION.c.id, dialect)
    )
    return insert_into(REVISION).from_select([*state, *history], rows)


@cache
def _revise_statements(dialect: str) -> tuple[Executable, Executable]:
    """Edited observations' current revisions closed at `:now`, and their breakdowns
    deleted, the batch's ids one parameter."""
    superseding = (
        update(REVISION)
        .where(among(REVISION.c.id, dialect), REVISION.c.superseded_at.is_(None))
        .values(superseded_at=bindparam("now", type_=REVISION.c.superseded_at.type))
    )
    return superseding, DIMENSION.delete().where(among(DIMENSION.c.observation_id, dialect))


# SQLite's limit on a statement's parameters, where the connection does not say (3.32 on).
SQLITE_MAX_PARAMETERS = 32_766


@dataclass(frozen=True)
class Edit:
    """A stored observation's next state: what was written, replacing `revision`."""

    id: int
    revision: int
    values: Values
    # The written fields whose values differ from the stored ones: the only ones set, so
    # that the database rewrites no index entry, nor reindexes a text, for a value that
    # stays (the rows stored are the same).
    changed: tuple[str, ...] = tuple(WRITTEN_FIELDS)


class BulkWriter:
    """Writes observations into one session's transaction, for one import."""

    def __init__(self, session: Session, *, actor: str, reason: str) -> None:
        self.session, self.actor, self.reason = session, actor, reason
        self.dialect = session.get_bind().dialect
        self.on_sqlite = self.dialect.name == "sqlite"
        self.last_id: int | None = None  # SQLite: the largest id stored so far
        self.highest_given = 0  # PostgreSQL: the largest id a file gave, which the sequence
        self.sequence_past = 0  # does not know of, and how far the sequence was moved past
        self.processors = {
            table.name: [
                column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
                for column in table.columns
            ]
            for table in (OBSERVATION, DIMENSION)
        }

    def create(self, rows: Sequence[Values]) -> list[int]:
        """Insert `rows` (those without an id get the next ones), each with its first
        revision (action create) and its breakdowns; their ids."""
        if not rows:
            return []
        ids = self._ids(rows)
        claim_change_version(self.session)  # before the clock: moments follow commits
        kept = {**KEPT_DEFAULTS, "revision": 1, "updated_at": utc_now()}
        by_row = map(itemgetter(*WRITTEN_FIELDS), rows)
        written = dict(zip(WRITTEN_FIELDS, zip(*by_row, strict=True), strict=True))
        columns: list[Sequence[Any]] = []
        for name in (column.name for column in OBSERVATION.columns):
            if name == "id":
                columns.append(ids)
            elif name in kept:
                columns.append([kept[name]] * len(rows))
            else:
                columns.append(written[name])
        self._copy(OBSERVATION, columns)
        self._add_revisions(ids, action=Action.create)
        self._add_breakdowns(ids, rows)
        note_dataset_write(self.session)
        return ids

    def revise(self, edits: Sequence[Edit]) -> list[int]:
        """Apply each edit as the observation's next revision, but only where the revision it
        replaces is still the current one (compare and set, as `editing` does); then close
        the replaced revisions, add the new ones (action edit), replace the breakdowns, and
        audit each edit. Returns the ids whose revision had moved on meanwhile."""
        if not edits:
            return []
        ids = [edit.id for edit in edits]
        claim_change_version(self.session)  # before the clock: moments follow commits
        now = utc_now()
        table = OBSERVATION
        # SET takes every column the parameters name: what changed, revision, updated_at;
        # a statement for each set of changed fields.
        statement = update(table).where(
            table.c.id == bindparam("_id"), table.c.revision == bindparam("_replaced")
        )
        alike: dict[tuple[str, ...], list[Edit]] = {}
        for edit in edits:
            alike.setdefault(edit.changed, []).append(edit)
        applied = 0
        for changed, group in alike.items():
            applied += self.session.execute(
                statement,
                [
                    {name: edit.values[name] for name in changed}
                    | {"revision": edit.revision + 1, "updated_at": now}
                    | {"_id": edit.id, "_replaced": edit.revision}
                    for edit in group
                ],
            ).rowcount
        if applied != len(edits):  # another writer got there first
            revisions = select(table.c.id, table.c.revision).where(table.c.id.in_(ids))
            current = dict(self.session.execute(revisions).tuples().all())
            return [edit.id for edit in edits if current.get(edit.id) != edit.revision + 1]
        superseding, deleting = _revise_statements(self.dialect.name)
        self.session.execute(superseding, {"ids": ids, "now": now})
        self._add_revisions(ids, action=Action.edit)
        self.session.execute(deleting, {"ids": ids})
        self._add_breakdowns(ids, [edit.values for edit in edits])
        record_audits(
            self.session,
            actor=self.actor,
            action="observation.edit",
            targets=[f"observation/{observation_id}" for observation_id in ids],
            reason=self.reason,
        )
        note_dataset_write(self.session)
        return []

    def _ids(self, rows: Sequence[Values]) -> list[int]:
        """Each row's id: its own, or the next free one, as the database would give it."""
        given = [row["id"] for row in rows if row["id"] is not None]
        wanted = len(rows) - len(given)
        if self.on_sqlite:  # the next rowid: one past the largest, at each insert
            if self.last_id is None:
                self.last_id = self.session.scalar(select(func.max(OBSERVATION.c.id))) or 0
            start = max([self.last_id, *given])
            drawn = list(range(start + 1, start + 1 + wanted))
            self.last_id = start + wanted
        else:
            self.highest_given = max([self.highest_given, *given])
            drawn = self._draw_from_sequence(wanted)
        fresh = iter(drawn)
        return [row["id"] if row["id"] is not None else next(fresh) for row in rows]

    def _draw_from_sequence(self, count: int) -> list[int]:
        """The sequence's next `count` ids. It knows nothing of the ids files gave, so it is
        first moved past them (never back), so as never to hand one out again."""
        if count == 0:
            return []
        if self.highest_given > self.sequence_past:
            self.session.execute(MOVE_SEQUENCE_PAST, {"id": self.highest_given})
            self.sequence_past = self.highest_given
        return sorted(self.session.scalars(DRAW_FROM_SEQUENCE, {"count": count}))

    def _add_revisions(self, ids: list[int], *, action: str) -> None:
        """Each observation's current state as its newest revision, copied from its row."""
        history = {"action": action, "actor": self.actor, "reason": self.reason}
        history["change_version"] = claim_change_version(self.session)
        statement = _add_revisions_statement(self.dialect.name)
        self.session.execute(statement, {"ids": ids, **history})

    def _add_breakdowns(self, ids: list[int], rows: Iterable[Values]) -> None:
        breakdowns = [
            (observation_id, name, value)
            for observation_id, row in zip(ids, rows, strict=True)
            for name, value in row["dimensions"].items()
        ]
        if breakdowns:
            self._copy(DIMENSION, [list(column) for column in zip(*breakdowns, strict=True)])

    def _copy(self, table: Table, columns: Sequence[Sequence[Any]]) -> None:
        """Rows given column by column, in the table's column order, in their stored form."""
        stored = [
            _stored(processor, values) if processor else values
            for processor, values in zip(self.processors[table.name], columns, strict=True)
        ]
        rows = list(zip(*stored, strict=True))
        cursor = self.session.connection().connection.cursor()
        try:
            if self.on_sqlite:
                _insert_sqlite(cursor, table, rows)
            else:
                names = ", ".join(column.name for column in table.columns)
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        finally:
            cursor.close()


def _insert_sqlite(cursor: Any, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """As many rows a statement as its parameters allow (a batch, usually): SQLite then
    checks each CHECK's IN list once a statement rather than once a row, as executemany
    would, and the full-text index (an FTS5 table, which a trigger fills) writes what it
    gathered once a statement, as a segment that later merges."""
    try:
        limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # a connection that does not say
        limit = SQLITE_MAX_PARAMETERS
    statements = -(-len(rows) // max(1, limit // len(table.columns)))
    per_statement = -(-len(rows) // statements)  # as even as they come
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(_multirow_insert(table, len(chunk)), list(chain.from_iterable(chunk)))


@lru_cache(maxsize=16)
def _multirow_insert(table: Table, rows: int) -> str:
    names = ", ".join(column.name for column in table.columns)
    one = "(" + ", ".join("?" * len(table.columns)) + ")"
    return f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join([one] * rows)


def _stored(process: Process, values: Sequence[Any]) -> list[Any]:
    """`process` applied to each value, once per distinct one (breakdowns, which are
    dictionaries, by their items). A column's values are all of one type."""
    if values and type(values[0]) is dict:
        keys: Sequence[Any] = [tuple(value.items()) for value in values]
    else:
        keys = values
    stored = {key: process(value) for key, value in dict(zip(keys, values, strict=True)).items()}
    return [stored[key] for key in keys]
