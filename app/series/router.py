from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.catalog import current_catalog
from app.db import SessionDep
from app.errors import PROBLEM_MEDIA_TYPE
from app.fields import CountryCode, PartialDate, SubdivisionCode
from app.formats import Format, csv_response, ndjson_response, negotiate
from app.query import dimension_filters
from app.responses import AcceptHeader, AsOfParam, FormatParam, json_response, list_envelope
from app.schemas import ListResponse
from app.series import service
from app.series.schemas import SeriesPeriod

router = APIRouter(prefix="/v1/series", tags=["series"])


@router.get(
    "",
    response_model=ListResponse[SeriesPeriod],
    responses={
        200: {
            "description": "Periods in order, then figures with no period given. CSV has one "
            "row per period and metric.",
            "content": {"text/csv": {}, "application/x-ndjson": {}},
        },
        400: {"description": "A missing or bad parameter.", "content": {PROBLEM_MEDIA_TYPE: {}}},
    },
    description=(
        "For dashboards: each period with every figure of each metric for one country pair, "
        "and per metric the lowest and highest figure stated. Totals only by default; name a "
        "breakdown (e.g. `visa_type=student`) to get that breakdown instead, and `region` for "
        "one region's figures, so that parts are never mixed with wholes."
    ),
)
def read_series(
    request: Request,
    session: SessionDep,
    metric: Annotated[
        list[str],
        Query(min_length=1, description="Metric code; repeat for several.", examples=["entries"]),
    ],
    origin: Annotated[CountryCode, Query(description="ISO 3166-1 alpha-3.", examples=["PRK"])],
    destination: Annotated[CountryCode, Query(description="ISO 3166-1 alpha-3.", examples=["RUS"])],
    accept: AcceptHeader = None,
    region: Annotated[
        SubdivisionCode | None, Query(description="ISO 3166-2 region of the destination.")
    ] = None,
    period_from: Annotated[
        PartialDate | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    period_to: Annotated[
        PartialDate | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    as_of: AsOfParam = None,
    format: FormatParam = None,
) -> Any:
    """Read a series: every figure per period for one country pair, side by side."""
    dimensions = dimension_filters(request, current_catalog(session).dimension_names)
    periods = service.build_series(
        session,
        metrics=list(dict.fromkeys(metric)),
        origin=origin,
        destination=destination,
        region=region,
        dimensions=dimensions,
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
    )
    match negotiate(format, accept):
        case Format.csv:
            return csv_response(
                service.SERIES_CSV_COLUMNS,
                service.series_csv_rows(periods),
                filename="series.csv",
                headers={},
            )
        case Format.ndjson:
            return ndjson_response(periods, headers={})
    envelope = list_envelope(request, periods, data_version=current_catalog(session).data_version)
    return json_response(envelope)
