"""The observation models the API reads and writes, derived from the one declaration in
app.domain.observation: a create body with its rules, an import row, an update body whose
fields are all optional, and the detail of one observation."""

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.bounds import MAX_ID
from app.domain.edits import Edit, edit_model
from app.domain.lists import ListMeta, ListResponse
from app.domain.observation import (
    OBSERVATION_EXAMPLE,
    SERVED_FIELDS,
    ObservationBase,
    ObservationPublic,
)
from app.domain.revisions import REVISION_EXAMPLE, RevisionEntry
from app.domain.shapes import document_as_served
from app.domain.source import SOURCE_EXAMPLE, SourcePublic
from app.observations.citations import EXAMPLE, CitationFormat, formatted
from app.observations.facets import MAX_FACET_VALUES
from app.observations.matching import ELLIPSIS, SNIPPET_LENGTH
from app.observations.rules import figure_and_period_rules
from app.observations.search import FIELDS


class ObservationCreate(ObservationBase):
    """A new observation: the body of POST /v1/observations, with the read API's names."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def check_figure_and_period(self) -> Self:
        for name, value in figure_and_period_rules(dict(self)).items():
            setattr(self, name, value)
        return self


class ObservationImport(ObservationCreate):
    """An observation as written in an import file: an `id` names the one to update, and a
    `revision` must be the current one, so an import cannot undo an edit made since."""

    id: int | None = Field(default=None, ge=1, le=MAX_ID)
    revision: int | None = Field(default=None, ge=1, le=MAX_ID)


class _ObservationEdit(Edit):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                # The seed's own correction of observation 1 (seed/corrections.jsonl).
                {
                    "reason": "The notes quoted 'Over 10,000', which the report writes 'over "
                    "10,000'; and the reason for the period spoke of an estimate of entries, "
                    "where the estimates count North Koreans who entered.",
                    "revision": 2,
                    "notes": "'over 10,000' is recorded as at least 10,000.",
                }
            ]
        }
    )


# Every field a client writes, each optional: the declaration's fields, not a copy of them.
ObservationUpdate = edit_model("ObservationUpdate", ObservationCreate, base=_ObservationEdit)


class ObservationDetail(ObservationPublic):
    model_config = ConfigDict(
        json_schema_extra=lambda schema: document_as_served(
            schema,
            [*SERVED_FIELDS, "source", "relay_chain", "parts"],
            {**OBSERVATION_EXAMPLE, "source": SOURCE_EXAMPLE, "relay_chain": [], "parts": []},
        )
    )

    source: SourcePublic = Field(description="The source, embedded.")
    relay_chain: list[SourcePublic] = Field(
        description="The sources the source was relayed through, nearest first."
    )
    parts: list[int] = Field(description="Ids of the breakdowns that are part of this figure.")


def _listed_schema(schema: dict[str, Any]) -> None:
    document_as_served(schema, [*SERVED_FIELDS, "match"], OBSERVATION_EXAMPLE)
    schema["required"] = [name for name in schema.get("required", []) if name != "match"]


class SearchMatch(BaseModel):
    """Where a result matched q: plain text and offsets, never markup."""

    field: Literal[FIELDS] = Field(  # type: ignore[valid-type]
        description="The field most of the words were found in (`source_title`: the title "
        "of the observation's source)."
    )
    snippet: str = Field(
        description=f"That field's text, or up to {SNIPPET_LENGTH} characters of it around "
        f"the first match, cut ends marked with {ELLIPSIS}."
    )
    highlights: list[tuple[int, int]] = Field(
        description="Each matched word in `snippet`, as [start, end) offsets in Unicode "
        "code points: snippet[start:end] is the word."
    )


class ObservationListed(ObservationPublic):
    """An observation in a list: with q, where it matched."""

    model_config = ConfigDict(json_schema_extra=_listed_schema)

    match: SearchMatch | None = Field(
        default=None,
        description="Only with q: the field most of the words were found in, its text and "
        "where each matched word is in it.",
    )


class RevisionPublic(RevisionEntry):
    observation: ObservationPublic = Field(description="The observation as of this revision.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**REVISION_EXAMPLE, "observation": OBSERVATION_EXAMPLE}]}
    )


class ObservationCitations(BaseModel):
    """An observation's citation in every format GET /v1/observations/{id}/citation serves."""

    observation_id: int
    text: str = Field(description="A sentence to paste: `citation`, and a retraction if any.")
    csl: list[dict[str, Any]] = Field(description="CSL-JSON: a list of one item.")
    bibtex: str = Field(description="One BibTeX entry.")
    ris: str = Field(description="One RIS record, its lines ended by CRLF.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [formatted(EXAMPLE, CitationFormat.json)]}
    )


class FacetValue(BaseModel):
    """One value of a facet and how many of the selected observations have it."""

    value: str | int | None = Field(description="The value; null counts those with none.")
    count: int = Field(description="How many observations of the selection have it.")
    href: str | None = Field(
        default=None, description="The list narrowed to this value (null for a null value)."
    )
    title: str | None = Field(default=None, description="The source's title (facet=source).")
    name: str | None = Field(default=None, description="The metric's name (facet=metric).")


class FacetCounts(BaseModel):
    """A facet of `meta.facets`: its values, the most frequent first; or `timed_out`."""

    values: list[FacetValue] | None = Field(
        default=None,
        description=f"At most {MAX_FACET_VALUES} values, by count (descending), then value.",
    )
    distinct: int | None = Field(default=None, description="How many values there are in all.")
    truncated: bool | None = Field(
        default=None, description="More values than `values` lists (see `distinct`)."
    )
    timed_out: bool | None = Field(
        default=None,
        description="True when counting took longer than FACET_TIMEOUT_MS: no values then.",
    )


class ObservationListMeta(ListMeta):
    total: int | None = Field(
        default=None,
        description="With count=true: how many observations the filter selects, on every page.",
    )
    facets: dict[str, FacetCounts] | None = Field(
        default=None, description="With facet=: counts per value for the filter, by facet."
    )


class ObservationList(ListResponse[ObservationListed]):
    """A page of observations; with count=true its total, with facet= its facets."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [OBSERVATION_EXAMPLE],
                    "meta": {
                        "data_version": 12,
                        "returned": 1,
                        "limit": 1,
                        "next_cursor": None,
                        "sort": "id",
                        "total": 1,
                        "facets": {
                            "origin": {
                                "values": [
                                    {
                                        "value": "PRK",
                                        "count": 1,
                                        "href": "/v1/observations?facet=origin&origin=PRK",
                                    }
                                ],
                                "distinct": 1,
                                "truncated": False,
                            }
                        },
                    },
                    "links": {"self": "/v1/observations?facet=origin&limit=1", "next": None},
                }
            ]
        }
    )

    meta: ObservationListMeta
