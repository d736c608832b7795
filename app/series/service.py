"""Series: for a country pair, each period with every figure of each metric side by side,
and the lowest and highest figure stated for it. Nothing is averaged or picked."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.dates import AsOf
from app.errors import InvalidParameter
from app.observations import service as observations_service
from app.observations.filters import ObservationFilter, check_references, filter_conditions

# One row per figure, so that pandas reads every column as it is: the lowest and highest
# figure of its period and metric and how many there are, then the figure's own columns, as
# the observations CSV has them.
PERIOD_COLUMNS = ["period_low", "period_high", "period_figures"]
SERIES_CSV_COLUMNS = [*PERIOD_COLUMNS, *OBSERVATION_COLUMNS]
# How many pairs a 400 lists when the parameters leave several to choose from.
PAIRS_LISTED = 10


def _stated_low(document: Mapping[str, Any]) -> float | None:
    low = document["lower_bound"]
    return low if low is not None else document["value"]


def _stated_high(document: Mapping[str, Any]) -> float | None:
    high = document["upper_bound"]
    return high if high is not None else document["value"]


def _metric_entry(
    code: str, documents: list[dict[str, Any]], parts: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """A metric's figures for one period: the totals, their lowest and highest figure, and
    (when asked for: `parts` not None) the breakdowns, which the low and high leave out."""
    lows = [v for v in map(_stated_low, documents) if v is not None]
    highs = [v for v in map(_stated_high, documents) if v is not None]
    entry = {
        "metric": code,
        "unit": (documents or parts or [{}])[0]["unit"],
        "low": min(lows) if lows else None,
        "high": max(highs) if highs else None,
        "observations": documents,
    }
    if parts is not None:
        entry["parts"] = parts
    return entry


def only_pair(
    session: Session,
    *,
    metrics: Sequence[str],
    origin: str | None,
    destination: str | None,
    as_of: AsOf | None = None,
) -> tuple[str, str] | None:
    """The one country pair with figures of `metrics` that the given origin or destination
    leaves, or None when none has any; a 400 listing them when several do, since a series
    is always one pair."""
    if origin is not None and destination is not None:
        return origin, destination
    query = ObservationFilter(metrics=metrics, origin=origin, destination=destination, as_of=as_of)
    table = query.table
    found = (
        session.connection()
        .execute(
            select(table.origin, table.destination)
            .where(*filter_conditions(query))
            .distinct()
            .order_by(table.origin, table.destination)
            .limit(PAIRS_LISTED + 1)
        )
        .all()
    )
    if len(found) <= 1:
        return (found[0][0], found[0][1]) if found else None
    listed = ", ".join(f"{o}-{d}" for o, d in found[:PAIRS_LISTED])
    more = " and more" if len(found) > PAIRS_LISTED else ""
    raise InvalidParameter(
        f"A series is for one country pair, and these parameters leave several: {listed}"
        f"{more}. Add origin and destination (GET /v1/pairs lists every pair)."
    )


def build_series(
    session: Session,
    *,
    catalog: Catalog,
    metrics: Sequence[str],
    origin: str,
    destination: str,
    region: str | None = None,
    dimensions: Mapping[str, str] | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    as_of: AsOf | None = None,
    parts: bool = False,
) -> list[dict[str, Any]]:
    """Figures for the whole pair (or one region) and one breakdown ({} = totals), so that
    a part is never compared with its whole; with `parts`, the totals' breakdowns beside
    them (kept apart). No metric named: every metric the pair has."""
    dimensions = dimensions or {}
    if parts and dimensions:
        raise InvalidParameter(
            "parts=true gives each period's breakdowns beside its totals; a breakdown filter "
            f"({', '.join(dimensions)}) gives that breakdown's figures instead. Use one.",
            parameter="parts",
        )
    query = ObservationFilter(
        metrics=metrics,
        origin=origin,
        destination=destination,
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
    )
    check_references(query, catalog)
    table = query.table
    statement = (
        observations_service.served_select(table)
        .where(
            *filter_conditions(query),
            table.region.is_not_distinct_from(region),
            *([] if parts else [table.dimensions == dimensions]),
        )
        .order_by(
            table.period_start.asc().nulls_last(), table.period_end.asc().nulls_last(), table.id
        )
    )
    rows = session.connection().execute(statement).all()
    if not rows and dimensions:
        observations_service.check_breakdown_values(
            session, ObservationFilter(dimensions=dimensions)
        )
    documents = observations_service.documents(session, rows, catalog=catalog, query=query)
    metrics = metrics or sorted({document["metric"] for document in documents})
    periods: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
    for document in documents:
        periods.setdefault((document["period_start"], document["period_end"]), []).append(document)
    return [
        {
            "period_start": start,
            "period_end": end,
            "period_label": group[0]["period_label"],
            "metrics": [
                _metric_entry(
                    code,
                    [d for d in group if d["metric"] == code and not (parts and d["dimensions"])],
                    [d for d in group if d["metric"] == code and d["dimensions"]]
                    if parts
                    else None,
                )
                for code in metrics
                if any(d["metric"] == code for d in group)
            ],
        }
        for (start, end), group in periods.items()
    ]


def series_csv_columns(dimension_names: list[str], *, parts: bool) -> list[str]:
    """The CSV's columns; with parts, then one per breakdown dimension."""
    return [*SERIES_CSV_COLUMNS, *dimension_names] if parts else SERIES_CSV_COLUMNS


def series_figures(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure of the series, in its order: each period's metrics, each metric's
    totals, then its parts (with parts=true)."""
    return [
        figure
        for period in periods
        for entry in period["metrics"]
        for figure in [*entry["observations"], *entry.get("parts", [])]
    ]


def series_csv_rows(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per figure, with the low and high of its period and metric (its totals'),
    then any parts, each with its breakdown's columns."""
    return [
        {
            "period_low": entry["low"],
            "period_high": entry["high"],
            "period_figures": len(entry["observations"]),
            **figure,
            **figure["dimensions"],
        }
        for period in periods
        for entry in period["metrics"]
        for figure in [*entry["observations"], *entry.get("parts", [])]
    ]
