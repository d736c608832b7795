"""Saving an import's observations a batch at a time, by `editing`'s rules: new rows checked
against their references, rows that revise a stored observation against its current
revision too; what a batch needs from the database fetched in a few indexed queries,
whatever the table's size, and the batch written by `statements`, a statement per step."""

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from app.db import cache_for_bulk_writes, gather_outdated_statistics, indexes_built_after
from app.domain.observation import NATURAL_KEY, WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.errors import Conflict, InvalidData
from app.models import Observation, ObservationDimension, ObservationRevision
from app.observations import editing
from app.observations.bulk.statements import BulkWriter, Edit, among
from app.observations.natural_keys import (
    NaturalKey,
    find_ids_by_key,
    natural_key,
    natural_key_of,
)
from app.observations.rules import References, Whole, check_references
from app.observations.schemas import ObservationImport
from app.observations.service import has_observations
from app.sources.files import CheckedTable, check_cell, table_of_source
from app.sources.service import relay_chains
from app.sources.texts import HeldText, check_quote, held_text, stored_text

Values = dict[str, Any]  # an import row's checked fields: the written ones, id and revision
Outcome = SaveOutcome | str  # a problem message naming the field
# An edit whose revision another writer replaced between the check and the write.
STALE = "Observation {id} changed meanwhile; read it again and retry."
# Statistics that miss this many rows (and a tenth) are gathered again before an import.
STALE_ROWS = 1_000


@contextmanager
def saving(
    session: Session,
    *,
    actor: str,
    reason: str,
    metrics: Mapping[str, Any],
    sources: Collection[int],
) -> Iterator["Saver"]:
    """A saver for one import's observations. Into an empty table, the indexes are built once
    after the rows (in the same transaction) instead of grown row by row."""
    cache_for_bulk_writes(session)
    if has_observations(session):
        # The rows' natural keys are looked up among the stored ones: by the right index.
        gather_outdated_statistics(session, "observation", rows_beyond=STALE_ROWS)
        yield Saver(session, actor=actor, reason=reason, metrics=metrics, sources=sources)
        return
    tables = [Observation.__table__, ObservationRevision.__table__, ObservationDimension.__table__]
    with indexes_built_after(session, tables):  # type: ignore[arg-type]
        yield Saver(
            session, actor=actor, reason=reason, metrics=metrics, sources=sources, into_empty=True
        )


@cache
def _by_ids(dialect: str) -> Select[Any]:
    """Stored observations by id, a batch's ids one parameter."""
    table = Observation.__table__  # type: ignore[attr-defined]
    return select(*table.columns).where(among(table.c.id, dialect))


def _message(exc: InvalidData | Conflict) -> str:
    field = exc.extra.get("field")
    return f"{field}: {exc.detail}" if field else exc.detail


def _unchanged(row: Values, stored: Any) -> bool:
    """The row restates the stored observation (and names its revision, if it names one)."""
    if row["revision"] is not None and row["revision"] != stored.revision:
        return False
    return all(getattr(stored, name) == row[name] for name in WRITTEN_FIELDS)


class Saver:
    """Saves the observation rows of one import, a batch at a time."""

    def __init__(
        self,
        session: Session,
        *,
        actor: str,
        reason: str,
        metrics: Mapping[str, Any],
        sources: Collection[int],
        into_empty: bool = False,
    ) -> None:
        self.session, self.actor, self.reason = session, actor, reason
        self.metrics, self.sources = metrics, sources
        self.writer = BulkWriter(session, actor=actor, reason=reason)
        # Into an empty table, every stored observation is one this import wrote: their ids
        # are kept here, so that only those are looked up; and since the natural-key index is
        # dropped, so are their keys (by hash: ids), from the first row without an id on
        # (rows with ids never look a key up).
        self.into_empty = into_empty
        self.written: set[int] = set()
        self.key_hashes: dict[int, list[int]] | None = None
        self.without_whole = {exists: References(metrics, exists, None) for exists in (True, False)}
        # The text each source's quotes are checked against, and the table its cells are,
        # looked up once per import.
        self.held: dict[int, HeldText | None] = {}
        self.tables: dict[int, CheckedTable | None] = {}

    def save(self, rows: Sequence[tuple[int, Values]]) -> list[tuple[int, Outcome]]:
        """Each row's line and outcome; a row with a problem writes nothing. The rows of one
        batch are checked against what was stored before it: the same figure twice in one
        batch is reported rather than stored twice (in a later batch, it is the stored one)."""
        keys = [natural_key_of(row) if row["id"] is None else None for _, row in rows]
        same_ids = self._find_same_ids({key for key in keys if key})
        stored = self._stored({row["id"] for _, row in rows} | set(same_ids.values()))
        stored_wholes = {
            whole_id: Whole.of(whole, whole_id)
            for whole_id, whole in self._stored({row["part_of"] for _, row in rows}).items()
        }
        outcomes: list[tuple[int, Outcome]] = []
        edits: dict[int, tuple[int, Edit | str]] = {}  # by id: the line, the edit or problem
        new_rows: list[Values] = []
        new_wholes: dict[int, Values] = {}  # rows of this batch a later row may be part of
        seen: dict[NaturalKey, int] = {}
        for (line, row), key in zip(rows, keys, strict=True):
            try:
                self._check_evidence(row)
                existing = stored.get(row["id"] if key is None else same_ids.get(key, 0))
                if existing is not None:
                    if _unchanged(row, existing):
                        outcomes.append((line, "unchanged"))
                    elif existing.id in edits:  # again: after the first, one by one
                        outcomes += self._revise(edits)
                        edits.clear()
                        outcomes.append((line, self._revise_alone(row)))
                    else:
                        references = self._references(row, stored_wholes.get(row["part_of"] or 0))
                        edits[existing.id] = (line, _edit(row, existing, references))
                    continue
                whole = stored_wholes.get(row["part_of"] or 0)
                if whole is None and row["part_of"] in new_wholes:
                    whole = Whole.of_values(new_wholes[row["part_of"]], row["part_of"])
                check_references(row, self._references(row, whole), row["id"])
                if row["id"] is not None and row["id"] in new_wholes:
                    raise InvalidData(
                        f"observation {row['id']} appears twice in this import.", field="id"
                    )
                if key is not None and key in seen:
                    raise InvalidData(f"the same observation is on line {seen[key]} already.")
            except (InvalidData, Conflict) as exc:
                outcomes.append((line, _message(exc)))
                continue
            new_rows.append(row)
            if key is not None:
                seen[key] = line
            if row["id"] is not None:
                new_wholes[row["id"]] = row
            outcomes.append((line, "created"))
        outcomes += self._revise(edits)
        new_ids = self.writer.create(new_rows)
        if self.into_empty:
            self.written.update(new_ids)
        if self.key_hashes is not None:
            for row, new_id in zip(new_rows, new_ids, strict=True):
                self.key_hashes.setdefault(hash(natural_key_of(row)), []).append(new_id)
        return sorted(outcomes, key=lambda outcome: outcome[0])

    def _find_same_ids(self, keys: set[NaturalKey]) -> dict[NaturalKey, int]:
        """The stored observations with these natural keys (the lowest id of each)."""
        if not keys:
            return {}
        if not self.into_empty:
            return find_ids_by_key(self.session, keys)
        if self.key_hashes is None:  # the first lookup: the keys of the rows written so far
            self.key_hashes = {}
            columns = [getattr(Observation, name) for name in NATURAL_KEY]
            for row in self.session.execute(select(Observation.id, *columns)):
                self.key_hashes.setdefault(hash(natural_key(row)), []).append(row.id)
        candidates = {i for key in keys for i in self.key_hashes.get(hash(key), ())}
        found: dict[NaturalKey, int] = {}
        for row in self._stored(candidates).values():  # a hash may be shared: check each
            key = natural_key(row)
            if key in keys and (key not in found or row.id < found[key]):
                found[key] = row.id
        return found

    def _check_evidence(self, row: Values) -> None:
        """The quote must be in its text, the cell must hold the figure in its table."""
        source_id = row["source_id"]
        if row["quote"] is not None:
            if source_id not in self.held:
                chain = relay_chains(self.session, [source_id])[source_id]
                self.held[source_id] = held_text(chain, stored_text)
            check_quote(row["quote"], self.held[source_id])
        if row["cell"] is not None:
            if source_id not in self.tables:
                self.tables[source_id] = table_of_source(self.session, source_id)
            table, bounds = self.tables[source_id], (row["lower_bound"], row["upper_bound"])
            check_cell(row["cell"], row["value"], bounds, table, source_id=source_id)

    def _references(self, row: Values, whole: Whole | None) -> References:
        source_exists = row["source_id"] in self.sources
        if whole is None:
            return self.without_whole[source_exists]
        return References(self.metrics, source_exists, whole)

    def _stored(self, ids: set[int | None]) -> dict[int, Any]:
        """The stored observations with these ids, by primary key."""
        wanted = ids & self.written if self.into_empty else ids - {None}
        if not wanted:
            return {}
        statement = _by_ids(self.session.get_bind().dialect.name)
        return {row.id: row for row in self.session.execute(statement, {"ids": list(wanted)})}

    def _revise(self, edits: Mapping[int, tuple[int, Edit | str]]) -> list[tuple[int, Outcome]]:
        """The edits checked in this batch, written together; a refused one is a problem."""
        valid = [edit for _, edit in edits.values() if isinstance(edit, Edit)]
        stale = set(self.writer.revise(valid))
        outcomes: list[tuple[int, Outcome]] = []
        for observation_id, (line, edit) in edits.items():
            if isinstance(edit, str):
                outcomes.append((line, edit))
            elif observation_id in stale:
                outcomes.append((line, STALE.format(id=observation_id)))
            else:
                outcomes.append((line, "updated"))
        return outcomes

    def _revise_alone(self, row: Values) -> Outcome:
        """One more edit of an observation this batch edits already: the one-by-one path."""
        try:
            data = ObservationImport.model_validate(row)
            return editing.save_observation(
                self.session, data, actor=self.actor, reason=self.reason
            )[1]
        except (InvalidData, Conflict) as exc:
            return _message(exc)


def _edit(row: Values, existing: Any, references: References) -> Edit | str:
    """The row as the stored observation's next revision, if the editing rules allow it (the
    revision it names is current, it is not retracted, its references hold); otherwise the
    problem."""
    replaced = row["revision"] if row["revision"] is not None else existing.revision
    try:
        editing.check_editable(existing, replaced)
        check_references(row, references, existing.id)
    except (InvalidData, Conflict) as exc:
        return _message(exc)
    changed = tuple(name for name in WRITTEN_FIELDS if getattr(existing, name) != row[name])
    return Edit(existing.id, replaced, row, changed)
