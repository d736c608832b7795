from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.dataset.service import read_state
from app.db import SessionDep
from app.errors import PROBLEM_MEDIA_TYPE
from app.fields import CountryCode, PartialDate, SubdivisionCode
from app.formats import Format, csv_response, ndjson_response, negotiate
from app.metrics.service import dimension_names
from app.observations import service
from app.observations.columns import CORE_COLUMNS
from app.observations.schemas import Basis, ObservationDetail, ObservationPublic, Qualifier
from app.pagination import DEFAULT_LIMIT
from app.query import dimension_filters, forbid_unknown_params
from app.responses import (
    AcceptHeader,
    CursorParam,
    FormatParam,
    LimitParam,
    list_envelope,
    paging_headers,
)
from app.schemas import ListResponse

router = APIRouter(prefix="/v1/observations", tags=["observations"])

PROBLEM = {"content": {PROBLEM_MEDIA_TYPE: {}}}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of observations; CSV and NDJSON on request.",
        "content": {"text/csv": {}, "application/x-ndjson": {}},
    },
    400: {
        "description": "An unknown parameter, metric, source or country, or a bad value.",
        **PROBLEM,
    },
}

MetricFilter = Annotated[
    list[str],
    Query(
        description="Metric code; repeat for several (`metric=entries&metric=workers_entered`).",
        examples=["entries"],
    ),
]
SORT_DESCRIPTION = (
    f"One of: {', '.join(service.SORT_OPTIONS)}. A leading - sorts descending; "
    "ties break on id in the same direction; empty values sort last."
)
DateFilter = Annotated[PartialDate | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")]


@router.get(
    "",
    response_model=ListResponse[ObservationPublic],
    responses=LIST_RESPONSES,
    description=(
        "Every filter narrows the list; a filter that matches nothing gives an empty list. "
        "Filter by any breakdown dimension by its name, e.g. `visa_type=student` "
        "(GET /v1/metrics lists each metric's dimensions). Periods match when they overlap "
        "`period_from`..`period_to`; observations with no period match no period filter. "
        'Pages follow `meta.next_cursor` (also the `Link: rel="next"` header).'
    ),
)
def list_observations(
    request: Request,
    response: Response,
    session: SessionDep,
    accept: AcceptHeader = None,
    metric: MetricFilter = [],  # noqa: B006 - FastAPI copies defaults
    origin: Annotated[
        CountryCode | None,
        Query(description="Country of origin, ISO 3166-1 alpha-3.", examples=["PRK"]),
    ] = None,
    destination: Annotated[
        CountryCode | None, Query(description="Destination, ISO 3166-1 alpha-3.", examples=["RUS"])
    ] = None,
    region: Annotated[
        SubdivisionCode | None,
        Query(description="Region of the destination, ISO 3166-2.", examples=["RU-KRS"]),
    ] = None,
    basis: Annotated[
        list[Basis], Query(description="official, estimate or projection; repeatable.")
    ] = [],  # noqa: B006
    qualifier: Annotated[
        list[Qualifier],
        Query(description="exact, approximate, at_least, at_most or range; repeatable."),
    ] = [],  # noqa: B006
    source: Annotated[list[int], Query(description="Source id; repeatable.", examples=[2])] = [],  # noqa: B006
    period_from: DateFilter = None,
    period_to: DateFilter = None,
    reported_from: DateFilter = None,
    reported_to: DateFilter = None,
    sort: Annotated[str, Query(description=SORT_DESCRIPTION)] = "id",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    format: FormatParam = None,
) -> Any:
    """List observations, filtered, sorted and paged."""
    known_dimensions = dimension_names(session)
    dimensions = dimension_filters(request, known_dimensions)
    query = service.ObservationFilter(
        metrics=list(dict.fromkeys(metric)),
        origin=origin,
        destination=destination,
        region=region,
        dimensions=dimensions,
        bases=basis,
        qualifiers=qualifier,
        source_ids=source,
        period_from=period_from,
        period_to=period_to,
        reported_from=reported_from,
        reported_to=reported_to,
    )
    page = service.list_observations(session, query=query, sort=sort, limit=limit, cursor=cursor)
    documents = service.observation_documents(session, page.rows)
    headers = paging_headers(request, page.next_cursor)
    match negotiate(format, accept):
        case Format.csv:
            rows = [{**d, **d["dimensions"]} for d in documents]
            return csv_response(
                CORE_COLUMNS + known_dimensions, rows, filename="observations.csv", headers=headers
            )
        case Format.ndjson:
            return ndjson_response(documents, headers=headers)
    response.headers.update(headers)
    return list_envelope(
        request,
        documents,
        data_version=read_state(session).data_version,
        limit=limit,
        next_cursor=page.next_cursor,
        sort=sort,
    )


@router.get(
    "/{observation_id}",
    response_model=ObservationDetail,
    responses={404: {"description": "No observation has this id.", **PROBLEM}},
    dependencies=[Depends(forbid_unknown_params)],
)
def read_observation(
    observation_id: Annotated[int, Path(description="The observation's id.", examples=[1])],
    session: SessionDep,
) -> dict[str, Any]:
    """Read one observation, with its source, the sources it was relayed through, and its parts."""
    return service.observation_detail(session, service.get_observation(session, observation_id))
