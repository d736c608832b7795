"""Checking a restored export's current files against its history: every record of
sources.csv, events.csv and observations.csv must be its latest revision, cell for cell as
the export writes it. A folder whose files disagree (edited by hand, or mixed from two
exports) would otherwise restore a state its own current files contradict."""

import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlmodel import Session

from app.dataset.files import DATASET_FILES, CsvWriter
from app.exports.service import dataset_resources
from app.imports.reading import read_csv_rows

Rows = Iterable[tuple[int, dict[str, Any]]]
# Each checked file: the revision file it must agree with, and what one of its rows is.
CHECKED = {
    "sources": ("source_revisions", "source"),
    "events": ("event_revisions", "event"),
    "observations": ("observation_revisions", "observation"),
}
QUOTED = 40  # characters of a cell a message quotes


class Disagreement(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


def _as_read(columns: list[str], batches: Iterable[list[dict[str, Any]]]) -> Iterator[dict]:
    """The rows the export would write, written and read back exactly as a file is: both
    sides of the comparison pass through the same CSV writer and reader."""
    for batch in batches:
        writer = CsvWriter(columns)
        text = writer.header() + writer.records(batch)
        for _, row in read_csv_rows(io.StringIO(text, newline="")):
            yield row


def _id(cell: str | None) -> int:
    """An id cell as a number to order by; one that is none sorts first."""
    return int(cell) if cell and cell.isdigit() else -1


def _quote(value: Any) -> str:
    text = "" if value is None else str(value)
    return repr(text if len(text) <= QUOTED else text[:QUOTED] + "...")


def check_current_files(session: Session, current: Mapping[str, Rows]) -> None:
    """Compare each file of `current` (kind: its rows) with what exporting the restored
    history writes; raise `Disagreement` at the first cell, row or column that differs."""
    _, resources = dataset_resources(session)
    for kind, columns, batches in resources:
        if kind in current:
            _compare(kind, columns, current[kind], _as_read(columns, batches))


def _compare(kind: str, columns: list[str], rows: Rows, expected: Iterator[dict]) -> None:
    file = DATASET_FILES[kind]
    revisions, noun = CHECKED[kind]
    revision_file = DATASET_FILES[revisions]
    header_checked = False
    for line, row in rows:
        if not header_checked:
            if set(row) != set(columns):
                raise Disagreement(
                    file,
                    1,
                    f"columns {', '.join(row)} are not those of the export that wrote "
                    f"{revision_file}: {', '.join(columns)}",
                )
            header_checked = True
        want = next(expected, None)
        if want is None or row.get("id") != want["id"]:
            if want is None or _id(row.get("id")) < _id(want["id"]):
                raise Disagreement(
                    file, line, f"{noun} {row.get('id')} has no revision in {revision_file}"
                )
            raise Disagreement(
                file, line, f"{noun} {want['id']} is in {revision_file} but not in {file}"
            )
        for column in columns:
            if row.get(column) != want[column]:
                raise Disagreement(
                    file,
                    line,
                    f"{column}: {_quote(row.get(column))} here, but {_quote(want[column])} in "
                    f"the latest revision of {noun} {want['id']} in {revision_file}",
                )
    missing = next(expected, None)
    if missing is not None:
        raise Disagreement(
            file, 0, f"{noun} {missing['id']} is in {revision_file} but not in {file}"
        )
