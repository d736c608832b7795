from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import require_editor
from app.dataset.files import EVENT_COLUMNS
from app.domain.edits import Retraction
from app.domain.event import EventPublic
from app.domain.lists import ListResponse
from app.domain.revisions import revision_entry
from app.events import service
from app.events.params import EventQuery
from app.events.schemas import (
    EventCreate,
    EventRevisionPublic,
    EventUpdate,
)
from app.http.bodies import body_openapi
from app.http.conditional import record_response, written_response
from app.http.context import ContextDep, WriteSessionDep
from app.http.envelopes import list_envelope, served_list
from app.http.formats import AcceptedFormatDep, json_response
from app.http.openapi import WRITE_RESPONSES, edit_responses, not_found, table_responses
from app.http.paging import read_page
from app.http.query import NoParameters, record_id
from app.http.writes import NewRecord, RecordChange, new_record, record_change

router = APIRouter(prefix="/v1/events", tags=["events"])
NOT_FOUND = not_found("event")
EDIT_RESPONSES = edit_responses("event")

EventId = Annotated[int, record_id("event", example=1)]
Creation = Annotated[NewRecord[EventCreate], new_record(EventCreate, writer=require_editor)]
Correction = Annotated[
    RecordChange[EventUpdate],
    record_change(EventUpdate, kind="event", record=EventId, writer=require_editor),
]
Withdrawal = Annotated[
    RecordChange[Retraction],
    record_change(Retraction, kind="event", record=EventId, writer=require_editor),
]


@router.get(
    "",
    response_model=ListResponse[EventPublic],
    responses=table_responses(
        "A page of events by date, then id; CSV and NDJSON on request, each page linking "
        'the next (`Link: rel="next"`).',
        EVENT_COLUMNS,
        refused="An unknown parameter, or a bad country, day, format or cursor.",
    ),
)
def list_events(
    request: Request,
    params: Annotated[EventQuery, Query()],
    context: ContextDep,
    accepted: AcceptedFormatDep,
) -> Response:
    """List dated events that sources report (a ban, a law), to draw beside the figures.

    An event concerns the origin and destination it names; one that names none on a side
    concerns every country there, so `origin=PRK` lists the events naming PRK and those
    naming no origin. Retracted events are left out; `as_of` lists them as they stood at
    the end of that day."""
    where = service.EventFilter(
        origin=params.origin,
        destination=params.destination,
        as_of=params.as_of,
        include_retracted=params.include_retracted,
        updated_after=params.updated_after,
    )
    events, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort=service.SORT,
        read=lambda after, count: service.list_events(
            context.session, where, limit=count, after=after
        ),
        sort_value=lambda event: event.occurred_on,
    )
    return served_list(
        request,
        service.documents(context.session, events, catalog=context.catalog, as_of=params.as_of),
        representation=params.format or accepted,
        csv_columns=EVENT_COLUMNS,
        filename="events.csv",
        data_version=context.data_version,
        sort=service.SORT,
        limit=params.limit,
        next_cursor=next_cursor,
    )


@router.get("/{event_id}", response_model=EventPublic, responses=NOT_FOUND)
def read_event(
    event_id: EventId, _: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read one event. Retracted events stay readable here, marked `retracted`. The ETag
    header names its revision: send it back as If-Match to edit."""
    event = service.get_event(context.session, event_id)
    (document,) = service.documents(context.session, [event], catalog=context.catalog)
    return record_response(document, kind="event", record_id=event.id, revision=event.revision)


@router.get(
    "/{event_id}/history",
    response_model=ListResponse[EventRevisionPublic],
    responses=NOT_FOUND,
)
def read_event_history(
    event_id: EventId,
    request: Request,
    _: Annotated[NoParameters, Query()],
    context: ContextDep,
) -> Response:
    """List every revision of an event: when, by whom, why, and what it said."""
    revisions = service.list_history(context.session, event_id)
    served = service.documents(context.session, revisions, catalog=context.catalog)
    data = [
        {**revision_entry(revision), "event": document}
        for revision, document in zip(revisions, served, strict=True)
    ]
    envelope = list_envelope(request, data, data_version=context.data_version, sort="revision")
    return json_response(envelope)


@router.post(
    "",
    status_code=201,
    response_model=EventPublic,
    responses=WRITE_RESPONSES,
    openapi_extra=body_openapi(EventCreate),
)
def create_event(creation: Creation, session: WriteSessionDep) -> Response:
    """Add an event (editor). Answers 201 with Location and ETag; the quote must be in its
    source's text."""
    event = service.create_event(session, creation.body, actor=creation.actor.name)
    document = service.written_document(session, event)
    return written_response(document, kind="event", record=event, created=True)


@router.patch(
    "/{event_id}",
    response_model=EventPublic,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(EventUpdate),
)
def edit_event(change: Correction, session: WriteSessionDep) -> Response:
    """Correct an event (editor): a new revision, with a reason. Name the revision replaced
    with If-Match (or `revision` in the body); a stale one changes nothing."""
    with change.replacing():
        event, _outcome = service.edit_event(
            session,
            change.record_id,
            change.body.changes(),
            expected_revision=change.revision,
            actor=change.actor.name,
            reason=change.body.reason,
        )
    return written_response(service.written_document(session, event), kind="event", record=event)


@router.post(
    "/{event_id}/retract",
    response_model=EventPublic,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(Retraction),
)
def retract_event(change: Withdrawal, session: WriteSessionDep) -> Response:
    """Retract an event (editor), with a reason: it leaves the lists but stays readable,
    and its history keeps every revision. Name the revision retracted with If-Match (or
    `revision` in the body)."""
    with change.replacing():
        event = service.retract_event(
            session,
            change.record_id,
            expected_revision=change.revision,
            actor=change.actor.name,
            reason=change.body.reason,
        )
    return written_response(service.written_document(session, event), kind="event", record=event)
