"""The metric table: the fields come from app.domain.metric."""

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.metric import MetricBase, MetricKind
from app.domain.revisions import RevisionEntry
from app.models.base import one_of


class Metric(MetricBase, table=True):
    """What a figure counts: `workers_entered`, `entries`, `monthly_pay_usd`..."""

    __table_args__ = (one_of("kind", MetricKind),)


class MetricRevision(RevisionEntry, table=True):
    """Each state a metric was given, with who, when and why: a metric is a catalog entry
    changed in place, and its revisions are kept here for the change feed."""

    __tablename__ = "metric_revision"
    __table_args__ = (
        UniqueConstraint("code", "revision"),
        Index("ix_metric_revision_change", "change_version", "id", "revision"),
        Index("ix_metric_revision_recorded_at", "recorded_at"),
    )

    # The revision's own number, in the order they were written: the feed's order within
    # a data version.
    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
    code: str = Field(max_length=64, foreign_key="metric.code")
    state: dict[str, Any] = Field(sa_type=JSON, description="The metric as it was written.")
    # The data version of the transaction that wrote it (the change feed's order).
    change_version: int = Field(default=0, sa_type=BigInteger)
