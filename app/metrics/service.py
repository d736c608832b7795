"""Metrics: what each figure counts, and the breakdowns it allows."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.state import claim_change_version
from app.domain.columns import utc_now
from app.domain.metric import WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.revisions import Action
from app.errors import Conflict, NotFound
from app.metrics.schemas import MetricCreate
from app.models import Metric, MetricRevision, Observation

# A table model, or a plain row of the same columns (what the catalog keeps).
MetricRow = Any


@dataclass(frozen=True)
class MetricStats:
    observation_count: int = 0
    first_period_start: date | None = None
    last_period_end: date | None = None


# As metrics.csv has them, with the counts the list serves.
METRIC_CSV_COLUMNS = [*WRITTEN_FIELDS, *MetricStats.__dataclass_fields__]


def metric_document(metric: MetricRow, stats: MetricStats) -> dict[str, Any]:
    return {**{name: getattr(metric, name) for name in WRITTEN_FIELDS}, **asdict(stats)}


def metric_csv_rows(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As metrics.csv writes them: breakdown names space-separated in one cell."""
    return [{**document, "dimensions": " ".join(document["dimensions"])} for document in documents]


def list_metrics(session: Session) -> list[Metric]:
    return list(session.scalars(select(Metric).order_by(Metric.code)))


def metric_stats(session: Session, codes: Iterable[str] | None = None) -> dict[str, MetricStats]:
    """Each metric's count and period span, over the figures lists serve (not retracted)."""
    query = (
        select(
            Observation.metric,
            func.count(Observation.id),
            func.min(Observation.period_start),
            func.max(Observation.period_end),
        )
        .where(Observation.retracted_at.is_(None))
        .group_by(Observation.metric)
    )
    if codes is not None:
        query = query.where(Observation.metric.in_(list(codes)))
    return {
        code: MetricStats(count, first, last) for code, count, first, last in session.execute(query)
    }


def get_metric(session: Session, code: str) -> Metric:
    metric = session.get(Metric, code)
    if metric is None:
        codes = [m.code for m in list_metrics(session)]
        known = f"Known metrics: {', '.join(codes)}." if codes else "No metrics exist yet."
        raise NotFound(f"There is no metric '{code}'. {known}")
    return metric


def create_metric(session: Session, data: MetricCreate, *, actor: str) -> Metric:
    """A new metric; its code must be free (metrics are defined once, by an admin)."""
    if session.get(Metric, data.code) is not None:
        raise Conflict(f"Metric '{data.code}' already exists; its code is taken.")
    metric = Metric(**data.model_dump())
    session.add(metric)
    session.flush()
    record_metric_revision(session, metric, action=Action.create, actor=actor)
    return metric


def save_metric(session: Session, data: MetricCreate, *, actor: str) -> tuple[Metric, SaveOutcome]:
    """For imports: create the metric or bring it up to date."""
    metric = session.get(Metric, data.code)
    if metric is None:
        return create_metric(session, data, actor=actor), "created"
    fields = data.model_dump()
    if all(getattr(metric, name) == value for name, value in fields.items()):
        return metric, "unchanged"
    for name, value in fields.items():
        setattr(metric, name, value)
    session.flush()
    record_metric_revision(session, metric, action=Action.edit, actor=actor)
    return metric, "updated"


def record_metric_revision(
    session: Session, metric: Metric, *, action: Action, actor: str, reason: str | None = None
) -> None:
    """Keep the metric's new state as a revision (the change feed lists it), and audit it."""
    revision = session.scalar(
        select(func.coalesce(func.max(MetricRevision.revision), 0)).where(
            MetricRevision.code == metric.code
        )
    )
    version = claim_change_version(session)  # before the clock: moments follow commits
    session.add(
        MetricRevision(
            code=metric.code,
            revision=int(revision or 0) + 1,
            action=action,
            recorded_at=utc_now(),
            recorded_by=actor,
            reason=reason,
            state=metric.model_dump(mode="json"),
            change_version=version,
        )
    )
    record_audit(session, actor=actor, action=f"metric.{action}", target=f"metric/{metric.code}")
    session.flush()
