"""A table's text, record by record, each with its row number as RFC 7111 counts rows in
text/csv (from 1: a header is row 1) and the line it starts on (a quoted cell may hold
line breaks, so the two can differ); and any one record found again by its row."""

import csv
import io
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass


class TableProblem(ValueError):
    """What is wrong with a table or its mapping, and where: the row and column of the file
    (0 when the problem is the file's as a whole)."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        where = f"column {column}: " if column else ""
        super().__init__(where + message)
        self.line, self.column = line, column


@dataclass(frozen=True, slots=True)
class Record:
    row: int  # RFC 7111's row: the file's first record is row 1
    line: int  # where it starts in the file, counted from 1
    cells: list[str]


def table_text(content: bytes) -> str:
    """A table's bytes as text: UTF-8, with the byte order mark some publishers write
    (Eurostat's downloads have one) left out."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableProblem(
            f"the file is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8"
        ) from None


def _lines(text: str, starts: array | None) -> Iterator[str]:
    """The text's lines with their line breaks, as the csv module reads them; and, into
    `starts`, where each begins."""
    offset = 0
    for line in io.StringIO(text, newline=""):
        if starts is not None:
            starts.append(offset)
        offset += len(line)
        yield line


def records(text: str, *, record_starts: array | None = None) -> Iterator[Record]:
    """Every record of the text, in order. `record_starts` gathers where each begins in the
    text, for finding a row again (see StoredTable)."""
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    line_starts: array | None = array("q") if record_starts is not None else None
    reader = csv.reader(_lines(text, line_starts))
    line, row = 1, 0
    try:
        for cells in reader:
            row += 1
            if record_starts is not None and line_starts is not None:
                record_starts.append(line_starts[line - 1])
            yield Record(row, line, cells)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TableProblem(f"the CSV cannot be read: {exc}", line=line) from None


class StoredTable:
    """A stored table read once: its records found again by row, without keeping a list of
    them (a million rows are a few megabytes of offsets, not gigabytes of strings)."""

    def __init__(self, content: bytes) -> None:
        self.text = table_text(content)
        self._starts = array("q")
        for _ in records(self.text, record_starts=self._starts):
            pass

    @property
    def row_count(self) -> int:
        return len(self._starts)

    def record(self, row: int) -> list[str] | None:
        """The cells of row `row` (RFC 7111's count, from 1), or None past the last."""
        if not 1 <= row <= len(self._starts):
            return None
        start = self._starts[row - 1]
        end = self._starts[row] if row < len(self._starts) else len(self.text)
        return next(csv.reader(io.StringIO(self.text[start:end], newline="")), [])

    def cell(self, row: int, column: int) -> str | None:
        cells = self.record(row)
        if cells is None or not 1 <= column <= len(cells):
            return None
        return cells[column - 1]


# What publishers write in a cell with no figure: Eurostat ':', UN DESA '..', SDMX 'NaN'.
NO_FIGURE = frozenset({"", ":", "..", "...", "-", "\u2013", "NaN", "nan", "NA", "n/a", "x"})
MINUS_SIGN = "\u2212"  # typeset tables write it for '-'
_SIGN = f"[-{MINUS_SIGN}]?"
# Thousands grouped by commas ("9,699"), or by spaces, thin or no-break spaces ("9 699").
_SEPARATORS = ", \u00a0\u2009\u202f"
_GROUPED = re.compile(
    _SIGN + rf"[0-9]{{1,3}}(?P<sep>[{_SEPARATORS}])[0-9]{{3}}(?:(?P=sep)[0-9]{{3}})*(?:\.[0-9]+)?"
)
_PLAIN = re.compile(_SIGN + r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def figure_in(text: str) -> float | None:
    """The number a cell holds, as its publisher wrote it ("10,425", "9 699", "73785.0"),
    or None for a cell that holds none (empty, '..', ':'); ValueError for any other text."""
    written = text.strip()
    if written in NO_FIGURE:
        return None
    if _PLAIN.fullmatch(written):
        return float(written.replace(MINUS_SIGN, "-"))
    if _GROUPED.fullmatch(written):
        digits = re.sub(f"[{_SEPARATORS}]", "", written)
        return float(digits.replace(MINUS_SIGN, "-"))
    raise ValueError(f"'{written[:40]}' is not a number")
