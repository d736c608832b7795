"""Restoring an exported folder with its revision history into an empty database: the
inverse of `export_dataset`, so that an export, restored and exported again, is identical."""

import json
from collections.abc import Iterable, Mapping
from itertools import groupby, pairwise
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlalchemy import insert, select, update
from sqlmodel import Session

from app.domain.bounds import MAX_ID, ValidText
from app.events.schemas import EventCreate
from app.imports.history_check import Disagreement, check_current_files
from app.imports.reading import json_object_cell
from app.models import (
    Event,
    EventRevision,
    Observation,
    ObservationDimension,
    ObservationRevision,
    Source,
    SourceRevision,
)
from app.observations.schemas import ObservationCreate
from app.sources.schemas import SourceCreate

Rows = Iterable[tuple[int, dict[str, Any]]]


class RevisionMeta(BaseModel):
    id: int = Field(ge=1, le=MAX_ID)
    revision: int = Field(ge=1, le=MAX_ID)
    action: ValidText = Field(pattern="^(create|edit|retract)$")
    recorded_at: AwareDatetime
    recorded_by: ValidText = Field(min_length=1, max_length=100)
    reason: ValidText | None = None


class SourceRevisionIn(SourceCreate, RevisionMeta):
    pass


class ObservationRevisionIn(ObservationCreate, RevisionMeta):
    retracted_at: AwareDatetime | None = None
    retraction_reason: ValidText | None = None


class EventRevisionIn(EventCreate, RevisionMeta):
    retracted_at: AwareDatetime | None = None
    retraction_reason: ValidText | None = None


META_FIELDS = set(RevisionMeta.model_fields)


class RestoreProblem(Exception):
    """A row that cannot be restored; `line` 0 when it concerns the whole file."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


def _parse(file: str, rows: Rows, model: type[RevisionMeta]) -> list[list[Any]]:
    """Each record's revisions, checked and numbered 1, 2, 3... without gaps."""
    parsed = []
    for line, row in rows:
        if isinstance(row.get("dimensions"), str):
            try:
                row = {**row, "dimensions": json.loads(row["dimensions"])}
            except json.JSONDecodeError:
                raise RestoreProblem(file, line, "dimensions: not a JSON object") from None
        if "inferred" in row:
            row = {**row, "inferred": json_object_cell(row["inferred"])}
        try:
            parsed.append(model.model_validate(row))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            raise RestoreProblem(file, line, f"{where}: {message}") from None
    parsed.sort(key=lambda revision: (revision.id, revision.revision))
    histories = []
    for record_id, group in groupby(parsed, key=lambda revision: revision.id):
        history = list(group)
        if [revision.revision for revision in history] != list(range(1, len(history) + 1)):
            raise RestoreProblem(file, 0, f"record {record_id}: revisions are not 1, 2, 3...")
        histories.append(history)
    return histories


def _revision_rows(histories: list[list[Any]], state: Any) -> list[dict[str, Any]]:
    rows = []
    for history in histories:
        ends = [later.recorded_at for _, later in pairwise(history)] + [None]
        for revision, superseded_at in zip(history, ends, strict=True):
            rows.append(
                {
                    **revision.model_dump(include=META_FIELDS),
                    **state(revision),
                    "superseded_at": superseded_at,
                    "updated_at": revision.recorded_at,
                }
            )
    return rows


def _current_rows(revision_rows: list[dict[str, Any]], *, drop: set[str]) -> list[dict[str, Any]]:
    """Each record's latest revision, as the current state (without its references yet)."""
    latest: dict[int, dict[str, Any]] = {}
    for row in revision_rows:
        latest[row["id"]] = row
    excluded = (META_FIELDS - {"id", "revision"}) | {"superseded_at"} | drop
    return [{k: v for k, v in row.items() if k not in excluded} for row in latest.values()]


def _source_state(revision: SourceRevisionIn) -> dict[str, Any]:
    return revision.model_dump(include=set(SourceCreate.model_fields), mode="json")


def _observation_state(revision: ObservationRevisionIn) -> dict[str, Any]:
    return revision.model_dump(
        include=set(ObservationCreate.model_fields) | {"retracted_at", "retraction_reason"}
    )


def _event_state(revision: EventRevisionIn) -> dict[str, Any]:
    return revision.model_dump(
        include=set(EventCreate.model_fields) | {"retracted_at", "retraction_reason"}
    )


def is_empty(session: Session) -> bool:
    return all(
        session.scalars(select(table.id).limit(1)).first() is None
        for table in (Source, Event, Observation)
    )


def restore_history(
    session: Session,
    source_rows: Rows,
    observation_rows: Rows,
    current: Mapping[str, Rows] | None = None,
    event_rows: Rows = (),
) -> tuple[int, int, int]:
    """Insert every revision, and each record's latest revision as its current state.
    References between records (relayed_through, part_of) are set once all exist. Then
    the export's current files (`current`: sources, events and observations, each file's
    rows) must be what exporting that state writes, or nothing is restored. Counts the
    sources, observations and events restored."""
    if not is_empty(session):
        raise RestoreProblem(
            "",
            0,
            "A folder with revision history restores into an empty database only; to merge "
            "it into this one, import its observations.csv alone.",
        )
    sources = _revision_rows(
        _parse("source_revisions.csv", source_rows, SourceRevisionIn), _source_state
    )
    observations = _revision_rows(
        _parse("observation_revisions.csv", observation_rows, ObservationRevisionIn),
        _observation_state,
    )
    events = _revision_rows(
        _parse("event_revisions.csv", event_rows, EventRevisionIn), _event_state
    )
    _insert_with_references(session, Source, SourceRevision, sources, "relayed_through")
    _insert_with_references(session, Event, EventRevision, events, None)
    _insert_with_references(session, Observation, ObservationRevision, observations, "part_of")
    current_dimensions = [
        {"observation_id": row["id"], "name": name, "value": value}
        for row in _current_rows(observations, drop=set())
        for name, value in row["dimensions"].items()
    ]
    if current_dimensions:
        session.execute(insert(ObservationDimension), current_dimensions)
    session.flush()
    if current is not None:
        try:
            check_current_files(session, current)
        except Disagreement as problem:
            raise RestoreProblem(problem.file, problem.line, problem.message) from None

    def count(rows: list[dict[str, Any]]) -> int:
        return len({row["id"] for row in rows})

    return count(sources), count(observations), count(events)


def _insert_with_references(
    session: Session,
    table: Any,
    revision_table: Any,
    rows: list[dict[str, Any]],
    reference: str | None,
) -> None:
    """`reference`: the column naming another record of the same table, set once all exist
    (None: the table has none)."""
    current = _current_rows(rows, drop=set())
    if not current:
        return
    unset = {reference: None} if reference is not None else {}
    session.execute(insert(table), [{**row, **unset} for row in current])
    for row in current if reference is not None else ():
        if row[reference] is not None:
            session.execute(
                update(table).where(table.id == row["id"]).values({reference: row[reference]})
            )
    session.execute(insert(revision_table), rows)
