from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.auth.dependencies import AdminDep, require_admin
from app.domain.lists import ListResponse
from app.domain.metric import MetricPublic
from app.http.bodies import body_openapi, json_body
from app.http.context import ContextDep, WriteSessionDep
from app.http.envelopes import served_list
from app.http.formats import AcceptedFormatDep
from app.http.openapi import PROBLEM, WRITE_RESPONSES, table_responses
from app.http.query import FormatParameters, NoParameters
from app.metrics import service
from app.metrics.schemas import MetricCreate

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])
NOT_FOUND = {404: {"description": "No metric has this code.", **PROBLEM}}


@router.get(
    "",
    response_model=ListResponse[MetricPublic],
    responses=table_responses(
        "Every metric by code; CSV (breakdowns space-separated) and NDJSON on request.",
        service.METRIC_CSV_COLUMNS,
    ),
)
def list_metrics(
    request: Request,
    params: Annotated[FormatParameters, Query()],
    context: ContextDep,
    accepted: AcceptedFormatDep,
) -> Response:
    """List every metric: what it counts, its unit and breakdowns, and how many figures it has."""
    stats = service.metric_stats(context.session)
    documents = [
        service.metric_document(metric, stats.get(code, service.MetricStats()))
        for code, metric in context.catalog.metrics.items()
    ]
    return served_list(
        request,
        documents,
        representation=params.format or accepted,
        csv_columns=service.METRIC_CSV_COLUMNS,
        csv_rows=lambda: service.metric_csv_rows(documents),
        filename="metrics.csv",
        data_version=context.data_version,
        sort="code",
    )


@router.get("/{code}", response_model=MetricPublic, responses=NOT_FOUND)
def read_metric(
    code: Annotated[str, Path(description="The metric's code.", examples=["nationals_entered"])],
    _: Annotated[NoParameters, Query()],
    context: ContextDep,
) -> dict[str, Any]:
    """Read one metric, with its observation count and first and last period."""
    metric = service.get_metric(context.session, code)
    stats = service.metric_stats(context.session, [code]).get(code, service.MetricStats())
    return service.metric_document(metric, stats)


@router.post(
    "",
    status_code=201,
    response_model=MetricPublic,
    responses={**WRITE_RESPONSES, 409: {"description": "The code is taken.", **PROBLEM}},
    openapi_extra=body_openapi(MetricCreate),
)
def create_metric(
    actor: AdminDep,
    data: Annotated[MetricCreate, Depends(json_body(MetricCreate, after=require_admin))],
    session: WriteSessionDep,
    response: Response,
) -> dict[str, Any]:
    """Define a new metric (admin): its code, unit, definition and breakdowns."""
    metric = service.create_metric(session, data, actor=actor.name)
    response.headers["Location"] = f"/v1/metrics/{metric.code}"
    return service.metric_document(metric, service.MetricStats())
