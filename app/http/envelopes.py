"""The shape of every list: {"data": [...], "meta": {...}, "links": {...}}."""

from typing import Any, Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel, Field

from app.http.paging import next_url

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
