"""The bodies and documents of webhook subscriptions, from app.domain.webhook."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.revisions import ChangedKind
from app.domain.webhook import (
    AttemptOutcome,
    WebhookAttempt,
    WebhookBase,
    WebhookStatus,
)
from app.models import Webhook, WebhookDelivery
from app.webhooks.service import delivered_through

EXAMPLE_URL = "https://newsroom.example.org/hooks/laborstats"


class WebhookCreate(WebhookBase):
    """A subscription to register: where, which changes, and from where in the feed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"url": EXAMPLE_URL, "origin": "PRK", "destination": "RUS"},
                {"url": EXAMPLE_URL, "kind": "source", "since": "2026-12-01"},
            ]
        },
    )

    since: str | None = Field(
        default=None,
        max_length=64,
        description="Deliver the changes after this cursor of /v1/changes, or recorded from "
        "this UTC moment, first; without it, those made from now on.",
    )


class WebhookStatusChange(BaseModel):
    """Pause a subscription, or resume one (paused by an admin or after failing)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "active"}]}
    )

    status: WebhookStatus = Field(description="active (resume) or paused.")


WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "url": EXAMPLE_URL,
    "kind": None,
    "origin": "PRK",
    "destination": "RUS",
    "description": "The newsroom's PRK to RUS monitor",
    "status": "active",
    "paused_reason": None,
    "created_at": "2026-12-07T10:00:00Z",
    "created_by": "chief",
    "delivered_through": "41.2.17.2",
    "failures": 0,
    "next_attempt_at": None,
    "deliveries": "/v1/webhooks/1/deliveries",
}
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class WebhookPublic(BaseModel):
    """A subscription as served: never its secret, shown once when it is registered."""

    model_config = ConfigDict(json_schema_extra={"examples": [WEBHOOK_EXAMPLE]})

    id: int
    url: str
    kind: ChangedKind | None
    origin: str | None
    destination: str | None
    description: str | None
    status: WebhookStatus
    paused_reason: str | None = Field(description="Why it is paused, when it is.")
    created_at: datetime
    created_by: str
    delivered_through: str = Field(
        description="The /v1/changes cursor of the last change delivered (or skipped as "
        "made before the subscription): the next delivery is the first matching after it."
    )
    failures: int = Field(description="Failed attempts in a row at the next change.")
    next_attempt_at: datetime | None = Field(description="When a failed change is retried.")
    deliveries: str = Field(description="Its delivery attempts: a link.")


class WebhookCreated(WebhookPublic):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**WEBHOOK_EXAMPLE, "secret": SECRET_EXAMPLE}]}
    )

    secret: str = Field(
        description="The signing secret (whsec_...), shown this once: keep it to verify "
        "each delivery's webhook-signature (Standard Webhooks, HMAC-SHA256)."
    )


class WebhookDeliveryPublic(WebhookAttempt):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "webhook_id": 1,
                    "message_id": "msg_41.2.17.2",
                    "event_type": "observation.revised",
                    "cursor": "41.2.17.2",
                    "attempt": 2,
                    "attempted_at": "2026-12-07T10:00:05Z",
                    "outcome": "failed",
                    "status_code": 503,
                    "error": "Service Unavailable",
                    "duration_ms": 48,
                    "next_attempt_at": "2026-12-07T10:00:13Z",
                }
            ]
        }
    )

    id: int
    outcome: AttemptOutcome


def webhook_document(webhook: Webhook, *, with_secret: bool = False) -> dict[str, Any]:
    document = {
        "id": webhook.id,
        "url": webhook.url,
        "kind": webhook.kind,
        "origin": webhook.origin,
        "destination": webhook.destination,
        "description": webhook.description,
        "status": webhook.status,
        "paused_reason": webhook.paused_reason,
        "created_at": webhook.created_at,
        "created_by": webhook.created_by,
        "delivered_through": delivered_through(webhook),
        "failures": webhook.failures,
        "next_attempt_at": webhook.next_attempt_at,
        "deliveries": f"/v1/webhooks/{webhook.id}/deliveries",
    }
    if with_secret:
        document["secret"] = webhook.secret
    return document


def delivery_document(delivery: WebhookDelivery) -> dict[str, Any]:
    return WebhookDeliveryPublic.model_validate(delivery, from_attributes=True).model_dump()
