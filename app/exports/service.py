"""Writing the whole dataset as a folder of CSV files described by a Frictionless
datapackage.json, in the form `laborstats import DIR` reads back."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.formats import csv_lines
from app.imports.service import DATASET_FILES
from app.metrics import service as metrics_service
from app.models import Observation, Source
from app.observations import service as observations_service
from app.observations.columns import CORE_COLUMNS

BATCH_SIZE = 1000
METRIC_FIELDS = {
    "code": "string",
    "name": "string",
    "unit": "string",
    "definition": "string",
    "kind": "string",
    "dimensions": "string",
}
SOURCE_FIELDS = {
    "id": "integer",
    "title": "string",
    "publisher": "string",
    "url": "string",
    "published_on": "string",
    "type": "string",
    "relayed_through": "integer",
    "notes": "string",
}
OBSERVATION_TYPES = {
    "id": "integer",
    "source_id": "integer",
    "part_of": "integer",
    "period_start": "date",
    "period_end": "date",
    "value": "number",
    "lower_bound": "number",
    "upper_bound": "number",
}


def iter_observation_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Every observation in id order, flattened for CSV, a batch at a time."""
    last_id = 0
    while True:
        statement = (
            select(Observation)
            .where(Observation.id > last_id)
            .order_by(Observation.id)
            .limit(BATCH_SIZE)
        )
        rows = list(session.scalars(statement))
        if not rows:
            return
        for document in observations_service.observation_documents(session, rows):
            yield {**document, **document["dimensions"]}
        last_id = rows[-1].id


def _write(path: Path, lines: Iterator[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.writelines(lines)


def _resource(name: str, fields: dict[str, str], primary_key: str) -> dict[str, Any]:
    return {
        "name": name,
        "path": DATASET_FILES[name],
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [{"name": n, "type": t} for n, t in fields.items()],
            "primaryKey": primary_key,
        },
    }


def export_dataset(session: Session, directory: Path) -> dict[str, int]:
    """Write metrics.csv, sources.csv, observations.csv and datapackage.json."""
    directory.mkdir(parents=True, exist_ok=True)
    metrics = [
        {**m.model_dump(), "dimensions": " ".join(m.dimensions)}
        for m in metrics_service.list_metrics(session)
    ]
    _write(directory / DATASET_FILES["metrics"], csv_lines(list(METRIC_FIELDS), metrics))
    sources = [s.model_dump() for s in session.scalars(select(Source).order_by(Source.id))]
    _write(directory / DATASET_FILES["sources"], csv_lines(list(SOURCE_FIELDS), sources))

    dimensions = metrics_service.dimension_names(session)
    columns = CORE_COLUMNS + dimensions
    count = 0

    def counted(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    _write(
        directory / DATASET_FILES["observations"],
        csv_lines(columns, counted(iter_observation_rows(session))),
    )
    observation_fields = {name: OBSERVATION_TYPES.get(name, "string") for name in columns}
    package = {
        "profile": "tabular-data-package",
        "name": "laborstats",
        "title": "laborstats: sourced, dated labor-migration statistics",
        "resources": [
            _resource("metrics", METRIC_FIELDS, "code"),
            _resource("sources", SOURCE_FIELDS, "id"),
            _resource("observations", observation_fields, "id"),
        ],
    }
    (directory / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n")
    return {"metrics": len(metrics), "sources": len(sources), "observations": count}
