from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.db import database_answers
from app.errors import DatabaseUnavailable
from app.http.query import NoParameters

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str

    model_config = {"json_schema_extra": {"examples": [{"status": "ok", "database": "ok"}]}}


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"description": "The database cannot be reached."}},
)
def read_health(request: Request, _: Annotated[NoParameters, Query()]) -> Health:
    """Check that the API is up and its database answers."""
    if not database_answers(request.app.state.engine):
        raise DatabaseUnavailable("The database does not answer; see the server log.")
    return Health(status="ok", database="ok")
