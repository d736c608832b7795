"""A context event's fields, declared once: what a client writes (EventBase), what is stored
(EventState), and what is served (EventPublic). An event is something dated that a source
reports (a ban, a law, an agreement), drawn beside the figures on a chart; it is no figure
itself. Tables, bodies, CSV columns and the data package's field types follow from these
classes."""

from typing import Any

from pydantic import ConfigDict, model_validator
from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import MAX_ID, IdColumn, ValidText
from app.domain.codes import CountryCode
from app.domain.columns import Dimensions
from app.domain.dates import DATED_FORM, PartialDateWithYear
from app.domain.inferences import INFERRED_DESCRIPTION, MarkName, Reason, check_marks
from app.domain.revisions import RetractableState
from app.domain.shapes import document_as_served, served_order


class EventBase(SQLModel):
    """A dated event as a client writes it: the body of POST /v1/events."""

    # With a year: an event is drawn on a time line, where '--06' has no place.
    occurred_on: PartialDateWithYear = Field(
        max_length=10,
        description=f"When it happened, as precisely as the source says: {DATED_FORM}.",
    )
    title: ValidText = Field(
        min_length=1, max_length=500, description="What happened, in a few words."
    )
    origin: CountryCode | None = Field(
        default=None,
        max_length=3,
        description="ISO 3166-1 alpha-3 code of the country of origin it concerns; null when "
        "it concerns every origin.",
    )
    destination: CountryCode | None = Field(
        default=None,
        max_length=3,
        description="ISO 3166-1 alpha-3 code of the destination it concerns; null when it "
        "concerns every destination.",
    )
    source_id: int = Field(
        foreign_key="source.id",
        sa_type=IdColumn,
        ge=1,
        le=MAX_ID,
        description="The source that reports it; see GET /v1/sources.",
    )
    quote: ValidText = Field(
        min_length=1,
        sa_type=Text,
        description="The verbatim sentence of the source that reports it, checked against "
        "the source's text (or the nearest relay's that keeps one).",
    )
    notes: ValidText | None = Field(
        default=None, sa_type=Text, description="What is known about it, and what is not."
    )
    inferred: dict[MarkName, Reason] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        sa_column_kwargs={"server_default": "{}"},
        description=INFERRED_DESCRIPTION + " Any of occurred_on, origin, destination.",
        schema_extra={"examples": [{"occurred_on": "The source says 'last year' and is undated."}]},
    )

    @model_validator(mode="after")
    def _marks_name_values(self) -> "EventBase":
        check_marks(self.inferred, INFERABLE, lambda name: getattr(self, name) is not None)
        return self


class EventState(RetractableState, EventBase):
    """An event as stored, now or at one revision."""


class EventPublic(EventState):
    """An event as served: its id, its state, and a citation."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=lambda schema: document_as_served(schema, SERVED_FIELDS, EVENT_EXAMPLE),
    )

    id: int = Field(description="Stable: it names this event for good.")
    citation: str = Field(description="A sentence to paste: what, when, in which source.")
    retracted: bool = Field(description="Withdrawn: kept and reachable, but out of lists.")


# The values whose marks say stated or inferred (`inferred`), each as a citation names it.
INFERABLE = {"occurred_on": "date", "origin": "origin", "destination": "destination"}
PLACEMENT = {"id": None, "citation": "inferred", "retracted": "updated_at"}
SERVED_FIELDS = served_order(EventPublic, PLACEMENT)
WRITTEN_FIELDS = list(EventBase.model_fields)
# Kept or derived by the API: an import file may carry them; they are ignored.
DERIVED_FIELDS = [
    name for name in SERVED_FIELDS if name not in WRITTEN_FIELDS and name not in ("id", "revision")
]

# The seed's event 1, as served (a test checks that it still is).
EVENT_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "occurred_on": "2019",
    "title": "United Nations ban on the use of North Korean workers",
    "origin": "PRK",
    "destination": None,
    "source_id": 1,
    "quote": (
        "North Korea previously sent thousands of workers into Russia each year, earning the "
        "Pyongyang regime millions, before the United Nations banned the use of North Korean "
        "workers in 2019."
    ),
    "notes": (
        "The report gives only the year, 2019: not the month or the day, nor which body of "
        "the United Nations decided it or by which resolution. It names no country where "
        "the ban applies, so no destination is given."
    ),
    "inferred": {},
    "citation": (
        "United Nations ban on the use of North Korean workers, 2019, in [News report: North "
        "Korean laborers sent to work in Russia] (publisher not named, date not given)."
    ),
    "revision": 2,
    "updated_at": "2026-11-26T12:00:00Z",
    "retracted": False,
    "retracted_at": None,
    "retraction_reason": None,
}
