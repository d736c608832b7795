"""Response formats: JSON (default), CSV (RFC 4180, UTF-8) and NDJSON, chosen by the
`format` parameter or, without it, the Accept header."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from fastapi.responses import StreamingResponse


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv; charset=utf-8",
    Format.ndjson: "application/x-ndjson",
}
_ACCEPTED = {
    "application/json": Format.json,
    "text/csv": Format.csv,
    "application/x-ndjson": Format.ndjson,
    "application/ndjson": Format.ndjson,
    "application/jsonl": Format.ndjson,
}


def negotiate(requested: Format | None, accept: str | None) -> Format:
    """`format=` wins; otherwise the Accept media type with the highest q; otherwise JSON."""
    if requested is not None:
        return requested
    best, best_q = Format.json, 0.0
    for media_range in (accept or "").split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        fmt = _ACCEPTED.get(media_type.lower())
        if fmt is None:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = fmt, q
    return best


def plain_number(value: float | None) -> float | int | None:
    """10000.0 -> 10000: figures read as people wrote them, in JSON and CSV alike."""
    if value is not None and value.is_integer():
        return int(value)
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return plain_number(value)
    return value


def csv_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one RFC 4180 record (CRLF-terminated) per row, produced lazily."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Iterable[Any]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(columns)
    for row in rows:
        yield line(_csv_cell(row.get(column)) for column in columns)


def ndjson_lines(documents: Iterable[dict[str, Any]]) -> Iterator[str]:
    for document in documents:
        yield json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_response(
    columns: list[str], rows: Iterable[dict[str, Any]], *, filename: str, headers: dict[str, str]
) -> StreamingResponse:
    return StreamingResponse(
        csv_lines(columns, rows),
        media_type=MEDIA_TYPES[Format.csv],
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def ndjson_response(
    documents: Iterable[dict[str, Any]], *, headers: dict[str, str]
) -> StreamingResponse:
    return StreamingResponse(
        ndjson_lines(documents), media_type=MEDIA_TYPES[Format.ndjson], headers=headers
    )
