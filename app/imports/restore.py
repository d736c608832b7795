"""Restoring an exported folder with its revision history into an empty database: the
inverse of `export_dataset`, so that an export, restored and exported again, is identical."""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import groupby, pairwise
from typing import Annotated, Any, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    StringConstraints,
    ValidationError,
    create_model,
    field_validator,
)
from sqlalchemy import insert, select, update
from sqlmodel import Session

from app.domain.bounds import RecordId, ValidText
from app.domain.revisions import (
    RETRACTION_FIELDS,
    Action,
    RetractableState,
    RevisionEntry,
)
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
# The moment a later revision replaced a row's: set from the history's order, not read.
SUPERSEDED_AT = SourceRevision.superseded_at.key


def _as_restored(model: type[BaseModel], names: Iterable[str]) -> dict[str, Any]:
    """Fields of `model` as a restore checks them, for `create_model`: moments with their
    zone, texts valid, numbers ids (the file was written by an export, but is read back
    from a disk a person may have edited)."""
    checked: dict[str, Any] = {}
    for name in names:
        info = model.model_fields[name]
        optional = type(None) in get_args(info.annotation)
        bare = next(a for a in get_args(info.annotation) or [info.annotation] if a is not None)
        kind = {datetime: AwareDatetime, int: RecordId, str: ValidText}.get(bare, bare)
        length = getattr(getattr(info, "sa_type", None), "length", None)
        if length is not None:  # a column of bounded length: a name, never empty
            kind = Annotated[kind, StringConstraints(min_length=1, max_length=length)]
        checked[name] = (kind | None, None) if optional else (kind, ...)
    return checked


class _ActionChecked(BaseModel):
    action: ValidText

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str) -> str:
        if value not in set(Action):
            raise ValueError(f"action must be one of {', '.join(Action)}")
        return value


# A revision row's history columns: whose revision (id), and what a history says of it.
RevisionMeta = create_model(
    "RevisionMeta",
    __base__=_ActionChecked,
    id=(RecordId, ...),
    **_as_restored(RevisionEntry, RevisionEntry.model_fields),
)
_RETRACTION = _as_restored(RetractableState, RETRACTION_FIELDS)


class SourceRevisionIn(SourceCreate, RevisionMeta):  # type: ignore[misc,valid-type]
    pass


ObservationRevisionIn = create_model(
    "ObservationRevisionIn", __base__=(ObservationCreate, RevisionMeta), **_RETRACTION
)
EventRevisionIn = create_model(
    "EventRevisionIn", __base__=(EventCreate, RevisionMeta), **_RETRACTION
)


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
        if "cell" in row:
            row = {**row, "cell": json_object_cell(row["cell"], optional=True)}
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
                    SUPERSEDED_AT: superseded_at,
                    "updated_at": revision.recorded_at,
                }
            )
    return rows


def _current_rows(revision_rows: list[dict[str, Any]], *, drop: set[str]) -> list[dict[str, Any]]:
    """Each record's latest revision, as the current state (without its references yet)."""
    latest: dict[int, dict[str, Any]] = {}
    for row in revision_rows:
        latest[row["id"]] = row
    excluded = (META_FIELDS - {"id", "revision"}) | {SUPERSEDED_AT} | drop
    return [{k: v for k, v in row.items() if k not in excluded} for row in latest.values()]


def _source_state(revision: SourceRevisionIn) -> dict[str, Any]:
    return revision.model_dump(include=set(SourceCreate.model_fields), mode="json")


def _observation_state(revision: Any) -> dict[str, Any]:
    return revision.model_dump(include={*ObservationCreate.model_fields, *RETRACTION_FIELDS})


def _event_state(revision: Any) -> dict[str, Any]:
    return revision.model_dump(include={*EventCreate.model_fields, *RETRACTION_FIELDS})


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
