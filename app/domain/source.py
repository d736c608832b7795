"""A source's fields, declared once: what a client writes (SourceBase), what is stored
(SourceState), and what is served (SourcePublic). Tables, bodies, CSV columns and the data
package's field types are derived from these classes."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import pydantic
from pydantic import ConfigDict
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import MAX_ID, TEXT_CHECK, IdColumn, ValidText
from app.domain.columns import UTCDateTime
from app.domain.dates import PartialDate
from app.domain.shapes import document_as_served, served_order


class SourceType(StrEnum):
    news_report = "news_report"
    government_statistics = "government_statistics"
    intelligence_estimate = "intelligence_estimate"
    official_statement = "official_statement"
    testimony = "testimony"


# An http(s) address, without whitespace. Its rules sit inside the type, before the text
# check, so that the JSON schema keeps them in every model derived from the declaration.
WebAddress = Annotated[str, pydantic.Field(max_length=2000, pattern=r"^https?://\S+$"), TEXT_CHECK]


class SourceBase(SQLModel):
    """A publication or statement as a client writes it: the body of POST /v1/sources."""

    title: ValidText = Field(
        min_length=1,
        max_length=500,
        description="The source's title, or a description in its absence.",
    )
    publisher: ValidText | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Who published it; null when the source does not say.",
    )
    url: WebAddress | None = Field(default=None, max_length=2000, description="Where to read it.")
    published_on: PartialDate | None = Field(
        default=None,
        max_length=10,
        description="ISO 8601 as precise as known: 2025, 2025-06 or 2025-06-17; null if unknown.",
    )
    type: SourceType = Field(sa_type=String(32), description="What kind of source it is.")
    relayed_through: int | None = Field(
        default=None,
        foreign_key="source.id",
        sa_type=IdColumn,
        ge=1,
        le=MAX_ID,
        description="The id of the source this one reached us through, if any.",
    )
    notes: ValidText | None = Field(
        default=None, sa_type=Text, description="What is known about it, and what is not."
    )


class SourceState(SourceBase):
    """A source as stored, now or at one revision."""

    revision: int = Field(
        default=1,
        sa_column_kwargs={"server_default": "1"},
        description="1 when created; each edit adds one.",
    )
    updated_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When this revision was recorded (UTC)."
    )


class SourcePublic(SourceState):
    """A source as served: its id, its state, and a description for citations."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=lambda schema: document_as_served(schema, SERVED_FIELDS, SOURCE_EXAMPLE),
    )

    id: int = Field(description="Stable: it names this source for good.")
    description: str = Field(description="Title, publisher and date in one phrase, for citations.")


PLACEMENT = {"id": None, "description": "notes"}
SERVED_FIELDS = served_order(SourcePublic, PLACEMENT)
WRITTEN_FIELDS = list(SourceBase.model_fields)

# The seed's source 2, as served (a test checks that it still is).
SOURCE_EXAMPLE: dict[str, Any] = {
    "id": 2,
    "title": "BBC investigation into North Korean workers in Russia",
    "publisher": "BBC",
    "url": None,
    "published_on": None,
    "type": "news_report",
    "relayed_through": 1,
    "notes": (
        "Known only through source 1, which calls it 'a BBC probe this week' and gives "
        "neither its title nor its date; the title is a description."
    ),
    "description": (
        '"BBC investigation into North Korean workers in Russia" (BBC, date not given)'
    ),
    "revision": 1,
    "updated_at": "2026-11-26T12:00:00Z",
}
