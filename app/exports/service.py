"""Writing the whole dataset, revisions included, as a folder of CSV files with a
Frictionless datapackage.json, in the form `laborstats import DIR` reads back."""

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, tuple_
from sqlmodel import Session

from app.dataset.catalog import load_catalog
from app.dataset.files import (
    DATASET_FILES,
    EVENT_FIELDS,
    EVENT_REVISION_FIELDS,
    FILES_FOLDER,
    METRIC_FIELDS,
    OBSERVATION_REVISION_FIELDS,
    SOURCE_FIELDS,
    SOURCE_REVISION_FIELDS,
    STORED_FILE_FIELDS,
    CsvWriter,
    descriptor,
)
from app.db import read_session
from app.domain.columns import canonical_dimensions
from app.domain.dates import iso
from app.events import service as events_service
from app.models import (
    Event,
    EventRevision,
    Observation,
    ObservationRevision,
    Source,
    SourceRevision,
    StoredFile,
)
from app.observations import documents
from app.observations import service as observations_service
from app.sources import service as sources_service

BATCH_SIZE = 1000


def _batches(session: Session, table: Any, *order: Any) -> Iterator[list[Any]]:
    """All rows of `table` in `order`, a batch at a time (never the whole table in memory)."""
    offset_key: tuple[Any, ...] | None = None
    while True:
        statement = select(table).order_by(*order).limit(BATCH_SIZE)
        if offset_key is not None:
            statement = statement.where(tuple_(*order) > tuple_(*offset_key))
        rows = list(session.scalars(statement))
        if not rows:
            return
        yield rows
        offset_key = tuple(getattr(rows[-1], column.key) for column in order)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, dict):
        return canonical_dimensions(value)
    return value


def _revision_rows(session: Session, table: Any, columns: list[str]) -> Iterator[list[dict]]:
    for rows in _batches(session, table, table.id, table.revision):
        yield [{name: _cell(getattr(row, name)) for name in columns} for row in rows]


def export_database(engine: Engine, directory: Path) -> dict[str, int]:
    """`export_dataset` in one read-only snapshot (REPEATABLE READ on PostgreSQL, one read
    transaction on SQLite), so that every file holds the same moment of the dataset while
    writes go on: no observation without its source, no revision without its record."""
    with read_session(engine, read_only=True) as session:
        return export_dataset(session, directory)


Batches = Iterable[list[dict[str, Any]]]


def dataset_resources(session: Session) -> tuple[list[str], list[tuple[str, list[str], Batches]]]:
    """The breakdown names, and each file of `DATASET_FILES`: its kind, its columns, and
    its rows a batch at a time, read lazily from `session` as they are iterated."""
    catalog = load_catalog(session, data_version=None)
    metrics = [  # breakdown names space-separated, as metrics.csv has them
        {**{name: getattr(m, name) for name in METRIC_FIELDS}, "dimensions": " ".join(m.dimensions)}
        for m in catalog.metrics.values()
    ]
    sources = (
        [sources_service.source_document(s) for s in rows]
        for rows in _batches(session, Source, Source.id)
    )
    events = (
        events_service.documents(session, rows, catalog=catalog)
        for rows in _batches(session, Event, Event.id)
    )
    observations = (
        documents.csv_rows(observations_service.object_documents(rows, catalog=catalog))
        for rows in _batches(session, Observation, Observation.id)
    )
    return catalog.dimension_names, [
        ("metrics", list(METRIC_FIELDS), [metrics]),
        ("sources", list(SOURCE_FIELDS), sources),
        ("events", list(EVENT_FIELDS), events),
        ("observations", documents.csv_columns(catalog.dimension_names), observations),
        (
            "source_revisions",
            list(SOURCE_REVISION_FIELDS),
            _revision_rows(session, SourceRevision, list(SOURCE_REVISION_FIELDS)),
        ),
        (
            "event_revisions",
            list(EVENT_REVISION_FIELDS),
            _revision_rows(session, EventRevision, list(EVENT_REVISION_FIELDS)),
        ),
        (
            "observation_revisions",
            list(OBSERVATION_REVISION_FIELDS),
            _revision_rows(session, ObservationRevision, list(OBSERVATION_REVISION_FIELDS)),
        ),
        ("stored_files", list(STORED_FILE_FIELDS), _stored_file_rows(session)),
    ]


def _stored_file_rows(session: Session) -> Iterator[list[dict[str, Any]]]:
    """What each stored table is; the file itself is written by `_write_stored_files`."""
    query = select(StoredFile.sha256, StoredFile.media_type, StoredFile.size, StoredFile.stored_at)
    rows = session.execute(query.order_by(StoredFile.sha256)).all()
    yield [
        {**row._asdict(), "stored_at": iso(row.stored_at), "path": f"{FILES_FOLDER}/{row.sha256}"}
        for row in rows
    ]


def _write_stored_files(session: Session, directory: Path) -> None:
    """Each stored table byte for byte, named by its SHA-256, one at a time."""
    folder = directory / FILES_FOLDER
    digests = session.scalars(select(StoredFile.sha256).order_by(StoredFile.sha256)).all()
    if digests:
        folder.mkdir(exist_ok=True)
    for digest in digests:
        content = session.scalar(select(StoredFile.content).where(StoredFile.sha256 == digest))
        (folder / digest).write_bytes(content or b"")


def export_dataset(session: Session, directory: Path) -> dict[str, int]:
    """Write every resource of `DATASET_FILES` and datapackage.json; count what was written.
    Every file is read in `session`'s transaction: give it one snapshot (`export_database`)."""
    directory.mkdir(parents=True, exist_ok=True)
    dimension_names, resources = dataset_resources(session)
    counts: dict[str, int] = {}
    for kind, columns, batches in resources:
        writer = CsvWriter(columns)
        counts[kind] = 0
        with (directory / DATASET_FILES[kind]).open("w", encoding="utf-8", newline="") as stream:
            stream.write(writer.header())
            for batch in batches:
                stream.write(writer.records(batch))
                counts[kind] += len(batch)
    _write_stored_files(session, directory)
    package = descriptor(dimension_names)
    (directory / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n")
    return counts
