"""Response formats: JSON (default), CSV (RFC 4180, UTF-8) and NDJSON, chosen once per
request by the `format` parameter or, without it, the Accept header; lists of figures
(observations, series) also as SDMX-CSV 2.0, and as a JSON-stat 2.0 dataset (`format=`
only: JSON-stat has no media type of its own, so Accept cannot ask for it). A page is
built in one piece; only a whole export (`limit=all`) streams, a batch of rows per chunk."""

import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import orjson
from anyio import CancelScope, to_thread
from fastapi import Depends, Header, Request, Response
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.dataset.files import csv_record_chunks, csv_text, ndjson_text

T = TypeVar("T")


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


class FigureFormat(StrEnum):
    """What lists of figures (GET /v1/observations, GET /v1/series) are served as: every
    Format, SDMX-CSV 2.0 and JSON-stat 2.0."""

    json = "json"
    csv = "csv"
    ndjson = "ndjson"
    sdmx_csv = "sdmx-csv"
    jsonstat = "jsonstat"


SDMX_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0"
# JSON-stat registers no media type of its own; its documents are served as JSON. So only
# `format=jsonstat` asks for one: `Accept: application/json` keeps the API's own JSON.
JSONSTAT_MEDIA_TYPE = "application/json"


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
_FIGURES_ACCEPTED = {
    **{media_type: FigureFormat(fmt) for media_type, fmt in _ACCEPTED.items()},
    SDMX_CSV_MEDIA_TYPE.split(";")[0]: FigureFormat.sdmx_csv,
}


def negotiate(requested: Format | None, accept: str | None) -> Format:
    """`format=` wins; otherwise the Accept media type with the highest q; otherwise JSON."""
    if requested is not None:
        return requested
    return preferred(accept, _ACCEPTED, Format.json)


def preferred(accept: str | None, accepted: Mapping[str, T], default: T) -> T:
    """What the Accept media type with the highest q names in `accepted` (media types in
    lower case); `default` when it names none of them. No 406: RFC 9110 lets a server
    answer in its default rather than refuse, and a client asking for text/html still gets
    something it can read."""
    best, best_q = default, 0.0
    for media_range in (accept or "").split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        fmt = accepted.get(media_type.lower())
        if fmt is None:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":  # parameter names are case-insensitive
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # not a weight RFC 9110 allows
                    q = 0.0
        if q > best_q:
            best, best_q = fmt, q
    return best


ACCEPTED_KEY = "accepted_format"


def accepted_format(scope_state: dict[str, Any], accept: str | None) -> FigureFormat:
    """The format the Accept header asks for, negotiated once per request and kept in its
    state: the cache middleware builds the ETag from it, the handler answers in it. Lists
    that serve no SDMX-CSV answer a client that prefers it in JSON, their default (so one
    negotiated format always names one representation, and one ETag)."""
    if ACCEPTED_KEY not in scope_state:
        scope_state[ACCEPTED_KEY] = preferred(accept, _FIGURES_ACCEPTED, FigureFormat.json)
    return scope_state[ACCEPTED_KEY]


async def get_accepted_format(
    request: Request, accept: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Format:
    accepted = accepted_format(request.scope.setdefault("state", {}), accept)
    return Format.json if accepted is FigureFormat.sdmx_csv else Format(accepted)


async def get_accepted_figure_format(
    request: Request, accept: Annotated[str | None, Header(include_in_schema=False)] = None
) -> FigureFormat:
    return accepted_format(request.scope.setdefault("state", {}), accept)


# `format=` wins; otherwise this: `params.format or accepted`.
AcceptedFormatDep = Annotated[Format, Depends(get_accepted_format)]
AcceptedFigureFormatDep = Annotated[FigureFormat, Depends(get_accepted_figure_format)]


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """JSON serialised by orjson, skipping FastAPI's per-row validation of response models
    (tests check the documents against those models instead)."""
    return Response(
        orjson.dumps(content, option=orjson.OPT_UTC_Z),  # moments as everywhere: ...Z
        status_code=status_code,
        headers=headers,
        media_type=MEDIA_TYPES[Format.json],
    )


def csv_response(
    columns: list[str], rows: Iterable[dict[str, Any]], *, filename: str, headers: dict[str, str]
) -> Response:
    return Response(
        csv_text(columns, rows),
        media_type=MEDIA_TYPES[Format.csv],
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def ndjson_response(documents: Iterable[dict[str, Any]], *, headers: dict[str, str]) -> Response:
    return Response(ndjson_text(documents), media_type=MEDIA_TYPES[Format.ndjson], headers=headers)


class ClosingStream(StreamingResponse):
    """A stream of chunks that are closed however the response ends. A client that goes
    away mid-export, or a HEAD (which stops at the headers), leaves the generator suspended
    and unclosed; closing it at once ends the export's read, giving back its connection and
    its export place, instead of whenever the garbage collector finds it."""

    def __init__(
        self, chunks: Iterator[Any], *, on_close: Callable[[], None] | None = None, **options: Any
    ) -> None:
        super().__init__(chunks, **options)
        self._chunks = chunks
        # Run once the response ends, however: what a generator that never reached its
        # `finally` (a HEAD stops after the first chunk) would leave open.
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self._chunks, "close", None)
            if close is not None:  # in a thread: ending a read may be a network round trip
                with CancelScope(shield=True):
                    await to_thread.run_sync(close)
            if self._on_close is not None:
                with CancelScope(shield=True):
                    await to_thread.run_sync(self._on_close)


def csv_stream(
    columns: list[str],
    batches: Iterable[Iterable[Sequence[Any]]],
    *,
    filename: str,
    headers: dict[str, str],
    on_close: Callable[[], None] | None = None,
) -> StreamingResponse:
    return ClosingStream(
        csv_record_chunks(columns, batches),
        on_close=on_close,
        media_type=MEDIA_TYPES[Format.csv],
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _ndjson_chunks(batches: Iterable[Iterable[dict[str, Any]]]) -> Iterator[bytes]:
    for batch in batches:
        yield ndjson_text(batch)


def ndjson_stream(
    batches: Iterable[Iterable[dict[str, Any]]],
    *,
    headers: dict[str, str],
    on_close: Callable[[], None] | None = None,
) -> StreamingResponse:
    return ClosingStream(
        _ndjson_chunks(batches),
        on_close=on_close,
        media_type=MEDIA_TYPES[Format.ndjson],
        headers=headers,
    )


def sdmx_csv_response(text: str, *, filename: str, headers: dict[str, str]) -> Response:
    return Response(
        text,
        media_type=SDMX_CSV_MEDIA_TYPE,
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def jsonstat_response(dataset: dict[str, Any], *, headers: dict[str, str]) -> Response:
    """A JSON-stat dataset, as JSON (moments as everywhere: ...Z)."""
    return Response(
        orjson.dumps(dataset, option=orjson.OPT_UTC_Z),
        media_type=JSONSTAT_MEDIA_TYPE,
        headers=headers,
    )


def sdmx_csv_stream(
    chunks: Iterator[str],
    *,
    filename: str,
    headers: dict[str, str],
    on_close: Callable[[], None] | None = None,
) -> StreamingResponse:
    return ClosingStream(
        chunks,
        on_close=on_close,
        media_type=SDMX_CSV_MEDIA_TYPE,
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def content_disposition(file_name: str, *, disposition: str = "inline") -> str:
    """RFC 6266: the name as ASCII for every client (other characters as '_', no quote or
    backslash), and as UTF-8 (RFC 8187) for those that read it."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in file_name)
    encoded = urllib.parse.quote(file_name, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
