"""The observation models the API reads and writes, derived from the one declaration in
app.domain.observation: a create body with its rules, an import row, an update body whose
fields are all optional, and the detail of one observation."""

import math
from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.bounds import MAX_ID
from app.domain.codes import subdivision_country
from app.domain.dates import period_label_for
from app.domain.edits import Edit, edit_model
from app.domain.figures import Qualifier
from app.domain.inferences import check_marks
from app.domain.observation import (
    INFERABLE,
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
from app.observations.search import SearchMatch


class ObservationCreate(ObservationBase):
    """A new observation: the body of POST /v1/observations, with the read API's names."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def check_figure_and_period(self) -> Self:
        for name, value in figure_and_period_rules(dict(self)).items():
            setattr(self, name, value)
        return self


def figure_and_period_rules(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rules across an observation's fields, on its checked values (a ValueError says
    which one is broken); returns the values they derive: the bound a stated minimum or
    maximum implies, and the period label when none is given. The model above applies them
    to one body; an import applies them to a batch of rows without building a model each."""
    for name in ("value", "lower_bound", "upper_bound"):
        number = values[name]
        if number is not None and not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number")
    derived = _bounds(
        values["qualifier"], values["value"], values["lower_bound"], values["upper_bound"]
    )
    start, end = values["period_start"], values["period_end"]
    if end and not start:
        raise ValueError(
            "period_end needs a period_start: a period starts somewhere (give the "
            "earliest start the source supports, and say so in notes)"
        )
    if start and end and start > end:
        raise ValueError(f"period_start {start} is after period_end {end}")
    if values["period_label"] is None:
        derived["period_label"] = period_label_for(start, end)
    region, destination = values["region"], values["destination"]
    if region and subdivision_country(region) != destination:
        raise ValueError(
            f"region {region} is not in the destination {destination}; "
            "a region names where in the destination the figure applies"
        )
    check_marks(
        values["inferred"],
        {*INFERABLE, *values["dimensions"]},
        lambda name: _has_value(values, name),
    )
    return derived


def _has_value(values: Mapping[str, Any], name: str) -> bool:
    """Whether an observation holds the value a mark names (a breakdown's, by its name)."""
    if name == "period":
        return values["period_start"] is not None
    if name == "value":
        return any(values[bound] is not None for bound in ("value", "lower_bound", "upper_bound"))
    if name == "unit":
        return True
    return values[name] is not None if name in INFERABLE else name in values["dimensions"]


def _bounds(
    qualifier: Qualifier, value: float | None, low: float | None, high: float | None
) -> dict[str, float]:
    """Check a figure against its qualifier; a stated minimum (or maximum) is its bound."""
    derived: dict[str, float] = {}
    match qualifier:
        case Qualifier.range:
            if low is None or high is None:
                raise ValueError("a range needs both lower_bound and upper_bound")
        case Qualifier.at_least:
            if value is None or high is not None or low not in (None, value):
                raise ValueError(
                    f"{Qualifier.at_least} needs value (the stated minimum), no upper_bound, and "
                    "lower_bound empty or equal to value"
                )
            derived["lower_bound"] = low = value
        case Qualifier.at_most:
            if value is None or low is not None or high not in (None, value):
                raise ValueError(
                    f"{Qualifier.at_most} needs value (the stated maximum), no lower_bound, and "
                    "upper_bound empty or equal to value"
                )
            derived["upper_bound"] = high = value
        case _:
            if value is None:
                raise ValueError(f"{qualifier.value} needs a value")
    if low is not None and high is not None and low > high:
        raise ValueError(f"lower_bound {low:g} is above upper_bound {high:g}")
    if value is not None and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        raise ValueError(f"value {value:g} lies outside its bounds")
    return derived


class ObservationImport(ObservationCreate):
    """An observation as written in an import file: an `id` names the one to update, and a
    `revision` must be the current one, so an import cannot undo an edit made since."""

    id: int | None = Field(default=None, ge=1, le=MAX_ID)
    revision: int | None = Field(default=None, ge=1, le=MAX_ID)


class _ObservationEdit(Edit):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "The BBC's own article gives 'more than 10,000'.",
                    "revision": 1,
                    "notes": "Checked against the BBC's article.",
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
