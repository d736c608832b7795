"""Writing an import's observations a batch at a time, once `saver` has checked them: new
ones with their first revision and their breakdown rows, and new revisions of stored ones,
each step one statement (or one COPY) for the whole batch instead of one ORM object and
statement per row. New rows go straight through the driver (multi-row INSERTs on SQLite,
COPY on PostgreSQL): SQLAlchemy's per-value processing cost more than the database's work.

Every value is stored exactly as the ORM stores it: the columns' own bind processors
(dates, UTC moments, breakdowns as canonical JSON) run on it, once per distinct value."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    String,
    Table,
    Text,
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


def among(ids: ColumnElement[int], dialect: str) -> ColumnElement[bool]:
    """`ids IN :ids`, a batch's ids one parameter: a PostgreSQL array (parsed and planned
    as one value), or SQLite's expanded list."""
    if dialect == "postgresql":
        return ids == any_(bindparam("ids", type_=ARRAY(Integer)))
    return ids.in_(bindparam("ids", expanding=True))


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
    }
    rows = select(*[OBSERVATION.c[name] for name in state], *history.values()).where(
        among(OBSERVATION.c.id, dialect)
    )
    return insert_into(REVISION).from_select([*state, *history], rows)


# Rows per INSERT on SQLite: far below its limit of 32,766 parameters a statement.
SQLITE_ROWS_PER_INSERT = 500


@dataclass(frozen=True)
class Edit:
    """A stored observation's next state: what was written, replacing `revision`."""

    id: int
    revision: int
    values: Values


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
        now = utc_now()
        table = OBSERVATION
        # SET takes every column the parameters name: what was written, revision, updated_at.
        statement = update(table).where(
            table.c.id == bindparam("_id"), table.c.revision == bindparam("_replaced")
        )
        applied = self.session.execute(
            statement,
            [
                {name: edit.values[name] for name in WRITTEN_FIELDS}
                | {"revision": edit.revision + 1, "updated_at": now}
                | {"_id": edit.id, "_replaced": edit.revision}
                for edit in edits
            ],
        )
        if applied.rowcount != len(edits):  # another writer got there first
            revisions = select(table.c.id, table.c.revision).where(table.c.id.in_(ids))
            current = dict(self.session.execute(revisions).tuples().all())
            return [edit.id for edit in edits if current.get(edit.id) != edit.revision + 1]
        self.session.execute(
            update(REVISION)
            .where(REVISION.c.id.in_(ids), REVISION.c.superseded_at.is_(None))
            .values(superseded_at=now)
        )
        self._add_revisions(ids, action=Action.edit)
        self.session.execute(DIMENSION.delete().where(DIMENSION.c.observation_id.in_(ids)))
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
    """Many rows a statement: SQLite then checks each CHECK's IN list once a statement
    rather than once a row, as executemany would."""
    names = ", ".join(column.name for column in table.columns)
    one = "(" + ", ".join("?" * len(table.columns)) + ")"
    statements: dict[int, str] = {}
    for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
        chunk = rows[start : start + SQLITE_ROWS_PER_INSERT]
        if len(chunk) not in statements:
            statements[len(chunk)] = f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join(
                [one] * len(chunk)
            )
        cursor.execute(statements[len(chunk)], list(chain.from_iterable(chunk)))


def _stored(process: Process, values: Sequence[Any]) -> list[Any]:
    """`process` applied to each value, once per distinct one (breakdowns, which are
    dictionaries, by their items). A column's values are all of one type."""
    if values and type(values[0]) is dict:
        keys: Sequence[Any] = [tuple(value.items()) for value in values]
    else:
        keys = values
    stored = {key: process(value) for key, value in dict(zip(keys, values, strict=True)).items()}
    return [stored[key] for key in keys]
