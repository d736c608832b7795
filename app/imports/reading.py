"""Reading an import's files: CSV with the export's columns (the header is line 1), or
JSON lines, as rows each with the line it starts on, or as batches of rows."""

import csv
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO

from app.config import get_settings
from app.dataset.files import restore_text, restored, text_columns

Row = dict[str, Any]
# Rows read, checked and saved together (observations).
BATCH_SIZE = 1000
# The csv module's own limit on a cell (characters), below which ours never goes.
CSV_DEFAULT_FIELD_LIMIT = 128 * 1024


def field_limit() -> int:
    """The longest cell an import reads: the longest text the API accepts in a field (a
    write's body of MAX_BODY_BYTES holds no longer string), so that whatever the API stored,
    and an export wrote, imports again."""
    return max(get_settings().max_body_bytes, CSV_DEFAULT_FIELD_LIMIT)


def _csv_records(stream: TextIO) -> Iterator[tuple[list[str], int, list[str]]]:
    """(header, line where the record starts, its cells, as many as the header's); blank
    lines are skipped, as csv.DictReader skips them."""
    limit = field_limit()
    # The csv module has one limit per process, not per reader: set it where files are read.
    csv.field_size_limit(limit)
    reader = csv.reader(stream)
    try:
        yield from _records(reader)
    except csv.Error as exc:
        if "field limit" not in str(exc):
            raise
        raise ValueError(
            f"line {reader.line_num}: a cell is longer than {limit} characters, the most a "
            "field may hold (MAX_BODY_BYTES)"
        ) from None


def _records(reader: Any) -> Iterator[tuple[list[str], int, list[str]]]:
    header = next(reader, None)
    if header is None:
        return
    width = len(header)
    quoted = text_columns(header)  # text the export wrote with a leading '
    start = 2
    for record in reader:
        if not record:
            continue
        if len(record) > width:
            raise ValueError(f"line {start}: more cells than the header has columns")
        if len(record) < width:
            record += [""] * (width - len(record))
        restore_text(record, quoted)
        yield header, start, record
        start = reader.line_num + 1


def read_csv_rows(stream: TextIO) -> Iterator[tuple[int, Row]]:
    """(line where the record starts, row); empty cells become None, missing ones too."""
    for header, line, record in _csv_records(stream):
        yield line, dict(zip(header, [cell or None for cell in record], strict=True))


@dataclass(frozen=True)
class RowBatch:
    """Rows read together: the line each starts on, and the rows, as dictionaries or, when
    they all have the same columns (a CSV file's), as columns: no dictionary per row."""

    lines: list[int]
    rows: list[Row] | None = None
    columns: dict[str, Sequence[Any]] | None = None

    def row(self, i: int) -> Row:
        if self.rows is not None:
            return self.rows[i]
        return {name: cells[i] for name, cells in (self.columns or {}).items()}

    def all_rows(self) -> list[Row]:
        return self.rows if self.rows is not None else [self.row(i) for i in range(len(self.lines))]


class FileBatches(Iterator[RowBatch]):
    """Batches read from a file and nothing else (no database, no session): the import may
    read them ahead, in a thread of its own, while it saves the batch before."""

    def __init__(self, batches: Iterator[RowBatch]) -> None:
        self.batches = batches

    def __next__(self) -> RowBatch:
        return next(self.batches)


def read_csv_batches(stream: TextIO, size: int = BATCH_SIZE) -> FileBatches:
    """`read_csv_rows`, `size` rows at a time, as columns."""
    return FileBatches(_csv_batches(stream, size))


def _csv_batches(stream: TextIO, size: int) -> Iterator[RowBatch]:
    """`_csv_records` a batch at a time, with its checks on each record (blank lines
    skipped, too many cells refused, missing ones empty) and what it restores done a
    column at a time: the same rows and lines, with no Python call per record."""
    limit = field_limit()
    csv.field_size_limit(limit)  # one limit per process: set it where files are read
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        quoted = set(text_columns(header))  # text the export wrote with a leading '
        lines: list[int] = []
        records: list[list[str]] = []
        start = 2
        for record in reader:
            if len(record) != width:
                if not record:
                    continue
                if len(record) > width:
                    raise ValueError(f"line {start}: more cells than the header has columns")
                record += [""] * (width - len(record))
            lines.append(start)
            records.append(record)
            start = reader.line_num + 1
            if len(records) == size:
                yield _columns(header, quoted, lines, records)
                lines, records = [], []
        if records:
            yield _columns(header, quoted, lines, records)
    except csv.Error as exc:
        if "field limit" not in str(exc):
            raise
        raise ValueError(
            f"line {reader.line_num}: a cell is longer than {limit} characters, the most a "
            "field may hold (MAX_BODY_BYTES)"
        ) from None


def _columns(
    header: list[str], quoted: Collection[int], lines: list[int], records: list[list[str]]
) -> RowBatch:
    """The records as columns: text restored (`restore_text`), empty cells None."""
    columns: dict[str, Sequence[Any]] = {}
    for position, (name, column) in enumerate(zip(header, zip(*records, strict=True), strict=True)):
        cells: Sequence[str] = column
        if position in quoted and _may_start_with_quote(column):
            cells = [restored(cell) if cell[:1] == "'" else cell for cell in column]
        columns[name] = _none_for_empty(cells)
    return RowBatch(lines, columns=columns)


def _may_start_with_quote(cells: Sequence[str]) -> bool:
    """Whether a cell may start with ' (never false when one does; a NUL followed by ' inside
    a cell makes it true for nothing, and the cells are then looked at one by one)."""
    joined = "\x00".join(cells)
    return joined[:1] == "'" or "\x00'" in joined


def _none_for_empty(cells: Sequence[str]) -> Sequence[str | None]:
    """Empty cells as None (a column with none as it is: most columns are never empty)."""
    if "" not in cells:
        return cells
    if cells.count("") == len(cells):
        return [None] * len(cells)
    return [cell or None for cell in cells]


def batches_of(rows: Iterable[tuple[int, Row]], size: int = BATCH_SIZE) -> Iterator[RowBatch]:
    """Rows read one by one (JSON lines), `size` at a time."""
    rest = iter(rows)
    while batch := list(islice(rest, size)):
        yield RowBatch([line for line, _ in batch], rows=[row for _, row in batch])


def read_ndjson_rows(stream: TextIO) -> Iterator[tuple[int, Row]]:
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {number}: each line must be a JSON object")
        yield number, row


def json_object_cell(cell: Any, *, optional: bool = False) -> Any:
    """A CSV cell holding a JSON object (a record's `inferred`, or its table `cell`) as the
    object: an empty cell is {}, or None for an `optional` one; a JSON line's object stays
    as it is. Anything else is handed on unchanged, for the model to refuse by the field's
    name."""
    if cell is None or cell == "":
        return None if optional else {}
    if not isinstance(cell, str):
        return cell
    try:
        parsed = json.loads(cell)
    except (ValueError, RecursionError):
        return cell
    return parsed if isinstance(parsed, dict) else cell
