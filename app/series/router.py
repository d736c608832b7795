from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.domain.lists import ListResponse
from app.http.context import ContextDep
from app.http.envelopes import list_envelope
from app.http.formats import (
    AcceptedFigureFormatDep,
    FigureFormat,
    csv_response,
    json_response,
    jsonstat_response,
    ndjson_response,
    sdmx_csv_response,
)
from app.http.openapi import sdmx_csv_content, table_responses
from app.http.query import check_order
from app.observations import jsonstat, sdmx
from app.series import service
from app.series.params import SeriesQuery
from app.series.schemas import SeriesPeriod

router = APIRouter(prefix="/v1/series", tags=["series"])
RESPONSES = table_responses(
    "Periods in order, then figures with no period given. CSV has one row per figure: "
    "the low, high and number of figures of its period and metric, then the figure's "
    "columns as the observations CSV has them (with parts=true, then a column per "
    "breakdown dimension). SDMX-CSV has one row per figure too (with parts=true, its "
    "parts after its totals), in the columns GET /v1/observations gives it. "
    "format=jsonstat: the same figures as a JSON-stat 2.0 dataset, also application/json "
    "(dimensions metric, origin, destination, period and figure; docs/api.md).",
    service.SERIES_CSV_COLUMNS,
    refused="A bad parameter, or parameters that leave several country pairs.",
)
RESPONSES[200]["content"].update(
    sdmx_csv_content(
        sdmx.columns(["<dimension>"]),
        then=", where `<dimension>` stands for a column per breakdown dimension, by its name",
    )
)


@router.get(
    "",
    response_model=ListResponse[SeriesPeriod],
    responses=RESPONSES,
    description=(
        "For dashboards: each period with every figure of each metric for one country pair, "
        "and per metric the lowest and highest figure stated. Name the pair, or leave out "
        "what the data makes clear (a metric only one pair has); leave out `metric` for "
        "every metric the pair has.\n\n"
        "**What it includes.** The whole destination's figures (not its regions': name "
        "`region` for one region's), totals only: a breakdown (a figure by visa type, by "
        "sector) is left out unless asked for. `parts=true` "
        "adds each period's breakdowns in `parts`, beside its totals and apart from their "
        "low and high; a breakdown filter (`visa_type=student`) gives that breakdown's "
        "figures as the series instead. So parts are never mixed with wholes. Retracted "
        "figures are left out; `as_of` answers as of a past day."
    ),
)
def read_series(
    request: Request,
    params: Annotated[SeriesQuery, Query()],
    context: ContextDep,
    accepted: AcceptedFigureFormatDep,
) -> Response:
    """Read a series: every figure per period for one country pair, side by side."""
    check_order(params, "period_from", "period_to")
    metrics = list(dict.fromkeys(params.metric))
    context.catalog.require_metrics(metrics)
    pair = service.only_pair(
        context.session,
        metrics=metrics,
        origin=params.origin,
        destination=params.destination,
        as_of=params.as_of,
    )
    periods = (
        []
        if pair is None
        else service.build_series(
            context.session,
            catalog=context.catalog,
            metrics=metrics,
            origin=pair[0],
            destination=pair[1],
            region=params.region,
            dimensions=params.breakdowns(context.catalog.dimension_names),
            period_from=params.period_from,
            period_to=params.period_to,
            as_of=params.as_of,
            parts=params.parts,
        )
    )
    match params.format or accepted:
        case FigureFormat.jsonstat:
            names = {code: metric.name for code, metric in context.catalog.metrics.items()}
            label = "Series" if pair is None else f"Series {pair[0]} to {pair[1]}"
            served = jsonstat.dataset(
                service.series_figures(periods), metric_names=names, label=label
            )
            return jsonstat_response(served, headers={})
        case FigureFormat.sdmx_csv:
            return sdmx_csv_response(
                sdmx.sdmx_csv_text(
                    service.series_figures(periods), context.catalog.dimension_names
                ),
                filename="series.sdmx.csv",
                headers={},
            )
        case FigureFormat.csv:
            return csv_response(
                service.series_csv_columns(context.catalog.dimension_names, parts=params.parts),
                service.series_csv_rows(periods),
                filename="series.csv",
                headers={},
            )
        case FigureFormat.ndjson:
            return ndjson_response(periods, headers={})
    return json_response(list_envelope(request, periods, data_version=context.data_version))
