from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.audit import service
from app.audit.schemas import AuditEntryPublic
from app.auth.dependencies import AdminDep
from app.http.context import ContextDep
from app.http.envelopes import ListResponse, list_envelope
from app.http.openapi import PROBLEM
from app.http.paging import decode_cursor, paging_headers, trim_page
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
    after_id = decode_cursor(params.cursor, sort="-id").id if params.cursor else None
    read = service.list_audit(context.session, limit=params.limit + 1, after_id=after_id)
    entries, next_cursor = trim_page(read, params.limit, sort="-id")
    response.headers.update(paging_headers(request, next_cursor))
    return list_envelope(
        request,
        [entry.model_dump() for entry in entries],
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="-id",
    )
