"""The shape of every list served: {"data": [...], "meta": {...}, "links": {...}}."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

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
