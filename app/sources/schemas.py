"""The source models the API reads and writes, derived from app.domain.source."""

from pydantic import ConfigDict, Field

from app.domain.bounds import MAX_ID
from app.domain.edits import Edit, edit_model
from app.domain.revisions import REVISION_EXAMPLE, RevisionEntry
from app.domain.shapes import document_as_served
from app.domain.source import SERVED_FIELDS, SOURCE_EXAMPLE, SourceBase, SourcePublic


class SourceCreate(SourceBase):
    """A new source: the body of POST /v1/sources."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                # Illustrative, not a source of the data (example.org).
                {
                    "title": "Annual report on foreign workers (example)",
                    "publisher": "Example Ministry of Labour",
                    "url": "https://example.org/reports/foreign-workers-2025",
                    "published_on": "2025-06",
                    "type": "government_statistics",
                }
            ]
        },
    )


class SourceImport(SourceCreate):
    """A source as written in an import file: an `id` names the one to revise, and a
    `revision` must be the current one."""

    id: int | None = Field(default=None, ge=1, le=MAX_ID)
    revision: int | None = Field(default=None, ge=1, le=MAX_ID)


class _SourceEdit(Edit):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reason": "The BBC article's date is now known.", "published_on": "2025-06-17"}
            ]
        }
    )


# Every field a client writes, each optional: the declaration's fields, not a copy of them.
SourceUpdate = edit_model("SourceUpdate", SourceCreate, base=_SourceEdit)


class SourceListed(SourcePublic):
    """A source as its list serves it: with how many figures cite it."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: document_as_served(
            schema,
            [*SERVED_FIELDS, "observation_count"],
            {**SOURCE_EXAMPLE, "observation_count": 4},
        )
    )

    observation_count: int = Field(
        description="Observations that cite this source directly (not through a source that "
        "relays it), counted as lists serve them: retracted ones are left out."
    )


class SourceDetail(SourceListed):
    model_config = ConfigDict(
        json_schema_extra=lambda schema: document_as_served(
            schema,
            [*SERVED_FIELDS, "relay_chain", "observation_count"],
            {**SOURCE_EXAMPLE, "relay_chain": [], "observation_count": 4},
        )
    )

    relay_chain: list[SourcePublic] = Field(
        description="The sources this one was relayed through, nearest first."
    )


class SourceRevisionPublic(RevisionEntry):
    source: SourcePublic = Field(description="The source as of this revision.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**REVISION_EXAMPLE, "source": SOURCE_EXAMPLE}]}
    )
