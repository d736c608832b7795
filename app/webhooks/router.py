from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import AdminDep, require_admin
from app.domain.lists import ListResponse
from app.http.bodies import body_openapi
from app.http.context import ContextDep, WriteSessionDep
from app.http.envelopes import list_envelope
from app.http.formats import json_response
from app.http.openapi import PROBLEM, WRITE_RESPONSES, not_found
from app.http.paging import paging_headers, read_page
from app.http.query import NoParameters, PageParameters, record_id
from app.http.writes import NewRecord, new_record
from app.webhooks import service
from app.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookStatusChange,
    delivery_document,
    webhook_document,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WebhookId = Annotated[int, record_id("webhook", example=1)]
Registration = Annotated[
    NewRecord[WebhookCreate],  # type: ignore[valid-type]
    new_record(WebhookCreate, writer=require_admin),
]
StatusChange = Annotated[
    NewRecord[WebhookStatusChange],  # type: ignore[valid-type]
    new_record(WebhookStatusChange, writer=require_admin),
]
ADMINS_ONLY = {
    401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "Not an admin token.", **PROBLEM},
}
WEBHOOK_NOT_FOUND = {**ADMINS_ONLY, **not_found("webhook")}


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    responses={
        **WRITE_RESPONSES,
        400: {"description": "since is neither a cursor of /v1/changes nor a moment.", **PROBLEM},
    },
    openapi_extra=body_openapi(WebhookCreate),
)
def create_webhook(
    registration: Registration, request: Request, session: WriteSessionDep
) -> Response:
    """Subscribe a URL to the changes that match its filters (admin). Each is POSTed as it
    is committed, signed per the Standard Webhooks specification with the secret this
    answer shows once (docs/sync.md). Answers 201 with Location."""
    body = registration.body
    webhook = service.create_webhook(
        session,
        body,
        since=body.since,
        actor=registration.actor.name,
        allow_private=request.app.state.settings.webhooks_allow_private_addresses,
    )
    document = webhook_document(webhook, with_secret=True)
    return json_response(
        document, status_code=201, headers={"Location": f"/v1/webhooks/{webhook.id}"}
    )


@router.get("", response_model=ListResponse[WebhookPublic], responses=ADMINS_ONLY)
def list_webhooks(
    _: AdminDep,
    request: Request,
    params: Annotated[PageParameters, Query()],
    context: ContextDep,
) -> Response:
    """List the subscriptions in id order (admin), with where each one's delivery stands."""
    webhooks, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort="id",
        read=lambda after, count: service.list_webhooks(
            context.session, limit=count, after_id=after.id if after else None
        ),
    )
    envelope = list_envelope(
        request,
        [webhook_document(webhook) for webhook in webhooks],
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="id",
    )
    return json_response(envelope, headers=paging_headers(request, next_cursor))


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=WEBHOOK_NOT_FOUND)
def read_webhook(
    webhook_id: WebhookId, _: AdminDep, __: Annotated[NoParameters, Query()], context: ContextDep
) -> Response:
    """Read one subscription (admin): its filters, status and the last change delivered."""
    return json_response(webhook_document(service.get_webhook(context.session, webhook_id)))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookPublic,
    responses={**WRITE_RESPONSES, **not_found("webhook")},
    openapi_extra=body_openapi(WebhookStatusChange),
)
def change_webhook_status(
    webhook_id: WebhookId, change: StatusChange, session: WriteSessionDep
) -> Response:
    """Pause a subscription, or resume it (admin): resumed, it goes on from the change it
    stopped at, tried at once."""
    webhook = service.set_status(session, webhook_id, change.body.status, actor=change.actor.name)
    return json_response(webhook_document(webhook))


@router.delete("/{webhook_id}", status_code=204, responses=WEBHOOK_NOT_FOUND)
def delete_webhook(
    webhook_id: WebhookId,
    actor: AdminDep,
    _: Annotated[NoParameters, Query()],
    session: WriteSessionDep,
) -> Response:
    """Remove a subscription and its deliveries log (admin): nothing more is sent to it."""
    service.delete_webhook(session, webhook_id, actor=actor.name)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=ListResponse[WebhookDeliveryPublic],
    responses=WEBHOOK_NOT_FOUND,
)
def list_deliveries(
    webhook_id: WebhookId,
    _: AdminDep,
    request: Request,
    params: Annotated[PageParameters, Query()],
    context: ContextDep,
) -> Response:
    """List a subscription's delivery attempts, newest first (admin): each change's
    message id, the receiver's status or the error, how long it took, and when a failed
    one is tried again."""
    deliveries, next_cursor = read_page(
        params.cursor,
        limit=params.limit,
        sort="-id",
        read=lambda after, count: service.list_deliveries(
            context.session, webhook_id, limit=count, after_id=after.id if after else None
        ),
    )
    envelope = list_envelope(
        request,
        [delivery_document(delivery) for delivery in deliveries],
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="-id",
    )
    return json_response(envelope, headers=paging_headers(request, next_cursor))
