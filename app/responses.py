"""HTTP helpers shared by the routers: list envelopes, paging links, format choice."""

import hashlib
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import Header, Query, Request, Response
from pydantic import BeforeValidator

from app.errors import PROBLEM_MEDIA_TYPE
from app.formats import Format
from app.pagination import MAX_LIMIT

LimitParam = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_LIMIT,
        description=f"Items per page, 1 to {MAX_LIMIT}. A value outside that is refused, "
        "never clamped.",
    ),
]


def _page_size_or_all(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() == "all":
        return "all"
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise ValueError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, or all (with format=csv "
            f"or format=ndjson), not {value!r}"
        )
    return number


ExportLimitParam = Annotated[
    int | Literal["all"],
    BeforeValidator(_page_size_or_all),
    Query(
        description=f"Items per page, 1 to {MAX_LIMIT} (outside that: 400, never clamped); or "
        "`all` with format=csv or ndjson to stream every match in one response, whose "
        "X-Total-Count header gives the row count.",
    ),
]
CursorParam = Annotated[
    str | None,
    Query(description="Opaque: the `meta.next_cursor` of the previous page. Stable under inserts."),
]
FormatParam = Annotated[
    Format | None,
    Query(
        description="json (default), csv (RFC 4180, UTF-8, header row) or ndjson. "
        "Without it, the Accept header decides (text/csv, application/x-ndjson).",
    ),
]
AsOfParam = Annotated[
    date | None,
    Query(
        description="A UTC day, YYYY-MM-DD: answer with what the API held at the end of it "
        "(later revisions and observations unseen, later retractions not yet applied).",
        examples=["2025-03-01"],
    ),
]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]


def list_envelope(
    request: Request,
    data: list[Any],
    *,
    data_version: int,
    limit: int | None = None,
    next_cursor: str | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    return {
        "data": data,
        "meta": {
            "data_version": data_version,
            "returned": len(data),
            "limit": limit,
            "next_cursor": next_cursor,
            "sort": sort,
        },
        "links": {"self": str(request.url), "next": next_url(request, next_cursor)},
    }


def next_url(request: Request, next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    return str(request.url.include_query_params(cursor=next_cursor))


def paging_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    """RFC 8288: `Link: <…>; rel="next"` when there is a next page."""
    url = next_url(request, next_cursor)
    return {"Link": f'<{url}>; rel="next"'} if url else {}


PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "The token's role does not allow this.", **PROBLEM},
    413: {"description": "The body is over the size limit.", **PROBLEM},
    415: {"description": "The body is not in a media type this endpoint reads.", **PROBLEM},
    422: {"description": "The body breaks a rule; the problem names the field.", **PROBLEM},
}


def not_found(kind: str) -> dict[int | str, dict[str, Any]]:
    return {404: {"description": f"No {kind} has this id.", **PROBLEM}}


def edit_responses(kind: str) -> dict[int | str, dict[str, Any]]:
    return {
        **WRITE_RESPONSES,
        **not_found(kind),
        409: {"description": "The body names a stale revision, or the edit conflicts.", **PROBLEM},
        412: {"description": "If-Match names a revision that is no longer current.", **PROBLEM},
        428: {"description": "Neither If-Match nor a revision in the body.", **PROBLEM},
    }


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """JSON serialised by orjson, skipping FastAPI's per-row validation of response models
    (tests check the documents against those models instead)."""
    return Response(
        orjson.dumps(content),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def versioned_json_response(
    content: Any,
    *,
    revision_etag: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON with an ETag that names the record's revision (what If-Match needs) and a digest
    of the body, so that a change to anything embedded (a source, a part) changes it too."""
    body = orjson.dumps(content, option=orjson.OPT_UTC_Z)
    digest = hashlib.blake2b(body, digest_size=6).hexdigest()
    etag = f'{revision_etag[:-1]}-{digest}"'
    return Response(
        body,
        status_code=status_code,
        headers={**(headers or {}), "ETag": etag},
        media_type="application/json",
    )
