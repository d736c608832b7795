from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import DatabaseUnavailable
from app.query import forbid_unknown_params

router = APIRouter(tags=["health"], dependencies=[Depends(forbid_unknown_params)])


class Health(BaseModel):
    status: str
    database: str

    model_config = {"json_schema_extra": {"examples": [{"status": "ok", "database": "ok"}]}}


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"description": "The database cannot be reached."}},
)
def read_health(request: Request) -> Health:
    """Check that the API is up and its database answers."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise DatabaseUnavailable("The database does not answer; see the server log.") from None
    return Health(status="ok", database="ok")
