from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.fields import PartialDate


class SourceType(StrEnum):
    news_report = "news_report"
    government_statistics = "government_statistics"
    intelligence_estimate = "intelligence_estimate"
    official_statement = "official_statement"
    testimony = "testimony"


class SourceIn(BaseModel):
    """A source as written in an import file."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1, max_length=500)
    publisher: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    published_on: PartialDate | None = None
    type: SourceType
    relayed_through: int | None = Field(default=None, ge=1)
    notes: str | None = None


SOURCE_EXAMPLE = {
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
}


class SourcePublic(BaseModel):
    id: int
    title: str = Field(description="The source's title, or a description in its absence.")
    publisher: str | None = Field(
        description="Who published it; null when the source does not say."
    )
    url: str | None
    published_on: str | None = Field(
        description="ISO 8601 as precise as known: 2025, 2025-06 or 2025-06-17; null if unknown."
    )
    type: SourceType
    relayed_through: int | None = Field(
        description="The id of the source this one reached us through, if any."
    )
    notes: str | None
    description: str = Field(description="Title, publisher and date in one phrase, for citations.")

    model_config = ConfigDict(json_schema_extra={"examples": [SOURCE_EXAMPLE]})


class SourceDetail(SourcePublic):
    relay_chain: list[SourcePublic] = Field(
        description="The sources this one was relayed through, nearest first."
    )
    observation_count: int = Field(description="Observations that cite this source directly.")
