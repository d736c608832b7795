from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from app.auth.dependencies import AdminDep, require_admin
from app.bodies import body_openapi, json_body
from app.dataset.service import bump_data_version, read_state
from app.db import SessionDep, WriteSessionDep
from app.errors import PROBLEM_MEDIA_TYPE
from app.metrics import service
from app.metrics.schemas import MetricIn, MetricPublic
from app.models import Metric
from app.query import forbid_unknown_params
from app.responses import PROBLEM, WRITE_RESPONSES, list_envelope
from app.schemas import ListResponse

router = APIRouter(
    prefix="/v1/metrics", tags=["metrics"], dependencies=[Depends(forbid_unknown_params)]
)
NOT_FOUND = {404: {"description": "No metric has this code.", "content": {PROBLEM_MEDIA_TYPE: {}}}}


def _document(metric: Metric, stats: service.MetricStats) -> dict[str, Any]:
    return {**metric.model_dump(), **stats.__dict__}


@router.get("", response_model=ListResponse[MetricPublic])
def list_metrics(request: Request, session: SessionDep) -> dict[str, Any]:
    """List every metric: what it counts, its unit and breakdowns, and how many figures it has."""
    stats = service.metric_stats(session)
    data = [
        _document(m, stats.get(m.code, service.MetricStats()))
        for m in service.list_metrics(session)
    ]
    return list_envelope(request, data, data_version=read_state(session).data_version, sort="code")


@router.get("/{code}", response_model=MetricPublic, responses=NOT_FOUND)
def read_metric(
    code: Annotated[str, Path(description="The metric's code.", examples=["entries"])],
    session: SessionDep,
) -> dict[str, Any]:
    """Read one metric, with its observation count and first and last period."""
    metric = service.get_metric(session, code)
    return _document(metric, service.metric_stats(session, [code]).get(code, service.MetricStats()))


@router.post(
    "",
    status_code=201,
    response_model=MetricPublic,
    responses={**WRITE_RESPONSES, 409: {"description": "The code is taken.", **PROBLEM}},
    openapi_extra=body_openapi(MetricIn),
)
def create_metric(
    actor: AdminDep,
    data: Annotated[MetricIn, Depends(json_body(MetricIn, after=require_admin))],
    session: WriteSessionDep,
    response: Response,
) -> dict[str, Any]:
    """Define a new metric (admin): its code, unit, definition and breakdowns."""
    metric = service.create_metric(session, data, actor=actor.name)
    bump_data_version(session)
    response.headers["Location"] = f"/v1/metrics/{metric.code}"
    return _document(metric, service.MetricStats())
