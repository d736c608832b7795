from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from app.dataset.service import read_state
from app.db import SessionDep
from app.errors import PROBLEM_MEDIA_TYPE
from app.metrics import service
from app.metrics.schemas import MetricPublic
from app.models import Metric
from app.query import forbid_unknown_params
from app.responses import list_envelope
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
