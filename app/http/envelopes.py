"""The shape of every list: {"data": [...], "meta": {...}, "links": {...}}."""

from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, Field

from app.http.formats import Format, csv_response, json_response, ndjson_response
from app.http.paging import next_url, paging_headers

ItemT = TypeVar("ItemT")


class ListMeta(BaseModel):
    data_version: int = Field(description="Bumped by every write; equal versions mean equal data.")
    returned: int = Field(description="How many items this page holds.")
    limit: int | None = Field(
        default=None, description="The page size asked for (null where the list is not paged)."
    )
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` to get the next page; null on the last page.",
    )
    sort: str | None = Field(default=None, description="The order of `data`.")


class ListLinks(BaseModel):
    self: str = Field(description="This page's URL.")
    next: str | None = Field(default=None, description="The next page's URL, null on the last.")


class ListResponse(BaseModel, Generic[ItemT]):
    data: list[ItemT]
    meta: ListMeta
    links: ListLinks


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
    csv_rows: list[dict[str, Any]] | None = None,
    filename: str,
    data_version: int,
    sort: str,
    limit: int | None = None,
    next_cursor: str | None = None,
) -> Response:
    """A list in the representation asked for: the JSON envelope, CSV (`csv_rows`, or the
    documents themselves, in `csv_columns`) or NDJSON. A paged list links its next page in
    every representation (`Link: rel="next"`)."""
    headers = paging_headers(request, next_cursor)
    match representation:
        case Format.csv:
            rows = documents if csv_rows is None else csv_rows
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
    )
    return json_response(envelope, headers=headers)
