"""Writing the whole dataset, revisions included, as a folder of CSV files with a
Frictionless datapackage.json, in the form `laborstats import DIR` reads back."""

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlmodel import Session

from app.datapackage import (
    DATASET_FILES,
    METRIC_FIELDS,
    OBSERVATION_REVISION_FIELDS,
    SOURCE_FIELDS,
    SOURCE_REVISION_FIELDS,
    descriptor,
)
from app.formats import csv_lines
from app.metrics import service as metrics_service
from app.models import Observation, ObservationRevision, Source, SourceRevision
from app.observations import service as observations_service
from app.observations.columns import CORE_COLUMNS
from app.sources import service as sources_service

BATCH_SIZE = 1000


def _batches(session: Session, table: Any, *order: Any) -> Iterator[list[Any]]:
    """All rows of `table` in `order`, a batch at a time (never the whole table in memory)."""
    offset_key: tuple[Any, ...] | None = None
    while True:
        statement = select(table).order_by(*order).limit(BATCH_SIZE)
        if offset_key is not None:
            statement = statement.where(_after_key(order, offset_key))
        rows = list(session.scalars(statement))
        if not rows:
            return
        yield rows
        offset_key = tuple(getattr(rows[-1], column.key) for column in order)


def _after_key(order: tuple[Any, ...], key: tuple[Any, ...]) -> Any:
    return tuple_(*order) > tuple_(*key)


def iter_observation_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Every observation, retracted ones too, in id order, flattened for CSV."""
    for rows in _batches(session, Observation, Observation.id):
        for document in observations_service.observation_documents(session, rows):
            yield {**document, **document["dimensions"]}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _revision_rows(session: Session, table: Any, columns: list[str]) -> Iterator[dict[str, Any]]:
    for rows in _batches(session, table, table.id, table.revision):
        for row in rows:
            yield {name: _plain(getattr(row, name)) for name in columns}


def _write(path: Path, lines: Iterator[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.writelines(lines)


def export_dataset(session: Session, directory: Path) -> dict[str, int]:
    """Write every resource of `DATASET_FILES` and datapackage.json; count what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    def counted(kind: str, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        counts[kind] = 0
        for row in rows:
            counts[kind] += 1
            yield row

    metrics = (
        {**m.model_dump(), "dimensions": " ".join(m.dimensions)}
        for m in metrics_service.list_metrics(session)
    )
    sources = (
        sources_service.source_document(s)
        for rows in _batches(session, Source, Source.id)
        for s in rows
    )
    observation_columns = CORE_COLUMNS + metrics_service.dimension_names(session)
    resources: list[tuple[str, list[str], Iterator[dict[str, Any]]]] = [
        ("metrics", list(METRIC_FIELDS), metrics),
        ("sources", list(SOURCE_FIELDS), sources),
        ("observations", observation_columns, iter_observation_rows(session)),
        (
            "source_revisions",
            list(SOURCE_REVISION_FIELDS),
            _revision_rows(session, SourceRevision, list(SOURCE_REVISION_FIELDS)),
        ),
        (
            "observation_revisions",
            list(OBSERVATION_REVISION_FIELDS),
            _revision_rows(session, ObservationRevision, list(OBSERVATION_REVISION_FIELDS)),
        ),
    ]
    for kind, columns, rows in resources:
        _write(directory / DATASET_FILES[kind], csv_lines(columns, counted(kind, rows)))
    package = descriptor(observation_columns)
    (directory / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n")
    return counts
