"""The query string of GET /v1/changes: where to start, which changes, how many, and how."""

from enum import StrEnum

from pydantic import Field

from app.domain.codes import CountryCode
from app.domain.revisions import ChangedKind
from app.http.paging import DEFAULT_LIMIT
from app.http.query import Limit, QueryParameters


class ChangeFormat(StrEnum):
    json = "json"
    atom = "atom"
    jsonfeed = "jsonfeed"


class ChangeQuery(QueryParameters):
    since: str | None = Field(
        default=None,
        max_length=64,
        description="Where to start: the `meta.next_cursor` of the page before (the changes "
        "after it), or a UTC moment, 2025-03-01T00:00:00Z or 2025-03-01 (the changes "
        "recorded from then on). Without it, the feed starts at the first change.",
        examples=["2026-12-01"],
    )
    limit: Limit = DEFAULT_LIMIT
    kind: ChangedKind | None = Field(default=None, description="Only changes of this kind.")
    origin: CountryCode | None = Field(
        default=None,
        description="Only changes to observations and events of this origin (ISO 3166-1 "
        "alpha-3); sources name no pair and are left out.",
        examples=["PRK"],
    )
    destination: CountryCode | None = Field(
        default=None,
        description="Only changes to observations and events of this destination.",
        examples=["RUS"],
    )
    format: ChangeFormat | None = Field(
        default=None,
        description="json (default), atom (an Atom feed, RFC 4287) or jsonfeed (JSON Feed 1.1): "
        "a feed reader follows a country pair with ?origin=PRK&destination=RUS&format=atom.",
    )
