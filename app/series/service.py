"""Series: for a country pair, each period with every figure of each metric side by side,
and the lowest and highest figure stated for it. Nothing is averaged or picked."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.observations import service as observations_service
from app.observations.service import ObservationFilter

SERIES_CSV_COLUMNS = [
    "period_start",
    "period_end",
    "period_label",
    "metric",
    "unit",
    "low",
    "high",
    "observation_count",
    "observation_ids",
]


def _stated_low(document: Mapping[str, Any]) -> float | None:
    low = document["lower_bound"]
    return low if low is not None else document["value"]


def _stated_high(document: Mapping[str, Any]) -> float | None:
    high = document["upper_bound"]
    return high if high is not None else document["value"]


def _metric_entry(code: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    lows = [v for v in map(_stated_low, documents) if v is not None]
    highs = [v for v in map(_stated_high, documents) if v is not None]
    return {
        "metric": code,
        "unit": documents[0]["unit"],
        "low": min(lows) if lows else None,
        "high": max(highs) if highs else None,
        "observations": documents,
    }


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
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """Figures for the whole pair (or one region) and one breakdown ({} = totals), so that
    a part is never compared with its whole."""
    dimensions = dimensions or {}
    query = ObservationFilter(
        metrics=metrics,
        origin=origin,
        destination=destination,
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
    )
    observations_service.check_references(query, catalog)
    table = observations_service.table_for(as_of)
    statement = (
        observations_service.served_select(table)
        .where(
            *observations_service.filter_conditions(query),
            table.region.is_not_distinct_from(region),
            table.dimensions == dimensions,
        )
        .order_by(
            table.period_start.asc().nulls_last(), table.period_end.asc().nulls_last(), table.id
        )
    )
    rows = session.connection().execute(statement).all()
    documents = observations_service.documents(session, rows, catalog=catalog, as_of=as_of)
    periods: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
    for document in documents:
        periods.setdefault((document["period_start"], document["period_end"]), []).append(document)
    return [
        {
            "period_start": start,
            "period_end": end,
            "period_label": group[0]["period_label"],
            "metrics": [
                _metric_entry(code, [d for d in group if d["metric"] == code])
                for code in metrics
                if any(d["metric"] == code for d in group)
            ],
        }
        for (start, end), group in periods.items()
    ]


def series_csv_rows(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per period and metric, for spreadsheets."""
    return [
        {
            "period_start": period["period_start"],
            "period_end": period["period_end"],
            "period_label": period["period_label"],
            "metric": entry["metric"],
            "unit": entry["unit"],
            "low": entry["low"],
            "high": entry["high"],
            "observation_count": len(entry["observations"]),
            "observation_ids": " ".join(str(d["id"]) for d in entry["observations"]),
        }
        for period in periods
        for entry in period["metrics"]
    ]
