"""Every list as served: the envelope ({"data", "meta", "links"}; its models are in
app/domain/lists.py), or CSV or NDJSON, linking the next page."""

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response

from app.http.formats import Format, csv_response, json_response, ndjson_response
from app.http.paging import next_url, paging_headers


def list_envelope(
    request: Request,
    data: list[Any],
    *,
    data_version: int,
    limit: int | None = None,
    next_cursor: str | None = None,
    sort: str | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "data": data,
        "meta": {
            "data_version": data_version,
            "returned": len(data),
            "limit": limit,
            "next_cursor": next_cursor,
            "sort": sort,
            **(extra_meta or {}),
        },
        "links": {"self": str(request.url), "next": next_url(request, next_cursor)},
    }


def served_list(
    request: Request,
    documents: list[dict[str, Any]],
    *,
    representation: Format,
    csv_columns: list[str],
    csv_rows: Callable[[], list[dict[str, Any]]] | None = None,
    filename: str,
    data_version: int,
    sort: str,
    limit: int | None = None,
    next_cursor: str | None = None,
    extra_meta: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A list in the representation asked for: the JSON envelope (with `extra_meta`), CSV
    (the rows `csv_rows` makes, or the documents themselves, in `csv_columns`) or NDJSON. A
    paged list links its next page in every representation (`Link: rel="next"`), before
    any other `headers`."""
    headers = {**paging_headers(request, next_cursor), **(headers or {})}
    match representation:
        case Format.csv:
            rows = documents if csv_rows is None else csv_rows()
            return csv_response(csv_columns, rows, filename=filename, headers=headers)
        case Format.ndjson:
            return ndjson_response(documents, headers=headers)
    envelope = list_envelope(
        request,
        documents,
        data_version=data_version,
        limit=limit,
        next_cursor=next_cursor,
        sort=sort,
        extra_meta=extra_meta,
    )
    return json_response(envelope, headers=headers)
