"""A draft observation's fields, declared once: what reading a source's text proposed
(`DraftProposal`), what is stored with it (`DraftState`), and what an editor decided. A
draft is no observation: no read of figures shows one; an editor accepts it (it becomes an
observation through the ordinary write path) or rejects it, with a reason."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import MAX_ID, IdColumn
from app.domain.columns import Dimensions, UTCDateTime
from app.domain.figures import Basis, Figure, Qualifier, one_of_words


class DraftStatus(StrEnum):
    proposed = "proposed"  # waiting for an editor
    accepted = "accepted"  # it became an observation (`observation_id`)
    rejected = "rejected"  # an editor said why (`reason`)


class DraftProposal(SQLModel):
    """A figure as a sentence of the source's text states it, read by `app.reading`."""

    source_id: int = Field(
        foreign_key="source.id",
        sa_type=IdColumn,
        ge=1,
        le=MAX_ID,
        description="The source whose text it was read from.",
    )
    quote: str = Field(sa_type=Text, description="The whole sentence, as the text has it.")
    quote_start: int = Field(description="Where the quote starts in the source's text.")
    quote_end: int = Field(description="Where it ends (exclusive).")
    span: str = Field(sa_type=Text, description="The figure's own words, with its hedge.")
    span_start: int = Field(description="Where the figure's words start in the text.")
    span_end: int = Field(description="Where they end (exclusive).")
    metric: str = Field(
        max_length=64,
        description="A metric of the catalog, or a new code proposed (`metric_is_new`).",
    )
    metric_is_new: bool = Field(
        description="No metric of the catalog counts this: the code is a proposal, to create "
        "(POST /v1/metrics) or to replace before accepting."
    )
    unit: str = Field(max_length=16, description="persons, percent, money, days, hours...")
    currency: str | None = Field(default=None, max_length=3, description="ISO 4217, for money.")
    origin: str | None = Field(
        default=None, max_length=3, description="ISO 3166-1 alpha-3; null when not read."
    )
    destination: str | None = Field(
        default=None, max_length=3, description="ISO 3166-1 alpha-3; null when not read."
    )
    period_start: date | None = Field(
        default=None, description="Null when the text neither states nor resolves it."
    )
    period_end: date | None = Field(default=None)
    value: Figure | None = Field(default=None, description="Null for a range.")
    lower_bound: Figure | None = Field(default=None)
    upper_bound: Figure | None = Field(default=None)
    qualifier: Qualifier = Field(sa_type=String(16), description=f"{one_of_words(Qualifier)}.")
    basis: Basis = Field(sa_type=String(16), description=f"{one_of_words(Basis)}.")
    attributed_to: str | None = Field(
        default=None, sa_type=Text, description="Who the text says gave the figure."
    )
    relayed_through: str | None = Field(
        default=None, sa_type=Text, description="The outlet it was told to or reported by."
    )
    what: str | None = Field(default=None, sa_type=Text, description="What it counts.")
    inferred: dict[str, str] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        description="Each value the sentence does not state in so many words, and why it was "
        "read so; carried to the observation an editor accepts.",
    )
    explanation: dict[str, str] = Field(
        default_factory=dict,
        sa_type=Dimensions,
        description="Which words made each reading: the qualifier, the basis, the period...",
    )


class DraftState(DraftProposal):
    """A draft as stored: the proposal, who asked for it, and what an editor decided."""

    status: DraftStatus = Field(
        default=DraftStatus.proposed,
        sa_type=String(16),
        description="proposed, accepted or rejected.",
    )
    asked_by: str = Field(max_length=200, description="The token that asked for the drafts.")
    created_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(
        default=None, sa_type=Text, description="Why it was rejected, or accepted with changes."
    )
    observation_id: int | None = Field(
        default=None,
        foreign_key="observation.id",
        sa_type=IdColumn,
        description="The observation it became, once accepted.",
    )


# The seed article's 'over 10,000', as drafting it proposes it.
DRAFT_EXAMPLE = {
    "id": 1,
    "source_id": 1,
    "quote": "However, a South Korean intelligence official told the BBC that over 10,000 North "
    "Korean laborers flowed into Russia just last year.",
    "quote_start": 1920,
    "quote_end": 2052,
    "span": "over 10,000",
    "span_start": 1984,
    "span_end": 1995,
    "metric": "workers_entered",
    "metric_is_new": False,
    "unit": "persons",
    "currency": None,
    "origin": "PRK",
    "destination": "RUS",
    "period_start": None,
    "period_end": None,
    "value": 10000,
    "lower_bound": None,
    "upper_bound": None,
    "qualifier": "at_least",
    "basis": "estimate",
    "attributed_to": "South Korean intelligence official",
    "relayed_through": "BBC",
    "what": "North Korean laborers",
    "inferred": {"origin": "read from the demonym 'North Korean'"},
    "explanation": {
        "attributed_to": "'a South Korean intelligence official told'",
        "basis": "no public body or statistic named: an estimate",
        "metric": "shares 'labor' with workers_entered's definition",
        "period": "'just last year' resolves to no dates: left open",
        "qualifier": "'over' before the figure",
    },
    "same_as": None,
    "status": "proposed",
    "asked_by": "newsdesk",
    "created_at": "2026-12-07T15:04:55Z",
    "decided_by": None,
    "decided_at": None,
    "reason": None,
    "observation_id": None,
}


class DraftPublic(DraftState):
    """A draft as served."""

    model_config = ConfigDict(json_schema_extra={"examples": [DRAFT_EXAMPLE]})

    id: int
    same_as: int | None = Field(
        default=None,
        description="A stored observation with the draft's natural key, as of this read: "
        "accepting the draft would add the same figure again. Null when none is, or when the "
        "draft lacks part of its key (a country, who gave it, a metric of the catalog).",
    )
