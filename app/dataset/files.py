"""The dataset as files: RFC 4180 CSV and JSON lines (what exports write and HTTP serves),
and the layout of a dataset folder shared by `laborstats export` and `laborstats import`,
described by a Frictionless datapackage.json (the convention data desks know). Columns and
their types come from the declarations in app.domain."""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from pydantic import BaseModel

from app.dataset import license
from app.domain import event, metric, observation, source
from app.domain.columns import canonical_dimensions
from app.domain.figures import plain_number
from app.domain.revisions import RETRACTION_FIELDS, RevisionEntry
from app.domain.shapes import frictionless_type

# File of each resource, in the order they are loaded.
DATASET_FILES = {
    "metrics": "metrics.csv",
    "sources": "sources.csv",
    "events": "events.csv",
    "observations": "observations.csv",
    "source_revisions": "source_revisions.csv",
    "event_revisions": "event_revisions.csv",
    "observation_revisions": "observation_revisions.csv",
    "stored_files": "stored_files.csv",
}
REVISION_FILES = ("source_revisions", "event_revisions", "observation_revisions")
# The statistical tables sources keep: each file byte for byte as files/<its SHA-256>, and
# stored_files.csv saying what each is (a restore checks every file against its digest).
FILES_FOLDER = "files"
STORED_FILE_COLUMNS = ["sha256", "media_type", "size", "stored_at", "path"]

# An observation's CSV columns: its served fields, then one column per breakdown dimension.
OBSERVATION_COLUMNS = [name for name in observation.SERVED_FIELDS if name != "dimensions"]
# A source's: its served fields but the description, which is derived from the others
# (observations.csv keeps its unit and citation: people read that file).
SOURCE_COLUMNS = [name for name in source.SERVED_FIELDS if name != "description"]
# An event's: its served fields, the citation too (people read that file).
EVENT_COLUMNS = list(event.SERVED_FIELDS)
# The state a revision row records: what was written, and for figures and events their
# retraction; besides the history columns (`revision_fields`).
SOURCE_REVISION_STATE = source.WRITTEN_FIELDS
OBSERVATION_REVISION_STATE = [*observation.WRITTEN_FIELDS, *RETRACTION_FIELDS]
EVENT_REVISION_STATE = [*event.WRITTEN_FIELDS, *RETRACTION_FIELDS]


def _types(model: type[BaseModel], names: Iterable[str]) -> dict[str, str]:
    return {name: frictionless_type(model, name) for name in names}


METRIC_FIELDS = _types(metric.MetricBase, metric.WRITTEN_FIELDS)  # dimensions: space-separated
SOURCE_FIELDS = _types(source.SourcePublic, SOURCE_COLUMNS)
# What each revision row holds besides the record's state: whose revision, and what a
# history says of it (who changed it, when and why).
REVISION_FIELDS = {"id": "integer", **_types(RevisionEntry, RevisionEntry.model_fields)}
SOURCE_REVISION_FIELDS = {
    **REVISION_FIELDS,
    **_types(source.SourcePublic, SOURCE_REVISION_STATE),
}
OBSERVATION_REVISION_FIELDS = {
    **REVISION_FIELDS,
    **_types(observation.ObservationPublic, OBSERVATION_REVISION_STATE),
}
EVENT_FIELDS = _types(event.EventPublic, EVENT_COLUMNS)
EVENT_REVISION_FIELDS = {**REVISION_FIELDS, **_types(event.EventPublic, EVENT_REVISION_STATE)}


def _resource(name: str, fields: dict[str, str], primary_key: list[str]) -> dict[str, Any]:
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


def descriptor(dimension_names: list[str]) -> dict[str, Any]:
    observation_fields = {
        **_types(observation.ObservationPublic, OBSERVATION_COLUMNS),
        **dict.fromkeys(dimension_names, "string"),
    }
    return {
        "profile": "tabular-data-package",
        "name": "laborstats",
        "title": "laborstats: sourced, dated labor-migration statistics",
        "description": f"{license.APPLIES_TO} {license.QUOTES}",
        "licenses": license.package_licenses(),
        "resources": [
            _resource("metrics", METRIC_FIELDS, ["code"]),
            _resource("sources", SOURCE_FIELDS, ["id"]),
            _resource("events", EVENT_FIELDS, ["id"]),
            _resource("observations", observation_fields, ["id"]),
            _resource("source_revisions", SOURCE_REVISION_FIELDS, ["id", "revision"]),
            _resource("event_revisions", EVENT_REVISION_FIELDS, ["id", "revision"]),
            _resource("observation_revisions", OBSERVATION_REVISION_FIELDS, ["id", "revision"]),
            _resource("stored_files", STORED_FILE_FIELDS, ["sha256"]),
        ],
    }


STORED_FILE_FIELDS = {
    "sha256": "string",
    "media_type": "string",
    "size": "integer",
    "stored_at": "datetime",
    "path": "string",
}


# Every column's type, by name: a name means the same in every file. A column no declaration
# names is a breakdown (text).
COLUMN_TYPES = {
    **METRIC_FIELDS,
    **SOURCE_FIELDS,
    **SOURCE_REVISION_FIELDS,
    **_types(observation.ObservationPublic, OBSERVATION_COLUMNS),
    **OBSERVATION_REVISION_FIELDS,
    **EVENT_FIELDS,
    **EVENT_REVISION_FIELDS,
}

# Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell that starts with one
# of = + - @ tab or CR. Such text is written with a leading ', which a spreadsheet shows as
# text; so is text that already starts with quotes before one of them, so that reading
# drops exactly one quote and every text reads back as it was. Numbers, dates and booleans
# are never quoted: -5 in a figure's column stays a number.
_RUNS_AS_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")
_MAY_RUN = frozenset("=+-@\t\r'")


def neutralised(text: str) -> str:
    """`text` as a CSV cell: with a leading ' if a spreadsheet would run it."""
    return "'" + text if _RUNS_AS_FORMULA.match(text) else text


def restored(cell: str) -> str:
    """The text a `neutralised` cell holds."""
    return cell[1:] if _QUOTED_FORMULA.match(cell) else cell


def text_columns(columns: Sequence[str]) -> list[int]:
    """Positions of the columns that hold text (declared strings, and breakdowns)."""
    return [i for i, name in enumerate(columns) if COLUMN_TYPES.get(name, "string") == "string"]


def restore_text(record: list[str], positions: Sequence[int]) -> None:
    """Undo `neutralised` in the text cells of a record read from a file."""
    for i in positions:
        if record[i][:1] == "'":
            record[i] = restored(record[i])


def _csv_cell(value: Any) -> Any:
    """A value as a cell: the csv module writes None as an empty cell; figures are written
    as people write them (10000, not 10000.0), and inferences as their JSON, or empty when
    every value is stated."""
    if type(value) is float:
        return plain_number(value)
    if type(value) is dict:
        return canonical_dimensions(value) if value else None
    return value


def _csv_cells(row: dict[str, Any], columns: list[str]) -> list[Any]:
    """The row's values in `columns` order, as cells."""
    return [_csv_cell(value) for value in map(row.get, columns)]


class CsvWriter:
    """RFC 4180 records (CRLF-terminated, UTF-8) of `columns`, as text: text a spreadsheet
    would run `neutralised`, booleans as JSON writes them (true, false)."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._text = text_columns(columns)
        self._booleans = [
            i for i, name in enumerate(columns) if COLUMN_TYPES.get(name) == "boolean"
        ]

    def header(self) -> str:
        self._writer.writerow(self.columns)
        return self._take()

    def records(self, rows: Iterable[dict[str, Any]]) -> str:
        """Rows as dicts keyed by column."""
        return self.cells(_csv_cells(row, self.columns) for row in rows)

    def cells(self, records: Iterable[list[Any]]) -> str:
        """Records whose values are in column order already, figures as written; the lists
        are the writer's to change (booleans and formulas are rewritten in them)."""
        batch = records if isinstance(records, list) else list(records)
        text, booleans = self._text, self._booleans
        for record in batch:
            for i in text:
                value = record[i]
                # The first character rules out almost every cell (numbers are not str).
                if value.__class__ is str and value[:1] in _MAY_RUN:
                    record[i] = neutralised(value)
            for i in booleans:
                value = record[i]
                if value is True or value is False:
                    record[i] = "true" if value else "false"
        self._writer.writerows(batch)
        return self._take()

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    """A whole CSV document: the header, then one record per row."""
    writer = CsvWriter(columns)
    return writer.header() + writer.records(rows)


def csv_chunks(columns: list[str], batches: Iterable[Iterable[dict[str, Any]]]) -> Iterator[str]:
    """The header, then one piece of text per batch of rows, produced lazily."""
    records = ((_csv_cells(row, columns) for row in batch) for batch in batches)
    return csv_record_chunks(columns, records)


def csv_record_chunks(columns: list[str], batches: Iterable[Iterable[list[Any]]]) -> Iterator[str]:
    """As `csv_chunks`, for records whose values are in column order already."""
    writer = CsvWriter(columns)
    yield writer.header()
    for batch in batches:
        yield writer.cells(batch)


def ndjson_text(documents: Iterable[dict[str, Any]]) -> bytes:
    """One JSON object per line."""
    return b"".join(orjson.dumps(document) + b"\n" for document in documents)
