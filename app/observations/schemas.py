import math
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from app.fields import CountryCode, PartialDate, SubdivisionCode, subdivision_country
from app.formats import plain_number
from app.sources.schemas import SOURCE_EXAMPLE, SourcePublic

NO_PERIOD_LABEL = "no period given"


class Qualifier(StrEnum):
    exact = "exact"
    approximate = "approximate"
    at_least = "at_least"
    at_most = "at_most"
    range = "range"


class Basis(StrEnum):
    official = "official"
    estimate = "estimate"
    projection = "projection"


# Served as people write figures: 10000, not 10000.0.
Figure = Annotated[float, PlainSerializer(plain_number, return_type=float | int, when_used="json")]


def period_label_for(start: date | None, end: date | None) -> str:
    """A readable label for a period: '2024', '2024-06', 'since 2022-01-01', '…/…'."""
    if start is None:
        return NO_PERIOD_LABEL
    if end is None:
        return f"since {start}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if (
        start.day == 1
        and (end + timedelta(days=1)).day == 1
        and start.strftime("%Y-%m") == end.strftime("%Y-%m")
    ):
        return start.strftime("%Y-%m")
    return f"{start}/{end}"


class ObservationData(BaseModel):
    """A new observation: the body of POST /v1/observations, with the read API's names."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, max_length=64)
    origin: CountryCode
    destination: CountryCode
    region: SubdivisionCode | None = None
    dimensions: dict[str, Annotated[str, Field(min_length=1, max_length=200)]] = {}
    period_start: date | None = None
    period_end: date | None = None
    period_label: str | None = Field(default=None, min_length=1, max_length=100)
    value: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    qualifier: Qualifier
    basis: Basis
    attributed_to: str = Field(min_length=1, max_length=500)
    source_id: int = Field(ge=1)
    reported_on: PartialDate | None = None
    quote: str = Field(min_length=1)
    notes: str | None = None
    part_of: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def check_figure_and_period(self) -> Self:
        for name in ("value", "lower_bound", "upper_bound"):
            number = getattr(self, name)
            if number is not None and not math.isfinite(number):
                raise ValueError(f"{name} must be a finite number")
        self._check_bounds()
        if self.period_end and not self.period_start:
            raise ValueError(
                "period_end needs a period_start: a period starts somewhere (give the "
                "earliest start the source supports, and say so in notes)"
            )
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError(
                f"period_start {self.period_start} is after period_end {self.period_end}"
            )
        if self.period_label is None:
            self.period_label = period_label_for(self.period_start, self.period_end)
        if self.region and subdivision_country(self.region) != self.destination:
            raise ValueError(
                f"region {self.region} is not in the destination {self.destination}; "
                "a region names where in the destination the figure applies"
            )
        return self

    def _check_bounds(self) -> None:
        value, low, high = self.value, self.lower_bound, self.upper_bound
        match self.qualifier:
            case Qualifier.range:
                if low is None or high is None:
                    raise ValueError("a range needs both lower_bound and upper_bound")
            case Qualifier.at_least:
                if value is None or high is not None or low not in (None, value):
                    raise ValueError(
                        "at_least needs value (the stated minimum), no upper_bound, and "
                        "lower_bound empty or equal to value"
                    )
                self.lower_bound = value
            case Qualifier.at_most:
                if value is None or low is not None or high not in (None, value):
                    raise ValueError(
                        "at_most needs value (the stated maximum), no lower_bound, and "
                        "upper_bound empty or equal to value"
                    )
                self.upper_bound = value
            case _:
                if value is None:
                    raise ValueError(f"{self.qualifier.value} needs a value")
        low, high = self.lower_bound, self.upper_bound
        if low is not None and high is not None and low > high:
            raise ValueError(f"lower_bound {low:g} is above upper_bound {high:g}")
        if value is not None and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            raise ValueError(f"value {value:g} lies outside its bounds")


class ObservationIn(ObservationData):
    """An observation as written in an import file: an `id` names the one to update, and a
    `revision` must be the current one, so an import cannot undo an edit made since."""

    id: int | None = Field(default=None, ge=1)
    revision: int | None = Field(default=None, ge=1)


# Fields an edit may change (everything a client writes).
EDITABLE_FIELDS = list(ObservationData.model_fields)


class ObservationUpdate(BaseModel):
    """PATCH body: the fields to change, why, and (without If-Match) the revision replaced."""

    reason: str = Field(min_length=1, max_length=2000, description="Why: shown in the history.")
    revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision this edit replaces, for clients that cannot send If-Match.",
    )
    metric: str | None = None
    origin: CountryCode | None = None
    destination: CountryCode | None = None
    region: SubdivisionCode | None = None
    dimensions: dict[str, str] | None = None
    period_start: date | None = None
    period_end: date | None = None
    period_label: str | None = None
    value: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    qualifier: Qualifier | None = None
    basis: Basis | None = None
    attributed_to: str | None = None
    source_id: int | None = None
    reported_on: PartialDate | None = None
    quote: str | None = None
    notes: str | None = None
    part_of: int | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "The BBC's own article gives 'more than 10,000'.",
                    "revision": 1,
                    "notes": "Checked against the BBC's article.",
                }
            ]
        },
    )

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent (an explicit null clears a field)."""
        return self.model_dump(include=self.model_fields_set & set(EDITABLE_FIELDS))


class Retraction(BaseModel):
    """POST /v1/observations/{id}/retract body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The source withdrew this figure.", "revision": 2}]
        },
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why it is retracted.")
    revision: int | None = Field(
        default=None, ge=1, description="The revision retracted, if If-Match is not sent."
    )


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
    "qualifier": "at_least",
    "basis": "estimate",
    "attributed_to": "South Korean intelligence official",
    "source_id": 2,
    "reported_on": None,
    "quote": (
        "However, a South Korean intelligence official told the BBC that over 10,000 North "
        "Korean laborers flowed into Russia just last year."
    ),
    "notes": (
        "'Over 10,000' is recorded as at least 10,000. The article is undated; 'last year' is "
        "read as 2024, the year it gives for the Russian estimate of entries."
    ),
    "citation": (
        'South Korean intelligence official, in "BBC investigation into North Korean workers '
        'in Russia" (BBC, date not given), as relayed by "News report: North Korean laborers '
        'sent to work in Russia" (publisher not named, date not given).'
    ),
    "part_of": None,
    "revision": 1,
    "updated_at": "2026-11-26T12:00:00Z",
    "retracted": False,
    "retracted_at": None,
    "retraction_reason": None,
}


class ObservationPublic(BaseModel):
    id: int
    metric: str = Field(description="The metric's code; GET /v1/metrics/{code} defines it.")
    unit: str = Field(description="The metric's unit.")
    origin: str = Field(description="ISO 3166-1 alpha-3 code of the country of origin.")
    destination: str = Field(description="ISO 3166-1 alpha-3 code of the destination.")
    region: str | None = Field(description="ISO 3166-2 code of a region of the destination.")
    dimensions: dict[str, str] = Field(
        description='Breakdowns, e.g. {"visa_type": "student"}; {} for a total.'
    )
    period_start: date | None = Field(description="First day of the period; null if none given.")
    period_end: date | None = Field(
        description="Last day of the period; null if open-ended or none given."
    )
    period_label: str = Field(description="The period as a person would say it: '2024'.")
    value: Figure | None = Field(description="The figure; null for a range given only by bounds.")
    lower_bound: Figure | None
    upper_bound: Figure | None
    qualifier: Qualifier = Field(
        description="How the source states the figure: exact (no hedge), approximate "
        "('around'), at_least ('over'), at_most ('up to'), range ('100-200')."
    )
    basis: Basis = Field(description="official, estimate or projection.")
    attributed_to: str = Field(description="Who made the claim.")
    source_id: int = Field(description="The source it was published in; see GET /v1/sources.")
    reported_on: str | None = Field(
        description="When the claim was made, as precisely as known (2025, 2025-06...)."
    )
    quote: str = Field(description="The verbatim sentence the figure comes from.")
    notes: str | None = Field(description="How the figure was read from the source.")
    citation: str = Field(description="A sentence to paste: who, in which source, when.")
    part_of: int | None = Field(description="The id of the total this is a breakdown of.")
    revision: int = Field(description="1 when created; each edit or retraction adds one.")
    updated_at: datetime | None = Field(description="When this revision was recorded (UTC).")
    retracted: bool = Field(description="Withdrawn: kept and reachable, but out of lists.")
    retracted_at: datetime | None
    retraction_reason: str | None

    model_config = ConfigDict(json_schema_extra={"examples": [OBSERVATION_EXAMPLE]})


class ObservationDetail(ObservationPublic):
    source: SourcePublic = Field(description="The source, embedded.")
    relay_chain: list[SourcePublic] = Field(
        description="The sources the source was relayed through, nearest first."
    )
    parts: list[int] = Field(description="Ids of the breakdowns that are part of this figure.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **OBSERVATION_EXAMPLE,
                    "source": SOURCE_EXAMPLE,
                    "relay_chain": [],
                    "parts": [],
                }
            ]
        }
    )


class RevisionPublic(BaseModel):
    revision: int
    action: str = Field(description="create, edit or retract.")
    recorded_at: datetime = Field(description="When (UTC).")
    recorded_by: str = Field(description="The name of the token that made the change.")
    reason: str | None = Field(description="Why, as the editor gave it.")
    observation: ObservationPublic = Field(description="The observation as of this revision.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "revision": 1,
                    "action": "create",
                    "recorded_at": "2026-11-26T12:00:00Z",
                    "recorded_by": "seed",
                    "reason": None,
                    "observation": OBSERVATION_EXAMPLE,
                }
            ]
        }
    )
