from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.audit import service
from app.audit.schemas import AuditEntryPublic
from app.auth.dependencies import AdminDep
from app.domain.lists import ListResponse
from app.http.context import ContextDep
from app.http.envelopes import list_envelope
from app.http.openapi import PROBLEM
from app.http.paging import paging_headers, read_page
from app.http.query import PageParameters

router = APIRouter(prefix="/v1/audit", tags=["audit"])


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
    params: Annotated[PageParameters, Query()],
    context: ContextDep,
) -> dict[str, Any]:
    """List every write, newest first (admin): time, token name, action, target, reason."""
    entries, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort="-id",
        read=lambda after, count: service.list_audit(
            context.session, limit=count, after_id=after.id if after else None
        ),
    )
    response.headers.update(paging_headers(request, next_cursor))
    return list_envelope(
        request,
        [entry.model_dump() for entry in entries],
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="-id",
    )
