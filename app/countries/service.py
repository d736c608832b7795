"""The countries and origin-destination pairs the figures name, counted in one grouped query
each. Retracted figures count for nothing: a country named only by them is not listed."""

from typing import Any

import pycountry
from sqlalchemy import literal, select, union_all
from sqlalchemy.sql import func
from sqlmodel import Session

from app.countries.schemas import CountryFigures, PairFigures
from app.models import Observation


def country_names(code: str) -> tuple[str, str | None]:
    """ISO 3166's name ("Korea, Democratic People's Republic of") and, where ISO gives one,
    the name in common use ("North Korea")."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:  # every stored code was checked on the way in
        return code, None
    return country.name, getattr(country, "common_name", None)


def countries(session: Session) -> list[CountryFigures]:
    """Every country named by a figure, by code, with how many figures name it each way."""
    live = Observation.retracted_at.is_(None)
    named = union_all(
        select(
            Observation.origin.label("code"),
            literal(1).label("as_origin"),
            literal(0).label("as_destination"),
        ).where(live),
        select(
            Observation.destination.label("code"),
            literal(0).label("as_origin"),
            literal(1).label("as_destination"),
        ).where(live),
    ).subquery()
    query = (
        select(named.c.code, func.sum(named.c.as_origin), func.sum(named.c.as_destination))
        .group_by(named.c.code)
        .order_by(named.c.code)
    )
    found = []
    for code, as_origin, as_destination in session.execute(query):
        name, common_name = country_names(code)
        found.append(
            CountryFigures(
                code=code,
                name=name,
                common_name=common_name,
                as_origin=as_origin,
                as_destination=as_destination,
            )
        )
    return found


def pairs(session: Session) -> list[PairFigures]:
    """Every origin-destination pair with figures, by origin then destination."""
    query = (
        select(
            Observation.origin,
            Observation.destination,
            Observation.metric,
            func.count(Observation.id),
            func.min(Observation.period_start),
            func.max(Observation.period_end),
        )
        .where(Observation.retracted_at.is_(None))
        .group_by(Observation.origin, Observation.destination, Observation.metric)
        .order_by(Observation.origin, Observation.destination, Observation.metric)
    )
    by_pair: dict[tuple[str, str], list[Any]] = {}
    for origin, destination, *per_metric in session.execute(query):
        by_pair.setdefault((origin, destination), []).append(per_metric)
    return [
        PairFigures(
            origin=origin,
            origin_name=country_names(origin)[0],
            destination=destination,
            destination_name=country_names(destination)[0],
            metrics=[metric for metric, *_ in metrics],
            observation_count=sum(count for _, count, _, _ in metrics),
            first_period_start=min((m[2] for m in metrics if m[2] is not None), default=None),
            last_period_end=max((m[3] for m in metrics if m[3] is not None), default=None),
        )
        for (origin, destination), metrics in by_pair.items()
    ]


def pair_csv_rows(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As metrics.csv writes breakdowns: the metric codes space-separated in one cell."""
    return [{**document, "metrics": " ".join(document["metrics"])} for document in documents]
