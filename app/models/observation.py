"""Observation tables: the fields come from app.domain.observation; these add ids, the
revision bookkeeping, checks and the indexes every documented filter reads through."""

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from app.domain.bounds import IdColumn
from app.domain.figures import Basis, Qualifier
from app.domain.observation import FACETED, ObservationState
from app.models.base import one_of
from app.models.revisions import RevisionColumns, revision_table_args
from app.models.search import search_index

# An import's rows are matched to stored ones by this index (app.observations.natural_keys).
NATURAL_KEY_INDEX = "ix_observation_natural_key"
_LIVE = {
    "sqlite_where": text("retracted_at IS NULL"),
    "postgresql_where": text("retracted_at IS NULL"),
}


def _checks() -> tuple[CheckConstraint, ...]:
    return (
        one_of("qualifier", Qualifier),
        one_of("basis", Basis),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name="period_order",
        ),
        CheckConstraint("period_end IS NULL OR period_start IS NOT NULL", name="period_start"),
        # A figure's evidence: the sentence it comes from, or its table's cell, or both.
        CheckConstraint("quote IS NOT NULL OR cell IS NOT NULL", name="evidence"),
    )


class Observation(ObservationState, table=True):
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
        # Narrows an import row's natural key to a row or two, whether the rows share their
        # claim, metric and period (an official table) or their pair (a news report).
        Index(
            NATURAL_KEY_INDEX,
            *("source_id", "attributed_to", "metric", "period_start", "origin", "destination"),
        ),
        # Sorts, and series (a pair's metric in period order).
        Index(
            "ix_observation_pair_metric_period",
            *("origin", "destination", "metric", "period_start", "id"),
        ),
        Index("ix_observation_period_start", "period_start", "id"),
        Index("ix_observation_period_end", "period_end", "id"),
        Index("ix_observation_reported_on", "reported_on", "id"),
        Index("ix_observation_value", "value", "id"),
        # Facets over the live figures (`facet=origin`, no other filter): a scan of a small
        # index in its own order, instead of every row.
        *(Index(f"ix_observation_live_{column}", column, **_LIVE) for column in FACETED),
        # PostgreSQL's full-text index, declared so that bulk loads drop and build it again
        # with the others (see app/models/search.py).
        search_index(),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class ObservationRevision(RevisionColumns, ObservationState, table=True):
    """An observation as it was from `recorded_at` until `superseded_at` (null: still is)."""

    __tablename__ = "observation_revision"
    __table_args__ = (*_checks(), *revision_table_args("observation"))


class ObservationDimension(SQLModel, table=True):
    """One breakdown of an observation, as a row, so dimension filters can use an index."""

    __tablename__ = "observation_dimension"
    __table_args__ = (Index("ix_observation_dimension_lookup", "name", "value", "observation_id"),)

    observation_id: int = Field(foreign_key="observation.id", primary_key=True, sa_type=IdColumn)
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
