"""The facts the dataset's description states, read from the catalog and the figures: the
metrics, the countries and pairs the figures name and the span of their periods. Read once
per data version and kept with that version's catalog, so the home page and `GET /v1` pay
for one grouped query per write, not per request."""

import pycountry
from sqlalchemy import func, select
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.state import DataState
from app.index.metadata import CountryFacts, DatasetFacts, MetricFacts
from app.models import Observation

MEMO_KEY = "dataset_facts"


def country_facts(code: str) -> CountryFacts:
    country = pycountry.countries.get(alpha_3=code)
    if country is None:  # every stored code was checked on the way in
        return CountryFacts(alpha_3=code, alpha_2=None, name=code)
    return CountryFacts(alpha_3=code, alpha_2=country.alpha_2, name=country.name)


def read_facts(session: Session, *, catalog: Catalog, state: DataState) -> DatasetFacts:
    """From the figures lists serve (retracted ones count for nothing), per pair: a figure
    with only a start (since 2022) or only an end bounds the span by the day it gives."""
    live = Observation.retracted_at.is_(None)
    first = func.min(func.coalesce(Observation.period_start, Observation.period_end))
    last = func.max(func.coalesce(Observation.period_end, Observation.period_start))
    query = (
        select(Observation.origin, Observation.destination, first, last)
        .where(live)
        .group_by(Observation.origin, Observation.destination)
        .order_by(Observation.origin, Observation.destination)
    )
    rows = session.execute(query).all()
    codes = sorted({code for origin, destination, _, _ in rows for code in (origin, destination)})
    return DatasetFacts(
        data_version=state.version,
        updated_at=state.updated_at,
        metrics=tuple(
            MetricFacts(code=m.code, name=m.name, unit=m.unit, definition=m.definition)
            for m in catalog.metrics.values()
        ),
        countries=tuple(country_facts(code) for code in codes),
        pairs=tuple((origin, destination) for origin, destination, _, _ in rows),
        earliest=min((row[2] for row in rows if row[2] is not None), default=None),
        latest=max((row[3] for row in rows if row[3] is not None), default=None),
    )


def dataset_facts(session: Session, *, catalog: Catalog, state: DataState) -> DatasetFacts:
    """As `read_facts`, kept with the catalog of the version they were read at (the
    catalog is replaced when a write moves the version on)."""
    if catalog.data_version != state.version:  # a catalog read inside a write: never kept
        return read_facts(session, catalog=catalog, state=state)
    kept = catalog.memo.get(MEMO_KEY)
    if kept is None:
        kept = catalog.memo[MEMO_KEY] = read_facts(session, catalog=catalog, state=state)
    return kept
