"""Corrections a dataset folder carries (corrections.jsonl), each applied as a new revision
with its reason, through the same edits the API's PATCH makes: every rule holds.

A folder with corrections is an edition history: its CSV files are the first edition and
each correction a later revision. So a record that already exists is never written again
from the CSV (that would undo its corrections), and each correction applies once: loading
the folder again changes nothing, and loading it into a database at an earlier edition
catches it up. One line is one correction:

    {"record": "observation", "id": 6, "revision": 1, "reason": "...", "changes": {...}}

`record` is observation, source or event; `revision` is the revision the correction
replaces, as a PATCH names it; `changes` holds the fields as a PATCH sends them."""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.domain.bounds import MAX_ID, ValidText
from app.domain.edits import Edit
from app.domain.outcomes import SaveOutcome
from app.domain.shapes import json_kinds
from app.errors import Conflict, InvalidData, NotFound
from app.events.schemas import EventUpdate
from app.events.service import edit_event
from app.imports.reading import BATCH_SIZE, Row
from app.models import (
    Event,
    EventRevision,
    Observation,
    ObservationRevision,
    Source,
    SourceRevision,
)
from app.observations.editing import edit_observation
from app.observations.schemas import ObservationUpdate
from app.sources.schemas import SourceUpdate
from app.sources.service import edit_source

CORRECTIONS_FILE = "corrections.jsonl"

Problem = tuple[int, str]  # the line (0: the whole file), and what is wrong


class Correction(BaseModel):
    """One line of corrections.jsonl, its `changes` checked as a PATCH body's fields."""

    model_config = ConfigDict(extra="forbid")

    record: Literal["observation", "source", "event"]
    id: int = Field(strict=True, ge=1, le=MAX_ID)
    revision: int = Field(strict=True, ge=1, le=MAX_ID)
    reason: ValidText = Field(min_length=1, max_length=2000)
    changes: dict[str, Any] = Field(min_length=1)


EditFunction = Callable[..., tuple[Any, SaveOutcome]]


@dataclass(frozen=True)
class RecordKind:
    update: type[Edit]  # the PATCH body
    table: Any
    revisions: Any
    edit: EditFunction


RECORDS = {
    "observation": RecordKind(
        ObservationUpdate, Observation, ObservationRevision, edit_observation
    ),
    "source": RecordKind(SourceUpdate, Source, SourceRevision, edit_source),
    "event": RecordKind(EventUpdate, Event, EventRevision, edit_event),
}
# The files of a folder whose rows are records that corrections revise.
TABLES = {"sources": Source, "events": Event, "observations": Observation}


@dataclass(frozen=True)
class Corrections:
    """A folder's corrections.jsonl: the good lines, and a problem for each bad one."""

    lines: list[tuple[int, Correction]]
    problems: list[Problem]


def read_corrections(folder: Path) -> Corrections | None:
    """The folder's corrections, each line checked; None if it has no corrections.jsonl."""
    path = folder / CORRECTIONS_FILE
    if not path.is_file():
        return None
    lines: list[tuple[int, Correction]] = []
    problems: list[Problem] = []
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return Corrections([], [(0, "the file is not UTF-8 text")])
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            lines.append((number, parse_correction(raw)))
        except ValueError as exc:
            problems.append((number, str(exc)))
    return Corrections(lines, problems)


def parse_correction(raw: str) -> Correction:
    """One line as a correction whose changes a PATCH would accept (ValueError if not)."""
    try:
        sent = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(sent, dict):
        raise ValueError("each line must be a JSON object")
    try:
        correction = Correction.model_validate(sent)
    except ValidationError as exc:
        raise ValueError(_first_error(exc)) from None
    kind = RECORDS[correction.record]
    # What the correction itself names, kept out of `changes` (as a PATCH keeps it in the
    # If-Match header or beside the fields).
    named = sorted(correction.changes.keys() & Edit.model_fields.keys())
    if named:
        raise ValueError(f"changes: give {', '.join(named)} beside changes, not in them")
    kinds = json_kinds(kind.update)
    for name, value in correction.changes.items():
        if name in kinds and not _is_json_kind(value, kinds[name]):
            raise ValueError(f"changes.{name}: give a JSON {kinds[name]}")
    body = {**correction.changes, "reason": correction.reason, "revision": correction.revision}
    try:
        update = kind.update.model_validate(body)
    except ValidationError as exc:
        raise ValueError(_first_error(exc, prefix="changes.", record=correction.record)) from None
    return correction.model_copy(update={"changes": update.changes()})


def _is_json_kind(value: object, kind: str) -> bool:
    if value is None or isinstance(value, bool):
        return value is None
    return isinstance(value, int | float) if kind == "number" else isinstance(value, str)


def _first_error(exc: ValidationError, *, prefix: str = "", record: str = "") -> str:
    first = exc.errors()[0]
    where = prefix + ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"{where}: {'a ' + record if record else 'a correction'} has no such field"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def new_records(
    session: Session,
    kind: str,
    rows: Iterable[tuple[int, Row]],
    *,
    on_existing: Callable[[int], None],
    on_problem: Callable[[int, str], None],
) -> Iterator[tuple[int, Row]]:
    """The rows of a first-edition file whose records do not exist yet. Those that do are
    left as they stand (`on_existing` counts them); a row without an id is a problem, since
    corrections name records by id and a natural key a correction changed would no longer
    find its record."""
    table = TABLES[kind]
    rest = iter(rows)
    while batch := list(islice(rest, BATCH_SIZE)):
        ids = {row_id for _, row in batch if (row_id := _row_id(row)) is not None}
        stored = set(session.scalars(select(table.id).where(table.id.in_(ids)))) if ids else set()
        for line, row in batch:
            if row.get("id") in (None, ""):
                on_problem(line, f"id: a folder with {CORRECTIONS_FILE} needs an id on every row")
            elif _row_id(row) in stored:
                on_existing(1)
            else:
                yield line, row  # a bad id is the import's to report


def _row_id(row: Row) -> int | None:
    value = row.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        return number if 1 <= number <= MAX_ID else None
    return None


def apply_corrections(
    session: Session, lines: Sequence[tuple[int, Correction]], *, actor: str
) -> tuple[Counter[str], list[Problem]]:
    """Apply each correction not applied yet, in file order; stop at the first that cannot
    apply (the import then fails, and nothing is written). Counts: applied, unchanged."""
    counts: Counter[str] = Counter(applied=0, unchanged=0)
    for line, correction in lines:
        try:
            counts[_apply(session, correction, actor=actor)] += 1
        except (InvalidData, Conflict, NotFound) as exc:
            field_name = exc.extra.get("field")
            message = f"{field_name}: {exc.detail}" if field_name else exc.detail
            return counts, [(line, message)]
    return counts, []


def _apply(session: Session, correction: Correction, *, actor: str) -> str:
    kind = RECORDS[correction.record]
    name = f"{correction.record.capitalize()} {correction.id}"
    record = session.get(kind.table, correction.id)
    if record is None:
        raise NotFound(f"{name} does not exist.")
    if record.revision == correction.revision:
        _, outcome = kind.edit(
            session,
            correction.id,
            correction.changes,
            expected_revision=correction.revision,
            actor=actor,
            reason=correction.reason,
        )
        if outcome == "unchanged":
            raise InvalidData(
                f"{name} already has these values at revision {correction.revision}; "
                "a correction must change something."
            )
        return "applied"
    if record.revision < correction.revision:
        raise Conflict(
            f"{name} is at revision {record.revision}; this correction replaces revision "
            f"{correction.revision}, which it has not reached: is a correction before it missing?"
        )
    if _applied_before(session, kind, correction):
        return "unchanged"
    raise Conflict(
        f"{name} is at revision {record.revision}, and its revision {correction.revision + 1} "
        f"is not this correction: it was edited after revision {correction.revision}. "
        "Name its current revision, or add the edit made since as a correction before this one."
    )


def _applied_before(session: Session, kind: RecordKind, correction: Correction) -> bool:
    """Whether the revision after the one this correction replaces carries its reason."""
    table = kind.revisions
    reason = session.scalar(
        select(table.reason).where(
            table.id == correction.id, table.revision == correction.revision + 1
        )
    )
    return reason == correction.reason
