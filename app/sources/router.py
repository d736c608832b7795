from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from sqlmodel import Session

from app.auth.dependencies import EditorDep, require_editor
from app.bodies import body_openapi, json_body
from app.dataset.service import bump_data_version, read_state
from app.db import SessionDep, WriteSessionDep
from app.models import Source
from app.pagination import DEFAULT_LIMIT, decode_cursor, trim_page
from app.preconditions import expected_revision, stale_revision_as
from app.query import forbid_unknown_params
from app.responses import (
    WRITE_RESPONSES,
    CursorParam,
    LimitParam,
    edit_responses,
    list_envelope,
    not_found,
    paging_headers,
    versioned_json_response,
)
from app.schemas import ListResponse
from app.sources import service
from app.sources.schemas import SourceData, SourceDetail, SourcePublic, SourceUpdate

router = APIRouter(
    prefix="/v1/sources", tags=["sources"], dependencies=[Depends(forbid_unknown_params)]
)
NOT_FOUND = not_found("source")
EDIT_RESPONSES = edit_responses("source")
SourceId = Annotated[int, Path(description="The source's id.", examples=[2])]


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
    read = service.list_sources(session, limit=limit + 1, after_id=after_id)
    sources, next_cursor = trim_page(read, limit, sort="id")
    response.headers.update(paging_headers(request, next_cursor))
    return list_envelope(
        request,
        [service.source_document(s) for s in sources],
        data_version=read_state(session).data_version,
        limit=limit,
        next_cursor=next_cursor,
        sort="id",
    )


def _detail(session: Session, source: Source, *, status_code: int = 200) -> Response:
    chain = service.relay_chains(session, [source.id])[source.id]
    detail = {
        **service.source_document(source),
        "relay_chain": [service.source_document(s) for s in chain[1:]],
        "observation_count": service.count_observations(session, source.id),
    }
    headers = {"Location": f"/v1/sources/{source.id}"} if status_code == 201 else {}
    return versioned_json_response(
        detail, revision_etag=service.etag(source), status_code=status_code, headers=headers
    )


@router.get("/{source_id}", response_model=SourceDetail, responses=NOT_FOUND)
def read_source(source_id: SourceId, session: SessionDep) -> Response:
    """Read one source, with the chain of sources it reached us through. The ETag header
    names its revision: send it back as If-Match to edit."""
    return _detail(session, service.get_source(session, source_id))


@router.post(
    "",
    status_code=201,
    response_model=SourceDetail,
    responses=WRITE_RESPONSES,
    openapi_extra=body_openapi(SourceData),
)
def create_source(
    actor: EditorDep,
    data: Annotated[SourceData, Depends(json_body(SourceData, after=require_editor))],
    session: WriteSessionDep,
) -> Response:
    """Add a source (editor). Answers 201 with Location and ETag."""
    source = service.create_source(session, data, actor=actor.name)
    bump_data_version(session)
    return _detail(session, source, status_code=201)


@router.patch(
    "/{source_id}",
    response_model=SourceDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(SourceUpdate),
)
def edit_source(
    source_id: SourceId,
    actor: EditorDep,
    changes: Annotated[SourceUpdate, Depends(json_body(SourceUpdate, after=require_editor))],
    session: WriteSessionDep,
    if_match: Annotated[
        str | None, Header(description="The ETag of the revision you are replacing.")
    ] = None,
) -> Response:
    """Correct a source (editor): a new revision, with a reason. Name the revision replaced
    with If-Match (or `revision` in the body); a stale one changes nothing."""
    revision, via_header = expected_revision(
        if_match, changes.revision, kind="source", record_id=source_id
    )
    with stale_revision_as(via_header):
        source, outcome = service.edit_source(
            session,
            source_id,
            changes.changes(),
            expected_revision=revision,
            actor=actor.name,
            reason=changes.reason,
        )
    if outcome == "updated":
        bump_data_version(session)
    return _detail(session, source)
