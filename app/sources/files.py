"""Sources' stored tables and the cells checked against them.

A table's bytes are stored once, by their SHA-256 (`store_file`); a source names its table
by that digest, so that a revision of the source keeps the file it had. A figure read from
a table names its cell (row and column, as RFC 7111 counts them, and in SDMX-CSV its series
key, period and flag), which must hold its value in its source's table: `check_cell`, as
`texts.check_quote` checks a quote. A table is read once and kept by digest
(`stored_table`), so that an import of a million rows checks each cell without reading the
file again."""

from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.domain.columns import utc_now
from app.domain.tables import SDMX_CSV_MEDIA_TYPE, file_digest
from app.errors import InvalidData
from app.models import Observation, Source, StoredFile
from app.tables.records import StoredTable, TableProblem, figure_in
from app.tables.sdmx import TIME_PERIOD, SdmxLayout

# Tables kept read, by digest: a few, as an import reads one and a check a handful.
_KEPT_TABLES = 4
_tables: OrderedDict[str, "CheckedTable"] = OrderedDict()


class CheckedTable:
    """A stored table as cells are checked against it: its records by row, and, for
    SDMX-CSV, its layout (which column is which component)."""

    def __init__(self, stored: StoredFile) -> None:
        self.digest = stored.sha256
        self.table = StoredTable(stored.content)
        self.layout: SdmxLayout | None = None
        if stored.media_type.startswith(SDMX_CSV_MEDIA_TYPE):
            header = self.table.record(1) or []
            try:
                self.layout = SdmxLayout.of(header)
            except TableProblem:
                self.layout = None


def store_file(
    session: Session, content: bytes, media_type: str, *, stored_at: datetime | None = None
) -> StoredFile:
    """The stored file with these bytes: stored now (or, restored, when it first was) if
    it was not already."""
    digest = file_digest(content)
    stored = session.get(StoredFile, digest)
    if stored is None:
        stored = StoredFile(
            sha256=digest,
            media_type=media_type,
            size=len(content),
            content=content,
            stored_at=stored_at or utc_now(),
        )
        session.add(stored)
        session.flush()
    return stored


def stored_file(session: Session, digest: str) -> StoredFile | None:
    return session.get(StoredFile, digest)


def check_file_named(session: Session, digest: str | None) -> None:
    """A source may name only a stored file (one an import stored)."""
    if digest is not None and session.get(StoredFile, digest) is None:
        raise InvalidData(
            f"file_sha256 {digest} names no stored file: a table is stored by importing it "
            "(laborstats import TABLE --mapping MAPPING, or POST /v1/imports).",
            field="file_sha256",
        )


def stored_table(session: Session, digest: str) -> CheckedTable | None:
    """The stored table with this digest, read once and kept (the last few read)."""
    if digest in _tables:
        _tables.move_to_end(digest)
        return _tables[digest]
    stored = session.get(StoredFile, digest)
    if stored is None:
        return None
    try:
        table = CheckedTable(stored)
    except TableProblem:
        return None
    _tables[digest] = table
    while len(_tables) > _KEPT_TABLES:
        _tables.popitem(last=False)
    return table


def table_of_source(session: Session, source_id: int) -> CheckedTable | None:
    digest = session.scalar(select(Source.file_sha256).where(Source.id == source_id))
    return stored_table(session, digest) if digest is not None else None


def _number(value: float) -> str:
    return f"{value:,.15g}"


def check_cell(
    cell: dict[str, Any],
    value: float | None,
    bounds: tuple[float | None, float | None],
    table: CheckedTable | None,
    *,
    source_id: int,
) -> None:
    """A cell must hold the figure in its source's table: its value (or, for a range, a
    bound), and, in SDMX-CSV, the series, period and flag it names."""
    link = f"GET /v1/sources/{source_id}/file"
    if table is None:
        raise InvalidData(
            f"source {source_id} keeps no table: a cell names a place in its source's stored "
            "table. Cite a text's sentence as quote instead, or import the table.",
            field="cell",
        )
    row, column = cell["row"], cell["column"]
    cells = table.table.record(row)
    if cells is None or not 1 <= column <= len(cells):
        raise InvalidData(
            f"source {source_id}'s table has no cell at row {row}, column {column} (it has "
            f"{table.table.row_count} rows; see {link}).",
            field="cell",
        )
    written = cells[column - 1]
    try:
        figure = figure_in(written)
    except ValueError:
        figure = None
    wanted = [v for v in (value, *bounds) if v is not None][: 1 if value is not None else 2]
    if figure is None or figure not in wanted:
        said = " or ".join(_number(v) for v in wanted) or "no figure"
        raise InvalidData(
            f"source {source_id}'s table holds '{written[:40]}' at row {row}, column {column}, "
            f"not {said}: copy the figure as {link} has it, or name its cell.",
            field="cell",
        )
    layout = table.layout
    if layout is None or not {"series", "period", "flag"} & cell.keys():
        return
    held = {
        "series": layout.series_key(cells),
        "period": layout.code(cells, TIME_PERIOD),
        "flag": layout.code(cells, layout.status_column) if layout.status_column else "",
    }
    for part in ("series", "period", "flag"):
        if cell.get(part, "") != held[part] and (part != "flag" or part in cell or held[part]):
            raise InvalidData(
                f"row {row} of source {source_id}'s table is {part} '{held[part][:80]}', "
                f"not '{str(cell.get(part, ''))[:80]}' (see {link}).",
                field="cell",
            )


def _broken_cells(session: Session, source_id: int) -> Iterator[tuple[Observation, InvalidData]]:
    """The figures of a source (not retracted) whose cells do not hold them in its table."""
    table = table_of_source(session, source_id)
    query = select(Observation).where(
        Observation.source_id == source_id,
        Observation.cell.is_not(None),
        Observation.retracted_at.is_(None),
    )
    for observation in session.scalars(query):
        bounds = (observation.lower_bound, observation.upper_bound)
        try:
            check_cell(observation.cell, observation.value, bounds, table, source_id=source_id)
        except InvalidData as exc:
            yield observation, exc


def check_cells_of(session: Session, source_id: int) -> None:
    """After a source's table changed: every figure read from it must still stand."""
    for observation, problem in _broken_cells(session, source_id):
        raise InvalidData(
            f"observation {observation.id} would no longer stand: {problem.detail}",
            field="file_sha256",
        )


def stale_cells(session: Session, source_id: int) -> list[Observation]:
    """After a newer release of a source's table: the figures it no longer holds."""
    return [observation for observation, _ in _broken_cells(session, source_id)]
