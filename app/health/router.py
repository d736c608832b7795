from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.db import database_answers
from app.errors import DatabaseUnavailable, NotReady
from app.health.service import readiness
from app.http.query import NoParameters

router = APIRouter(tags=["health"])
HEALTH_THREAD = CapacityLimiter(1)
METRICS_THREAD = CapacityLimiter(1)


class Health(BaseModel):
    status: str
    database: str

    model_config = {"json_schema_extra": {"examples": [{"status": "ok", "database": "ok"}]}}


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"description": "The database cannot be reached."}},
)
async def read_health(request: Request, _: Annotated[NoParameters, Query()]) -> Health:
    """Check that the API is up and its database answers."""
    # Never waits on the pool or the request threads: a connection of its own, with short
    # timeouts, from a thread of its own, so it answers while requests queue.
    answers = await to_thread.run_sync(
        database_answers, request.app.state.health_engine, limiter=HEALTH_THREAD
    )
    if not answers:
        raise DatabaseUnavailable(
            "The database does not answer; see the server log.",
            retry_after_s=request.app.state.settings.retry_after_s,
        )
    return Health(status="ok", database="ok")


class Ready(BaseModel):
    status: str
    database: str
    schema_revision: str | None

    model_config = {
        "json_schema_extra": {
            "examples": [{"status": "ready", "database": "ok", "schema_revision": "5b1f0e2c9a7d"}]
        }
    }


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "The database does not answer, or a migration is pending."}},
)
async def read_readiness(request: Request, _: Annotated[NoParameters, Query()]) -> Ready:
    """Check that this server can serve: its database answers and its schema is the newest
    this code knows (`laborstats migrate` brings it there)."""
    # As /healthz: its own connection and thread, so a busy pool delays no probe.
    state = await to_thread.run_sync(
        readiness, request.app.state.health_engine, limiter=HEALTH_THREAD
    )
    retry_after_s = request.app.state.settings.retry_after_s
    if state.database != "ok":
        raise NotReady(
            "The database does not answer; see the server log.",
            retry_after_s=retry_after_s,
            database="unreachable",
        )
    if not state.ready:
        raise NotReady(
            f"The database schema is at revision {state.revision or 'none'}; this code "
            f"needs {state.head}. Run `laborstats migrate`.",
            retry_after_s=retry_after_s,
            database="ok",
            schema_revision=state.revision,
            expected_revision=state.head,
        )
    return Ready(status="ready", database="ok", schema_revision=state.revision)


# For the operator's scraper, in Prometheus' format: not part of the API's documented
# surface (docs/operations.md describes it).
@router.get("/metrics", response_class=Response, include_in_schema=False)
async def read_metrics(request: Request, _: Annotated[NoParameters, Query()]) -> Response:
    """Prometheus metrics of every worker process: requests and latency by route, server
    errors by problem type (the database faults among them), rate-limited requests."""
    # Reading the workers' files: a thread of its own, never one a request is waiting for.
    exposition = await to_thread.run_sync(
        request.app.state.telemetry.exposition, limiter=METRICS_THREAD
    )
    return Response(exposition, media_type=request.app.state.telemetry.media_type)
