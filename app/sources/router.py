from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from app.dataset.service import read_state
from app.db import SessionDep
from app.errors import PROBLEM_MEDIA_TYPE
from app.pagination import DEFAULT_LIMIT, Cursor, decode_cursor, encode_cursor
from app.query import forbid_unknown_params
from app.responses import CursorParam, LimitParam, list_envelope, paging_headers
from app.schemas import ListResponse
from app.sources import service
from app.sources.schemas import SourceDetail, SourcePublic

router = APIRouter(
    prefix="/v1/sources", tags=["sources"], dependencies=[Depends(forbid_unknown_params)]
)
NOT_FOUND = {404: {"description": "No source has this id.", "content": {PROBLEM_MEDIA_TYPE: {}}}}


@router.get("", response_model=ListResponse[SourcePublic])
def list_sources(
    request: Request,
    response: Response,
    session: SessionDep,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> dict[str, Any]:
    """List sources by id: publications and statements, with what they were relayed through."""
    after_id = decode_cursor(cursor, sort="id").id if cursor else None
    sources = service.list_sources(session, limit=limit + 1, after_id=after_id)
    next_cursor = None
    if len(sources) > limit:
        sources = sources[:limit]
        next_cursor = encode_cursor(Cursor(sort="id", value=None, id=sources[-1].id))
    response.headers.update(paging_headers(request, next_cursor))
    return list_envelope(
        request,
        [service.source_document(s) for s in sources],
        data_version=read_state(session).data_version,
        limit=limit,
        next_cursor=next_cursor,
        sort="id",
    )


@router.get("/{source_id}", response_model=SourceDetail, responses=NOT_FOUND)
def read_source(
    source_id: Annotated[int, Path(description="The source's id.", examples=[2])],
    session: SessionDep,
) -> dict[str, Any]:
    """Read one source, with the chain of sources it reached us through."""
    source = service.get_source(session, source_id)
    chain = service.relay_chains(session, [source_id])[source_id]
    return {
        **service.source_document(source),
        "relay_chain": [service.source_document(s) for s in chain[1:]],
        "observation_count": service.count_observations(session, source_id),
    }
