from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


def _checks() -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint(
            "qualifier IN ('exact', 'approximate', 'at_least', 'at_most', 'range')",
            name="qualifier",
        ),
        CheckConstraint("basis IN ('official', 'estimate', 'projection')", name="basis"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name="period_order",
        ),
        CheckConstraint("period_end IS NULL OR period_start IS NOT NULL", name="period_start"),
    )


class ObservationFields(SQLModel):
    """What an observation holds, now (Observation) or at one revision (ObservationRevision)."""

    metric: str = Field(foreign_key="metric.code", max_length=64)
    origin: str = Field(max_length=3)
    destination: str = Field(max_length=3)
    region: str | None = Field(default=None, max_length=6)
    # Breakdowns as canonical JSON (sorted keys, no spaces), "{}" for a total, so that
    # equal breakdowns compare equal in SQL on every database.
    dimensions: str = Field(default="{}", sa_type=Text)
    period_start: date | None = None
    period_end: date | None = None
    period_label: str = Field(max_length=100)
    value: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    qualifier: str = Field(max_length=16)
    basis: str = Field(max_length=16)
    attributed_to: str = Field(max_length=500)
    source_id: int = Field(foreign_key="source.id")
    reported_on: str | None = Field(default=None, max_length=10)
    quote: str = Field(sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)
    part_of: int | None = Field(default=None, foreign_key="observation.id")
    # Starts at 1; every edit or retraction adds one. Clients name it to edit (If-Match).
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    retracted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retraction_reason: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Observation(ObservationFields, table=True):
    """One sourced figure as it stands now; its past is in ObservationRevision."""

    __table_args__ = (
        *_checks(),
        # Each documented filter leads an index that ends in id, so a filtered page in id
        # order (and its keyset cursor) reads only the rows it returns.
        Index("ix_observation_metric_id", "metric", "id"),
        Index("ix_observation_pair_metric_id", "origin", "destination", "metric", "id"),
        Index("ix_observation_origin_id", "origin", "id"),
        Index("ix_observation_destination_id", "destination", "id"),
        Index("ix_observation_region_id", "region", "id"),
        Index("ix_observation_source_id_id", "source_id", "id"),
        Index("ix_observation_basis_id", "basis", "id"),
        Index("ix_observation_qualifier_id", "qualifier", "id"),
        Index("ix_observation_part_of", "part_of"),
        # What makes a row without an id "the same observation" on import.
        Index("ix_observation_natural_key", "source_id", "attributed_to", "metric", "period_start"),
        # Sorts, and series (a pair's metric in period order).
        Index(
            "ix_observation_pair_metric_period",
            *("origin", "destination", "metric", "period_start", "id"),
        ),
        Index("ix_observation_period_start", "period_start", "id"),
        Index("ix_observation_period_end", "period_end", "id"),
        Index("ix_observation_reported_on", "reported_on", "id"),
        Index("ix_observation_value", "value", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)


class ObservationRevision(ObservationFields, table=True):
    """An observation as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "observation_revision"
    __table_args__ = (
        *_checks(),
        Index("ix_observation_revision_recorded_at", "recorded_at"),
    )

    id: int = Field(foreign_key="observation.id", primary_key=True)
    revision: int = Field(primary_key=True)
    action: str = Field(max_length=16)  # create, edit, retract
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)  # the token's name, or "cli"
    reason: str | None = Field(default=None, sa_type=Text)


class ObservationDimension(SQLModel, table=True):
    """One breakdown of an observation, as a row, so dimension filters can use an index."""

    __tablename__ = "observation_dimension"
    __table_args__ = (Index("ix_observation_dimension_lookup", "name", "value", "observation_id"),)

    observation_id: int = Field(foreign_key="observation.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
