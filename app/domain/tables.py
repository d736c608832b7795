"""Statistical tables as sources: a file kept once by its SHA-256 (CSV, SDMX-CSV), and the
cell of it a figure is read from, as a figure from a text has its quote.

A cell is named by its row and column in the file as published, counted as RFC 7111 counts
them for text/csv (from 1, the header row being row 1), and, for an SDMX-CSV file, by the
series key and period that row holds, with the observation status flag it was published
with (kept as written)."""

import hashlib
from typing import Annotated, Any, Required

import pydantic
from typing_extensions import TypedDict

from app.domain.bounds import ValidText

# What a table may be served as: its media type as stored.
CSV_MEDIA_TYPE = "text/csv"
SDMX_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv"
TABLE_MEDIA_TYPES = (CSV_MEDIA_TYPE, SDMX_CSV_MEDIA_TYPE)
# A stored file's name: what the publisher called it (a download's name), never a path.
FileName = Annotated[
    ValidText, pydantic.StringConstraints(min_length=1, max_length=200, pattern=r"^[^/\\]+$")
]
FileDigest = Annotated[str, pydantic.Field(pattern=r"^[0-9a-f]{64}$", max_length=64)]
CellText = Annotated[ValidText, pydantic.StringConstraints(min_length=1, max_length=500)]


class Cell(TypedDict, total=False):
    """Where in its source's stored table a figure stands."""

    row: Required[Annotated[int, pydantic.Field(ge=2, le=2**31)]]
    column: Required[Annotated[int, pydantic.Field(ge=1, le=100_000)]]
    # SDMX-CSV: the series key (its dimensions' codes in order, joined by '.'), the period
    # (TIME_PERIOD as written) and the observation status flag as published ('e', 'p').
    series: CellText
    period: CellText
    flag: CellText


CELL_KEYS = tuple(Cell.__annotations__)


def in_cell_order(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell's parts in the order the schema gives them (it is stored with sorted keys)."""
    return {key: cell[key] for key in CELL_KEYS if key in cell}


CELL_DESCRIPTION = (
    "Where in its source's stored table (GET /v1/sources/{id}/file) the figure stands: its "
    "row and column, counted from 1 as RFC 7111 counts them (the header is row 1); for "
    "SDMX-CSV, also the series key, the period and the observation status flag as "
    "published. Null for a figure read from a text (see quote). A figure has a quote, a "
    "cell, or both."
)


def file_digest(content: bytes) -> str:
    """What `file_sha256` holds: the SHA-256 of the file's bytes, in lowercase hex."""
    return hashlib.sha256(content).hexdigest()


# What `cell_url` holds: the cell in the stored table (RFC 7111's cell fragment).
CELL_URL = "/v1/sources/{source_id}/file#cell={row},{column}"


def cell_url(source_id: int, cell: dict[str, Any]) -> str:
    return CELL_URL.format(source_id=source_id, row=cell["row"], column=cell["column"])


def cell_words(cell: dict[str, Any], file_name: str | None) -> str:
    """A figure's cell as a citation gives it: 'Table cell: row 18, column 135 of
    UN_MigrantStock_2019.csv (series ..., period 2019, flag e).'"""
    where = f"row {cell['row']}, column {cell['column']}"
    if file_name:
        where += f" of {file_name}"
    parts = [f"{part} {cell[part]}" for part in ("series", "period", "flag") if cell.get(part)]
    return f"Table cell: {where}" + (f" ({', '.join(parts)})." if parts else ".")
