"""The small reference tables (metrics and sources) that every page of observations needs,
read once per data version and kept per process. Every write bumps the data version, so a
process never serves a stale unit, breakdown name or citation, however many processes
share the database."""

from dataclasses import dataclass
from threading import Lock

from sqlalchemy import select
from sqlmodel import Session

from app.dataset.service import read_state
from app.models import Metric, Source


@dataclass(frozen=True)
class Catalog:
    data_version: int
    units: dict[str, str]
    dimension_names: list[str]
    sources: dict[int, Source]


_catalogs: dict[str, Catalog] = {}
_lock = Lock()


def current_catalog(session: Session) -> Catalog:
    """The catalog for the data version this session sees (read in its transaction)."""
    version = read_state(session).data_version
    key = str(session.get_bind().engine.url)
    cached = _catalogs.get(key)
    if cached is not None and cached.data_version == version:
        return cached
    metrics = list(session.scalars(select(Metric)))
    sources = {source.id: source for source in session.scalars(select(Source))}
    for source in sources.values():
        session.expunge(source)  # kept beyond this session, read-only
    catalog = Catalog(
        data_version=version,
        units={m.code: m.unit for m in metrics},
        dimension_names=sorted({name for m in metrics for name in m.dimensions or []}),
        sources=sources,
    )
    with _lock:
        _catalogs[key] = catalog
    return catalog
