"""The countries and origin-destination pairs the figures name, counted in one grouped query
each. Retracted figures count for nothing: a country named only by them is not listed."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry
from sqlalchemy import literal, select, union_all
from sqlalchemy.sql import func
from sqlmodel import Session

from app.models import Observation

COUNTRY_CSV_COLUMNS = ["code", "name", "common_name", "as_origin", "as_destination"]
PAIR_CSV_COLUMNS = [
    "origin",
    "origin_name",
    "destination",
    "destination_name",
    "metrics",
    "observation_count",
    "first_period_start",
    "last_period_end",
]


@dataclass
class Pair:
    origin: str
    destination: str
    metrics: list[str] = field(default_factory=list)
    observation_count: int = 0
    first_period_start: date | None = None
    last_period_end: date | None = None


def country_names(code: str) -> tuple[str, str | None]:
    """ISO 3166's name ("Korea, Democratic People's Republic of") and, where ISO gives one,
    the name in common use ("North Korea")."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:  # every stored code was checked on the way in
        return code, None
    return country.name, getattr(country, "common_name", None)


def country_documents(session: Session) -> list[dict[str, Any]]:
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
    documents = []
    for code, as_origin, as_destination in session.execute(query):
        name, common_name = country_names(code)
        documents.append(
            {
                "code": code,
                "name": name,
                "common_name": common_name,
                "as_origin": int(as_origin),
                "as_destination": int(as_destination),
            }
        )
    return documents


def pairs(session: Session) -> list[Pair]:
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
    found: dict[tuple[str, str], Pair] = {}
    for origin, destination, metric, count, first, last in session.execute(query):
        pair = found.setdefault((origin, destination), Pair(origin, destination))
        pair.metrics.append(metric)
        pair.observation_count += count
        if first is not None and (
            pair.first_period_start is None or first < pair.first_period_start
        ):
            pair.first_period_start = first
        if last is not None and (pair.last_period_end is None or last > pair.last_period_end):
            pair.last_period_end = last
    return list(found.values())


def pair_document(pair: Pair) -> dict[str, Any]:
    return {
        "origin": pair.origin,
        "origin_name": country_names(pair.origin)[0],
        "destination": pair.destination,
        "destination_name": country_names(pair.destination)[0],
        "metrics": pair.metrics,
        "observation_count": pair.observation_count,
        "first_period_start": pair.first_period_start,
        "last_period_end": pair.last_period_end,
    }


def pair_csv_rows(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As metrics.csv writes breakdowns: the metric codes space-separated in one cell."""
    return [{**document, "metrics": " ".join(document["metrics"])} for document in documents]
