from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.fields import PartialDate


class SourceType(StrEnum):
    news_report = "news_report"
    government_statistics = "government_statistics"
    intelligence_estimate = "intelligence_estimate"
    official_statement = "official_statement"
    testimony = "testimony"


class SourceData(BaseModel):
    """A new source: the body of POST /v1/sources."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "North Korean workers in Russia",
                    "publisher": "BBC",
                    "url": "https://www.bbc.co.uk/news/example",
                    "published_on": "2025-06",
                    "type": "news_report",
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=500)
    publisher: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    published_on: PartialDate | None = None
    type: SourceType
    relayed_through: int | None = Field(default=None, ge=1)
    notes: str | None = None


class SourceIn(SourceData):
    """A source as written in an import file: an `id` names the one to revise, and a
    `revision` must be the current one."""

    id: int | None = Field(default=None, ge=1)
    revision: int | None = Field(default=None, ge=1)


class SourceUpdate(BaseModel):
    """PATCH body: the fields to change, why, and (without If-Match) the revision replaced."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "The BBC article's date is now known.", "published_on": "2025-06-17"}
            ]
        },
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why: shown in the history.")
    revision: int | None = Field(default=None, ge=1, description="The revision replaced.")
    title: str | None = Field(default=None, min_length=1, max_length=500)
    publisher: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    published_on: PartialDate | None = None
    type: SourceType | None = None
    relayed_through: int | None = Field(default=None, ge=1)
    notes: str | None = None

    def changes(self) -> dict[str, object]:
        editable = set(SourceData.model_fields)
        return self.model_dump(include=self.model_fields_set & editable, mode="json")


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
    "revision": 1,
    "updated_at": "2026-11-26T12:00:00Z",
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
    revision: int = Field(description="1 when created; each edit adds one.")
    updated_at: datetime | None = Field(description="When this revision was recorded (UTC).")

    model_config = ConfigDict(json_schema_extra={"examples": [SOURCE_EXAMPLE]})


class SourceDetail(SourcePublic):
    relay_chain: list[SourcePublic] = Field(
        description="The sources this one was relayed through, nearest first."
    )
    observation_count: int = Field(description="Observations that cite this source directly.")
