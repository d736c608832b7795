"""An observation's fields, declared once: what a client writes (ObservationBase), what is
stored (ObservationState adds what the API keeps), and what is served (ObservationPublic
adds the id and what is derived on the way out).

Everything else follows from these classes: the tables (app/models/observation.py), the
create, update and import bodies (app/observations/schemas.py), the CSV columns and JSON
keys in SERVED_FIELDS, the data package's field types, and the serialiser."""

from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import MAX_ID, IdColumn, ValidText
from app.domain.codes import CountryCode, SubdivisionCode
from app.domain.columns import Dimensions
from app.domain.dates import Day, PartialDate
from app.domain.figures import QUALIFIER_WORDS, Basis, Figure, Qualifier, one_of_words
from app.domain.inferences import INFERRED_DESCRIPTION, MarkName, Reason
from app.domain.revisions import RetractableState
from app.domain.shapes import document_as_served, served_order
from app.domain.tables import CELL_DESCRIPTION, Cell

DimensionValue = Annotated[ValidText, StringConstraints(min_length=1, max_length=200)]

# The values whose marks say stated or inferred (`inferred`), each as a citation names it;
# a breakdown may be marked too, by its dimension's name.
INFERABLE = {
    **{"metric": "metric", "origin": "origin", "destination": "destination"},
    **{"region": "region", "period": "period", "value": "figure", "unit": "unit"},
    **{"attributed_to": "claimant", "reported_on": "report date"},
}


class ObservationBase(SQLModel):
    """A sourced figure as a client writes it: the body of POST /v1/observations."""

    metric: ValidText = Field(
        foreign_key="metric.code",
        min_length=1,
        max_length=64,
        description="The metric's code; GET /v1/metrics/{code} defines it.",
    )
    origin: CountryCode = Field(description="ISO 3166-1 alpha-3 code of the country of origin.")
    destination: CountryCode = Field(description="ISO 3166-1 alpha-3 code of the destination.")
    region: SubdivisionCode | None = Field(
        default=None,
        max_length=6,
        description="ISO 3166-2 code of a region of the destination.",
    )
    dimensions: dict[ValidText, DimensionValue] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        description='Breakdowns, e.g. {"visa_type": "student"}; {} for a total.',
    )
    period_start: Day | None = Field(
        default=None, description="First day of the period; null if none given."
    )
    period_end: Day | None = Field(
        default=None, description="Last day of the period; null if open-ended or none given."
    )
    period_label: ValidText | None = Field(
        default=None,
        nullable=False,
        min_length=1,
        max_length=100,
        description="The period as a person would say it: '2024'. Derived from the period "
        "when not given.",
    )
    value: Figure | None = Field(
        default=None, description="The figure; null for a range given only by bounds."
    )
    lower_bound: Figure | None = Field(
        default=None, description="The lowest the figure can be, by the source's words."
    )
    upper_bound: Figure | None = Field(
        default=None, description="The highest the figure can be, by the source's words."
    )
    qualifier: Qualifier = Field(
        sa_type=String(16),
        description="How the source states the figure: "
        + ", ".join(f"{value} ({words})" for value, words in QUALIFIER_WORDS.items())
        + ".",
    )
    basis: Basis = Field(sa_type=String(16), description=f"{one_of_words(Basis)}.")
    attributed_to: ValidText = Field(
        min_length=1, max_length=500, description="Who made the claim."
    )
    source_id: int = Field(
        foreign_key="source.id",
        sa_type=IdColumn,
        ge=1,
        le=MAX_ID,
        description="The source it was published in; see GET /v1/sources.",
    )
    reported_on: PartialDate | None = Field(
        default=None,
        max_length=10,
        description="When the claim was made, as precisely as known (2025, 2025-06...; "
        "--06 or --06-17 when the source gives no year).",
    )
    quote: ValidText | None = Field(
        default=None,
        min_length=1,
        sa_type=Text,
        description="The verbatim sentence the figure comes from; null for a figure read from "
        "a table's cell (see cell).",
    )
    cell: Cell | None = Field(default=None, sa_type=Dimensions, description=CELL_DESCRIPTION)
    notes: ValidText | None = Field(
        default=None, sa_type=Text, description="How the figure was read from the source."
    )
    inferred: dict[MarkName, Reason] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        sa_column_kwargs={"server_default": "{}"},
        description=INFERRED_DESCRIPTION
        + f" Any of {', '.join(INFERABLE)}, or a breakdown's dimension. `stated=` filters "
        "them out.",
        schema_extra={
            "examples": [{"period": "The report says 'last year' and gives no date of its own."}]
        },
    )
    part_of: int | None = Field(
        default=None,
        foreign_key="observation.id",
        sa_type=IdColumn,
        ge=1,
        le=MAX_ID,
        description="The id of the total this is a breakdown of.",
    )


class ObservationState(RetractableState, ObservationBase):
    """An observation as stored, now or at one revision: what was written, and what the API
    keeps about it."""


class ObservationPublic(ObservationState):
    """An observation as served: its id, its state, and what is derived as it is served."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=lambda schema: document_as_served(
            schema, SERVED_FIELDS, OBSERVATION_EXAMPLE
        ),
    )

    id: int = Field(description="Stable: it names this figure for good.")
    unit: str = Field(description="The metric's unit.")
    citation: str = Field(description="A sentence to paste: who, in which source, when.")
    retracted: bool = Field(description="Withdrawn: kept and reachable, but out of lists.")
    quote_start: int | None = Field(
        description="Where the quote starts in the text it is checked against (its source's, "
        "or the nearest relay's that keeps one), in Unicode code points from 0; null when "
        "there is no text."
    )
    quote_end: int | None = Field(
        description="Where the quote ends in that text (exclusive): text[start:end] is the quote."
    )
    quote_url: str | None = Field(
        description="The text at the quote: /v1/sources/{id}/text#char=start,end (RFC 5147)."
    )
    cell_url: str | None = Field(
        description="The table at the cell: /v1/sources/{id}/file#cell=row,column (RFC 7111); "
        "null for a figure with no cell."
    )


# What `quote_url` holds: the text its quote is checked against, at the quote (RFC 5147).
QUOTE_URL = "/v1/sources/{source_id}/text#char={start},{end}"


def quote_url(source_id: int, start: int, end: int) -> str:
    return QUOTE_URL.format(source_id=source_id, start=start, end=end)


# Where the served fields sit among the stored ones: the id first, each derived field
# right after the field it explains.
PLACEMENT = {
    **{"id": None, "unit": "metric", "citation": "notes", "retracted": "updated_at"},
    **{"quote_start": "quote", "quote_end": "quote_start", "quote_url": "quote_end"},
    "cell_url": "cell",
}
# JSON keys in this order; CSV columns too, with `dimensions` spread into one column each.
SERVED_FIELDS = served_order(ObservationPublic, PLACEMENT)
WRITTEN_FIELDS = list(ObservationBase.model_fields)
# Kept or derived by the API: an import file may carry them; they are checked or ignored.
DERIVED_FIELDS = [
    name for name in SERVED_FIELDS if name not in WRITTEN_FIELDS and name not in ("id", "revision")
]
# Without an id, the same figure is the same metric, pair, region, breakdown, period,
# source and claimant: an import row with this key revises the stored one.
NATURAL_KEY = (
    *("metric", "origin", "destination", "region", "dimensions"),
    *("period_start", "period_end", "source_id", "attributed_to"),
)
# The columns `facet=` counts values of (a facet is named without `_id`: `source`); the
# tables index each over the figures not retracted.
FACETED = (
    *("metric", "origin", "destination", "region"),
    *("basis", "qualifier", "source_id"),
)

# The seed's observation 1, as served (a test checks that it still is).
OBSERVATION_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "metric": "workers_entered",
    "unit": "persons",
    "origin": "PRK",
    "destination": "RUS",
    "region": None,
    "dimensions": {},
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "period_label": "2024",
    "value": 10000,
    "lower_bound": 10000,
    "upper_bound": None,
    "qualifier": Qualifier.at_least,
    "basis": Basis.estimate,
    "attributed_to": "South Korean intelligence official",
    "source_id": 2,
    "reported_on": None,
    "quote": (
        "However, a South Korean intelligence official told the BBC that over 10,000 North "
        "Korean laborers flowed into Russia just last year."
    ),
    "quote_start": 1920,
    "quote_end": 2052,
    "quote_url": "/v1/sources/1/text#char=1920,2052",
    "cell": None,
    "cell_url": None,
    "notes": "'over 10,000' is recorded as at least 10,000.",
    "citation": (
        "South Korean intelligence official, in [BBC investigation into North Korean workers "
        "in Russia] (BBC, date not given), as relayed by [News report: North Korean laborers "
        "sent to work in Russia] (publisher not named, date not given). Inferred, not stated: "
        "period 2024 (The report says 'last year' and is undated; 2024 is the year it gives "
        "for the Russian government estimates of North Koreans who 'entered the country in "
        "2024', but it does not say the two are the same year)."
    ),
    "inferred": {
        "period": (
            "The report says 'last year' and is undated; 2024 is the year it gives for the "
            "Russian government estimates of North Koreans who 'entered the country in "
            "2024', but it does not say the two are the same year."
        )
    },
    "part_of": None,
    "revision": 3,
    "updated_at": "2026-11-26T12:00:00Z",
    "retracted": False,
    "retracted_at": None,
    "retraction_reason": None,
}
