"""Webhook subscriptions and every attempt to deliver to them (app.domain.webhook)."""

from sqlalchemy import Index
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.webhook import AttemptOutcome, WebhookAttempt, WebhookState, WebhookStatus
from app.models.base import one_of


class Webhook(WebhookState, table=True):
    """A subscription, and where its delivery stands."""

    # A pass reads the subscriptions due for delivery.
    __table_args__ = (one_of("status", WebhookStatus), Index("ix_webhook_status", "status"))

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)


class WebhookDelivery(WebhookAttempt, table=True):
    """An attempt, kept for the admin (GET /v1/webhooks/{id}/deliveries)."""

    __tablename__ = "webhook_delivery"
    # A subscription's attempts, newest first.
    __table_args__ = (
        one_of("outcome", AttemptOutcome),
        Index("ix_webhook_delivery_webhook_id_id", "webhook_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
