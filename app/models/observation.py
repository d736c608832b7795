from datetime import date

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel


class Observation(SQLModel, table=True):
    """One sourced figure: a value of a metric between two countries over a period."""

    __table_args__ = (
        CheckConstraint(
            "qualifier IN ('exact', 'approximate', 'at_least', 'at_most', 'range')",
            name="qualifier",
        ),
        CheckConstraint("basis IN ('official', 'estimate', 'projection')", name="basis"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name="period_order",
        ),
        Index(
            "ix_observation_pair_metric_period",
            *("origin", "destination", "metric", "period_start", "id"),
        ),
        Index("ix_observation_metric_period", "metric", "period_start", "id"),
        Index("ix_observation_period_start", "period_start", "id"),
        Index("ix_observation_period_end", "period_end", "id"),
        Index("ix_observation_reported_on", "reported_on", "id"),
        Index("ix_observation_value", "value", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    metric: str = Field(foreign_key="metric.code", max_length=64)
    origin: str = Field(max_length=3)
    destination: str = Field(max_length=3)
    region: str | None = Field(default=None, max_length=6, index=True)
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
    source_id: int = Field(foreign_key="source.id", index=True)
    reported_on: str | None = Field(default=None, max_length=10)
    quote: str = Field(sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)
    part_of: int | None = Field(default=None, foreign_key="observation.id", index=True)


class ObservationDimension(SQLModel, table=True):
    """One breakdown of an observation, as a row, so dimension filters can use an index."""

    __tablename__ = "observation_dimension"
    __table_args__ = (Index("ix_observation_dimension_lookup", "name", "value", "observation_id"),)

    observation_id: int = Field(foreign_key="observation.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
