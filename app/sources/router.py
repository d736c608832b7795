from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import require_editor
from app.domain.lists import ListResponse
from app.domain.revisions import revision_entry
from app.domain.tables import TABLE_MEDIA_TYPES
from app.errors import NotFound
from app.http.bodies import body_openapi
from app.http.conditional import record_etag, record_response, written_response
from app.http.context import ContextDep, WriteSessionDep
from app.http.envelopes import list_envelope, served_list
from app.http.formats import AcceptedFormatDep, content_disposition, json_response
from app.http.openapi import WRITE_RESPONSES, edit_responses, not_found, table_responses
from app.http.paging import read_page
from app.http.query import NoParameters, record_id
from app.http.writes import NewRecord, RecordChange, new_record, record_change
from app.sources import service
from app.sources.params import SourceQuery
from app.sources.schemas import (
    SourceCreate,
    SourceDetail,
    SourceListed,
    SourceRevisionPublic,
    SourceUpdate,
)

router = APIRouter(prefix="/v1/sources", tags=["sources"])
NOT_FOUND = not_found("source")
EDIT_RESPONSES = edit_responses("source")


SourceId = Annotated[int, record_id("source", example=2)]
Creation = Annotated[NewRecord[SourceCreate], new_record(SourceCreate, writer=require_editor)]
Correction = Annotated[
    RecordChange[SourceUpdate],
    record_change(SourceUpdate, kind="source", record=SourceId, writer=require_editor),
]


@router.get(
    "",
    response_model=ListResponse[SourceListed],
    responses=table_responses(
        "A page of sources by id; CSV and NDJSON on request, each page linking the next "
        '(`Link: rel="next"`).',
        service.SOURCE_CSV_COLUMNS,
        refused="An unknown parameter, or a bad format or cursor.",
    ),
)
def list_sources(
    request: Request,
    params: Annotated[SourceQuery, Query()],
    context: ContextDep,
    accepted: AcceptedFormatDep,
) -> Response:
    """List sources by id: publications and statements, with what they were relayed through."""
    sources, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort="id",
        read=lambda after, count: service.list_sources(
            context.session,
            limit=count,
            after_id=after.id if after else None,
            updated_after=params.updated_after,
        ),
    )
    counts = service.observation_counts(context.session, [s.id for s in sources])
    return served_list(
        request,
        [{**service.source_document(s), "observation_count": counts[s.id]} for s in sources],
        representation=params.format or accepted,
        csv_columns=service.SOURCE_CSV_COLUMNS,
        filename="sources.csv",
        data_version=context.data_version,
        sort="id",
        limit=params.limit,
        next_cursor=next_cursor,
    )


@router.get(
    "/{source_id}/history",
    response_model=ListResponse[SourceRevisionPublic],
    responses=NOT_FOUND,
)
def read_source_history(
    source_id: SourceId,
    request: Request,
    _: Annotated[NoParameters, Query()],
    context: ContextDep,
) -> Response:
    """List every revision of a source: when, by whom, why, and what it said."""
    revisions = service.list_history(context.session, source_id)
    data = [
        {**revision_entry(revision), "source": service.source_document(revision)}
        for revision in revisions
    ]
    envelope = list_envelope(request, data, data_version=context.data_version, sort="revision")
    return json_response(envelope)


@router.get("/{source_id}", response_model=SourceDetail, responses=NOT_FOUND)
def read_source(
    source_id: SourceId, _: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read one source, with the chain of sources it reached us through. The ETag header
    names its revision: send it back as If-Match to edit."""
    source = service.get_source(context.session, source_id)
    chain = service.chain_of(context.catalog.sources, source_id)
    detail = service.source_detail(context.session, source, chain)
    return record_response(detail, kind="source", record_id=source.id, revision=source.revision)


TEXT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The source's full text, as kept.",
        "content": {
            "text/plain": {
                "schema": {"type": "string"},
                "example": "Thousands of North Korean laborers have been sent to work in "
                "punishing conditions in Russia ...",
            }
        },
    },
    404: {
        "description": "No source has this id, or it keeps no text (see `has_text`).",
        **NOT_FOUND[404],
    },
}


@router.get("/{source_id}/text", response_class=Response, responses=TEXT_RESPONSES)
def read_source_text(
    source_id: SourceId, _: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read a source's full text, which observations' quotes are checked against. An
    observation's `quote_url` points into it with an RFC 5147 fragment (#char=start,end, in
    Unicode code points). A source that keeps only the hash of its text has none to serve."""
    source = service.get_source(context.session, source_id)
    if source.text is None:
        raise NotFound(
            f"Source {source_id} keeps no text"
            + (
                " (only its SHA-256: its licence forbids keeping it)."
                if source.text_sha256
                else "."
            ),
            subject="source text",
        )
    body = source.text.encode()
    headers = {"ETag": record_etag("source", source.id, source.revision, body)}
    return Response(body, headers=headers, media_type="text/plain; charset=utf-8")


# The first lines of tables as publishers serve them (the seed's UN DESA table; the OECD's).
TABLE_EXAMPLES = {
    "text/csv": ",,,,United Nations,,,...\r\n",
    "application/vnd.sdmx.data+csv": "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,REF_AREA,...\n"
    "DATAFLOW,OECD.ELS.IMD:DSD_MIG@DF_MIG(1.0),International migration database,I,ITA,...\n",
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The table the source keeps, byte for byte as it was loaded; its ETag "
        "is its SHA-256 (`file_sha256`).",
        "content": {
            media_type: {
                "schema": {"type": "string", "format": "binary"},
                "example": TABLE_EXAMPLES[media_type],
            }
            for media_type in TABLE_MEDIA_TYPES
        },
    },
    404: {
        "description": "No source has this id, or it keeps no table (see `file_sha256`).",
        **NOT_FOUND[404],
    },
}


@router.get("/{source_id}/file", response_class=Response, responses=FILE_RESPONSES)
def read_source_file(
    source_id: SourceId, _: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read the statistical table a source keeps (CSV or SDMX-CSV), which the cells of its
    figures are checked against. An observation's `cell_url` points into it with an RFC
    7111 fragment (#cell=row,column, counted from 1, the header being row 1)."""
    source, stored = service.source_file(context.session, source_id)
    headers = {
        "ETag": f'"{stored.sha256}"',
        "Content-Disposition": content_disposition(source.file_name or f"source-{source_id}.csv"),
    }
    return Response(stored.content, headers=headers, media_type=stored.media_type)


@router.post(
    "",
    status_code=201,
    response_model=SourceDetail,
    responses=WRITE_RESPONSES,
    openapi_extra=body_openapi(SourceCreate),
)
def create_source(creation: Creation, session: WriteSessionDep) -> Response:
    """Add a source (editor). Answers 201 with Location and ETag."""
    source = service.create_source(session, creation.body, actor=creation.actor.name)
    detail = service.written_detail(session, source)
    return written_response(detail, kind="source", record=source, created=True)


@router.patch(
    "/{source_id}",
    response_model=SourceDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(SourceUpdate),
)
def edit_source(change: Correction, session: WriteSessionDep) -> Response:
    """Correct a source (editor): a new revision, with a reason. Name the revision replaced
    with If-Match (or `revision` in the body); a stale one changes nothing."""
    with change.replacing():
        source, _outcome = service.edit_source(
            session,
            change.record_id,
            change.body.changes(),
            expected_revision=change.revision,
            actor=change.actor.name,
            reason=change.body.reason,
        )
    return written_response(service.written_detail(session, source), kind="source", record=source)
