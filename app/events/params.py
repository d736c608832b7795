"""The query string of GET /v1/events, as a model: the sides it concerns, what changed
after a moment, the day it is read as of, paging and format."""

from pydantic import Field

from app.domain.codes import CountryCode
from app.http.query import AsOfParameter, PagedFormatParameters, UpdatedAfter


class EventQuery(PagedFormatParameters):
    origin: CountryCode | None = Field(
        default=None,
        description="Country of origin, ISO 3166-1 alpha-3: the events that name it, and "
        "those that name no origin (they concern every one).",
        examples=["PRK"],
    )
    destination: CountryCode | None = Field(
        default=None,
        description="Destination, ISO 3166-1 alpha-3: the events that name it, and those "
        "that name no destination (they concern every one).",
        examples=["RUS"],
    )
    include_retracted: bool = Field(
        default=False, description="Also list retracted events (marked `retracted`)."
    )
    updated_after: UpdatedAfter = None
    as_of: AsOfParameter = None
