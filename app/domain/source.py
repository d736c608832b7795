"""A source's fields, declared once: what a client writes (SourceBase), what is stored
(SourceState), and what is served (SourcePublic). Tables, bodies, CSV columns and the data
package's field types are derived from these classes."""

import hashlib
from enum import StrEnum
from typing import Annotated, Any

import pydantic
from pydantic import ConfigDict, model_validator
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import MAX_ID, TEXT_CHECK, IdColumn, ValidText
from app.domain.columns import Dimensions
from app.domain.dates import PartialDate
from app.domain.inferences import (
    INFERRED_DESCRIPTION,
    MarkName,
    Reason,
    check_marks,
)
from app.domain.revisions import RevisedState
from app.domain.shapes import document_as_served, served_order
from app.domain.tables import FileDigest, FileName


class SourceType(StrEnum):
    news_report = "news_report"
    government_statistics = "government_statistics"
    # An intergovernmental body's statistics (UN DESA, OECD, ILO), not a government's.
    international_statistics = "international_statistics"
    government_estimate = "government_estimate"  # a government's estimates, not its statistics
    intelligence_estimate = "intelligence_estimate"
    official_statement = "official_statement"
    testimony = "testimony"


# An http(s) address, without whitespace. Its rules sit inside the type, before the text
# check, so that the JSON schema keeps them in every model derived from the declaration.
WebAddress = Annotated[str, pydantic.Field(max_length=2000, pattern=r"^https?://\S+$"), TEXT_CHECK]


TextDigest = Annotated[str, pydantic.Field(pattern=r"^[0-9a-f]{64}$", max_length=64)]


def text_digest(text: str) -> str:
    """What `text_sha256` holds: the SHA-256 of the UTF-8 text, in lowercase hex."""
    return hashlib.sha256(text.encode()).hexdigest()


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
        description="ISO 8601 as precise as known: 2025, 2025-06 or 2025-06-17, or --06 or "
        "--06-17 when the source gives no year; null if unknown.",
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
    inferred: dict[MarkName, Reason] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        sa_column_kwargs={"server_default": "{}"},
        description=INFERRED_DESCRIPTION + " Any of title, publisher, published_on, type, url.",
        schema_extra={"examples": [{"title": "A description: the source gives no title."}]},
    )
    # Kept out of lists and CSV (it may be long): GET /v1/sources/{id}/text serves it.
    text: ValidText | None = Field(
        default=None,
        min_length=1,
        sa_type=Text,
        description="The source's full text, which quotes are checked against; null when "
        "not kept. Served by GET /v1/sources/{id}/text, not in lists.",
    )
    text_sha256: TextDigest | None = Field(
        default=None,
        sa_type=String(64),
        description="SHA-256 of the text's UTF-8 bytes, in lowercase hex: derived from `text` "
        "when it is kept, or given alone for a text whose licence forbids keeping it.",
    )

    file_sha256: FileDigest | None = Field(
        default=None,
        foreign_key="stored_file.sha256",
        sa_type=String(64),
        description="SHA-256 of the statistical table the source keeps (CSV or SDMX-CSV), in "
        "lowercase hex; null when it keeps none. GET /v1/sources/{id}/file serves it; a "
        "figure read from it names its cell.",
    )
    file_name: FileName | None = Field(
        default=None,
        max_length=200,
        description="The table's file name as its publisher served it (a download's name).",
    )

    @model_validator(mode="after")
    def _digest_matches_text(self) -> "SourceBase":
        if self.text is not None:
            digest = text_digest(self.text)
            if self.text_sha256 not in (None, digest):
                raise ValueError(f"text_sha256 is not the SHA-256 of text, which is {digest}")
            self.text_sha256 = digest
        if (self.file_sha256 is None) != (self.file_name is None):
            raise ValueError("file_sha256 and file_name go together: a kept table has both")
        check_marks(self.inferred, INFERABLE, lambda name: getattr(self, name) is not None)
        return self


class SourceState(RevisedState, SourceBase):
    """A source as stored, now or at one revision."""


class SourcePublic(SourceState):
    """A source as served: its id, its state, and a description for citations."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=lambda schema: document_as_served(schema, SERVED_FIELDS, SOURCE_EXAMPLE),
    )

    id: int = Field(description="Stable: it names this source for good.")
    has_text: bool = Field(description="Whether the text is kept: GET /v1/sources/{id}/text.")
    description: str = Field(description="Title, publisher and date in one phrase, for citations.")


# The values whose marks say stated or inferred (`inferred`), each as a citation names it.
INFERABLE = {
    **{"title": "title", "publisher": "publisher", "published_on": "date"},
    **{"type": "type", "url": "URL"},
}
PLACEMENT = {"id": None, "description": "notes", "has_text": "text"}
# Served everywhere but the text itself, which only GET /v1/sources/{id}/text serves.
SERVED_FIELDS = [name for name in served_order(SourcePublic, PLACEMENT) if name != "text"]
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
    "inferred": {"title": "A description: the report calls it only 'a BBC probe'."},
    "notes": (
        "Known only through source 1, which calls it 'a BBC probe this week' and gives "
        "neither its title nor its date; the title is a description."
    ),
    "description": "[BBC investigation into North Korean workers in Russia] (BBC, date not given)",
    "has_text": False,
    "text_sha256": None,
    "file_sha256": None,
    "file_name": None,
    "revision": 2,
    "updated_at": "2026-11-26T12:00:00Z",
}
