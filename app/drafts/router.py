from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import EditorDep, require_editor
from app.dataset.state import read_state
from app.domain.draft import DraftPublic
from app.domain.lists import ListResponse
from app.drafts import service
from app.drafts.params import DraftQuery
from app.drafts.schemas import DraftAcceptance, DraftRejection
from app.http.bodies import body_openapi
from app.http.conditional import written_response
from app.http.context import ContextDep, WriteSessionDep
from app.http.envelopes import list_envelope
from app.http.formats import json_response
from app.http.openapi import PROBLEM, WRITE_RESPONSES, not_found
from app.http.paging import paging_headers, read_page
from app.http.query import NoParameters, record_id
from app.http.writes import NewRecord, new_record
from app.observations.schemas import ObservationDetail
from app.observations.service import written_detail

router = APIRouter(prefix="/v1", tags=["drafts"])

DraftId = Annotated[int, record_id("draft", example=1)]
SourceId = Annotated[int, record_id("source", example=1)]
Acceptance = Annotated[
    NewRecord[DraftAcceptance],  # type: ignore[valid-type]
    new_record(DraftAcceptance, writer=require_editor),
]
Rejection = Annotated[NewRecord[DraftRejection], new_record(DraftRejection, writer=require_editor)]
EDITORS_ONLY = {
    401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "Not an editor's token: drafts are for review.", **PROBLEM},
}
DRAFT_NOT_FOUND = {**EDITORS_ONLY, **not_found("draft")}
DECISION_RESPONSES = {
    **WRITE_RESPONSES,
    **not_found("draft"),
    409: {"description": "The draft was accepted or rejected already.", **PROBLEM},
}


@router.post(
    "/sources/{source_id}/drafts",
    status_code=201,
    response_model=ListResponse[DraftPublic],
    responses={
        **EDITORS_ONLY,
        **not_found("source"),
        409: {"description": "The source keeps no text to read.", **PROBLEM},
    },
)
def propose_drafts(
    source_id: SourceId,
    request: Request,
    actor: EditorDep,
    _: Annotated[NoParameters, Query()],
    session: WriteSessionDep,
) -> Response:
    """Read the source's stored text and propose a draft observation for every figure it
    states (editor). Figures drafted before are not drafted again: this lists every draft
    of the source, `meta.created` saying how many are new. Drafts are not observations: an
    editor accepts or rejects each (docs/drafts.md)."""
    drafts, created = service.propose_drafts(session, source_id, actor=actor.name)
    version = read_state(session).version
    envelope = list_envelope(
        request, service.drafts_rows(session, drafts), data_version=version, sort="id"
    )
    envelope["meta"]["created"] = created
    return json_response(envelope, status_code=201)


@router.get("/drafts", response_model=ListResponse[DraftPublic], responses=EDITORS_ONLY)
def list_drafts(
    _: EditorDep,
    request: Request,
    params: Annotated[DraftQuery, Query()],
    context: ContextDep,
) -> Response:
    """List drafts in id order (editor), by source and status: what waits for review."""
    drafts, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort="id",
        read=lambda after, count: service.list_drafts(
            context.session,
            source_id=params.source_id,
            status=params.status,
            limit=count,
            after_id=after.id if after else None,
        ),
    )
    envelope = list_envelope(
        request,
        service.drafts_rows(context.session, drafts),
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="id",
    )
    return json_response(envelope, headers=paging_headers(request, next_cursor))


@router.get("/drafts/{draft_id}", response_model=DraftPublic, responses=DRAFT_NOT_FOUND)
def read_draft(
    draft_id: DraftId, _: EditorDep, __: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read one draft (editor): the proposal, which words made each reading, and what an
    editor decided."""
    (document,) = service.drafts_rows(
        context.session, [service.get_draft(context.session, draft_id)]
    )
    return json_response(document)


@router.post(
    "/drafts/{draft_id}/accept",
    status_code=201,
    response_model=ObservationDetail,
    responses=DECISION_RESPONSES,
    openapi_extra=body_openapi(DraftAcceptance),
)
def accept_draft(draft_id: DraftId, acceptance: Acceptance, session: WriteSessionDep) -> Response:
    """Accept a draft (editor), as it is or with changes: it becomes an observation through
    the ordinary write path (its quote checked against the text), whose first revision says
    which draft it came from. Answers 201 with the observation, its Location and ETag."""
    body = acceptance.body
    observation = service.accept_draft(
        session, draft_id, body.changes(), actor=acceptance.actor.name, reason=body.reason
    )
    detail = written_detail(session, observation)
    return written_response(detail, kind="observation", record=observation, created=True)


@router.post(
    "/drafts/{draft_id}/reject",
    response_model=DraftPublic,
    responses=DECISION_RESPONSES,
    openapi_extra=body_openapi(DraftRejection),
)
def reject_draft(draft_id: DraftId, rejection: Rejection, session: WriteSessionDep) -> Response:
    """Reject a draft (editor), with a reason: it stays listed as rejected, and is never
    proposed again."""
    draft = service.reject_draft(
        session, draft_id, actor=rejection.actor.name, reason=rejection.body.reason
    )
    (document,) = service.drafts_rows(session, [draft])
    return json_response(document)
