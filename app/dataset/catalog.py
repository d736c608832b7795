"""The small reference tables (metrics and sources) that every read needs, read once per
data version and kept per process. Every write bumps the data version, so a process never
serves a stale unit, breakdown name or citation, however many processes share the database."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import UnknownReference, did_you_mean
from app.models import Metric, Source


@dataclass(frozen=True)
class Catalog:
    # The version it was read at; None for one read inside a write, never cached.
    data_version: int | None
    # Plain rows (attribute access, like the table models), safe to keep across sessions.
    metrics: dict[str, Any]
    sources: dict[int, Any]
    units: dict[str, str]
    # Every breakdown any metric allows: the dimension filters and extra CSV columns.
    dimension_names: list[str]
    # Each kept source text, by source id: quotes are found in them as they are served.
    texts: dict[int, str] = field(default_factory=dict)
    # What readers derive from the catalog (citations), kept as long as it is current.
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def require_metrics(self, codes: Iterable[str]) -> None:
        """For filters: an unknown metric is a 400 that lists the known ones."""
        unknown = sorted(set(codes) - self.metrics.keys())
        if unknown:
            known = ", ".join(sorted(self.metrics))
            hints = "".join(did_you_mean(code, self.metrics) for code in unknown)
            raise UnknownReference(
                f"Unknown metric {', '.join(repr(code) for code in unknown)}.{hints} "
                + (f"Known metrics: {known}." if known else "No metrics exist yet."),
                parameter="metric",
            )

    def require_sources(self, ids: Iterable[int]) -> None:
        """For filters: an unknown source id is a 400 naming it."""
        unknown = sorted(set(ids) - self.sources.keys())
        if unknown:
            raise UnknownReference(
                f"Unknown source {', '.join(map(str, unknown))}.",
                subject="source",
                parameter="source",
            )


def load_catalog(session: Session, data_version: int | None) -> Catalog:
    """The catalog as this session's transaction sees it."""
    metric_rows = session.execute(select(*Metric.__table__.columns).order_by(Metric.code))
    metrics = {row.code: row for row in metric_rows}
    # Without their texts (they may be long), but saying which have one.
    columns = [column for column in Source.__table__.columns if column.name != "text"]
    has_text = Source.__table__.c.text.is_not(None).label("has_text")
    sources = {row.id: row for row in session.execute(select(*columns, has_text))}
    text_query = select(Source.id, Source.text).where(Source.text.is_not(None))
    return Catalog(
        data_version=data_version,
        metrics=metrics,
        sources=sources,
        units={code: metric.unit for code, metric in metrics.items()},
        dimension_names=sorted({name for m in metrics.values() for name in m.dimensions or []}),
        texts={row.id: row.text for row in session.execute(text_query)},
    )


class CatalogCache:
    """One catalog per process, replaced when the data version moves on."""

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._lock = Lock()

    def get(self, session: Session, data_version: int) -> Catalog:
        """The catalog for `data_version`, which `session` must have read in its transaction."""
        cached = self._catalog
        if cached is not None and cached.data_version == data_version:
            return cached
        catalog = load_catalog(session, data_version)
        with self._lock:
            current = self._catalog
            if current is None or (current.data_version or 0) < data_version:
                self._catalog = catalog
        return catalog
