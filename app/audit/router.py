from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.audit import service
from app.auth.dependencies import AdminDep
from app.dataset.service import read_state
from app.db import SessionDep
from app.pagination import DEFAULT_LIMIT, decode_cursor, trim_page
from app.query import forbid_unknown_params
from app.responses import PROBLEM, CursorParam, LimitParam, list_envelope, paging_headers
from app.schemas import ListResponse

router = APIRouter(
    prefix="/v1/audit", tags=["audit"], dependencies=[Depends(forbid_unknown_params)]
)


class AuditEntryPublic(BaseModel):
    id: int
    recorded_at: datetime = Field(description="When (UTC).")
    actor: str = Field(description="The token's name; `cli` or `seed` for the command line.")
    action: str = Field(description="e.g. observation.edit, source.create, import.")
    target: str = Field(description="What was written, e.g. observation/12.")
    reason: str | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "recorded_at": "2026-11-26T12:00:00Z",
                    "actor": "newsdesk",
                    "action": "observation.edit",
                    "target": "observation/1",
                    "reason": "The BBC's own article gives 'more than 10,000'.",
                }
            ]
        }
    )


@router.get(
    "",
    response_model=ListResponse[AuditEntryPublic],
    responses={
        401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
        403: {"description": "Not an admin token.", **PROBLEM},
    },
)
def list_audit(
    _: AdminDep,
    request: Request,
    response: Response,
    session: SessionDep,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> dict[str, Any]:
    """List every write, newest first (admin): time, token name, action, target, reason."""
    after_id = decode_cursor(cursor, sort="-id").id if cursor else None
    read = service.list_audit(session, limit=limit + 1, after_id=after_id)
    entries, next_cursor = trim_page(read, limit, sort="-id")
    response.headers.update(paging_headers(request, next_cursor))
    return list_envelope(
        request,
        [entry.model_dump() for entry in entries],
        data_version=read_state(session).data_version,
        limit=limit,
        next_cursor=next_cursor,
        sort="-id",
    )
