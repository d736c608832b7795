"""Webhook subscriptions, for admins: register one (its secret shown once), list and read
them, pause and resume, remove, and read each delivery attempt. Delivering is
app.webhooks.delivery's."""

from sqlalchemy import delete, select
from sqlmodel import Session

from app.changes.service import KINDS, ChangeKey, cursor, start_after
from app.dataset.audit import record_audit
from app.dataset.state import read_state
from app.domain.columns import utc_now
from app.domain.webhook import WebhookBase, WebhookStatus
from app.errors import NotFound
from app.models import Webhook, WebhookDelivery
from app.webhooks.addresses import check_destination
from app.webhooks.delivery import position
from app.webhooks.signing import new_secret


def create_webhook(
    session: Session,
    data: WebhookBase,
    *,
    since: str | None,
    actor: str,
    allow_private: bool,
) -> Webhook:
    """A subscription to the changes after `since` (a feed cursor or a moment), or to
    those made from now on."""
    check_destination(data.url, allow_private=allow_private)
    if since is not None:
        start = start_after(session, since) or ChangeKey(-1, 0, 0, 0)
    else:  # after every change committed so far
        start = ChangeKey(read_state(session).version, len(KINDS), 0, 0)
    webhook = Webhook(
        **data.model_dump(),
        secret=new_secret(),
        created_at=utc_now(),
        created_by=actor,
        after_version=start.version,
        after_rank=start.rank,
        after_id=start.id,
        after_revision=start.revision,
    )
    session.add(webhook)
    session.flush()
    record_audit(session, actor=actor, action="webhook.create", target=f"webhook/{webhook.id}")
    return webhook


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"No webhook with id {webhook_id}.", subject="webhook")
    return webhook


def list_webhooks(session: Session, *, limit: int, after_id: int | None) -> list[Webhook]:
    statement = select(Webhook).order_by(Webhook.id).limit(limit)  # type: ignore[arg-type]
    if after_id is not None:
        statement = statement.where(Webhook.id > after_id)  # type: ignore[operator]
    return list(session.scalars(statement))


def set_status(session: Session, webhook_id: int, status: WebhookStatus, *, actor: str) -> Webhook:
    """Pause a subscription, or resume it: resumed, it is tried at once, its count of
    failures cleared; it goes on from the change it stopped at."""
    webhook = get_webhook(session, webhook_id)
    if status == webhook.status:
        return webhook
    webhook.status = status
    if status == WebhookStatus.active:
        webhook.failures = 0
        webhook.paused_reason = None
        webhook.checked_version = 0
    else:
        webhook.paused_reason = f"paused by {actor}"
    webhook.next_attempt_at = None
    webhook.lease_until = None
    session.add(webhook)
    record_audit(session, actor=actor, action=f"webhook.{status}", target=f"webhook/{webhook_id}")
    return webhook


def delete_webhook(session: Session, webhook_id: int, *, actor: str) -> None:
    """Remove a subscription and its deliveries log: nothing more is sent to it."""
    get_webhook(session, webhook_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))  # type: ignore[arg-type]
    session.execute(delete(Webhook).where(Webhook.id == webhook_id))  # type: ignore[arg-type]
    record_audit(session, actor=actor, action="webhook.delete", target=f"webhook/{webhook_id}")


def list_deliveries(
    session: Session, webhook_id: int, *, limit: int, after_id: int | None
) -> list[WebhookDelivery]:
    """A subscription's attempts, newest first."""
    get_webhook(session, webhook_id)
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)  # type: ignore[arg-type]
        .order_by(WebhookDelivery.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    if after_id is not None:
        statement = statement.where(WebhookDelivery.id < after_id)  # type: ignore[operator]
    return list(session.scalars(statement))


def delivered_through(webhook: Webhook) -> str:
    """The feed cursor of the last change delivered (or of where the subscription began)."""
    return cursor(position(webhook))
