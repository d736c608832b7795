"""Delivering changes to webhooks. The revisions a write commits are the outbox: each
subscription keeps the change feed's cursor of the last change it was sent, and a
deliverer sends the next one that matches its filters, signed, and moves the cursor only
when the receiver answered 2xx. So a write that rolls back sends nothing, a crash or a
restart loses nothing (the change is sent again, with the same `webhook-id`), and changes
arrive in the feed's order, one at a time per subscription: a deliverer holds a lease on
the subscription while it delivers, whichever process or instance it runs in. A failed
attempt is retried after a backoff that doubles, with jitter; a subscription that fails
`max_failures` times in a row is paused. Writes never wait for any of it."""

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, insert, or_, select, update

from app.changes.service import Change, ChangeFilter, ChangeKey, cursor, document, list_changes
from app.config import Settings
from app.dataset.state import read_state
from app.db import DataSession
from app.domain.columns import utc_now
from app.domain.webhook import AttemptOutcome, WebhookStatus
from app.models import Webhook, WebhookDelivery
from app.webhooks.addresses import AddressRefused, check_destination
from app.webhooks.signing import signed_headers

log = logging.getLogger("laborstats.webhooks")

# Changes sent to one subscription before the deliverer turns to the next one due.
BATCH = 100
# Most of a receiver's answer kept in the deliveries log.
KEPT_ERROR_CHARS = 500


def _default(setting: str) -> Any:
    return Settings.model_fields[setting].default


@dataclass(frozen=True)
class Policy:
    """How deliveries are made and retried (the WEBHOOKS_* settings, whose defaults these
    are)."""

    allow_private: bool = _default("webhooks_allow_private_addresses")
    timeout_s: float = _default("webhooks_timeout_s")
    retry_base_s: float = _default("webhooks_retry_base_s")
    retry_max_s: float = _default("webhooks_retry_max_s")
    max_failures: int = _default("webhooks_max_failures")

    @classmethod
    def from_settings(cls, settings: Settings) -> "Policy":
        return cls(
            allow_private=settings.webhooks_allow_private_addresses,
            timeout_s=settings.webhooks_timeout_s,
            retry_base_s=settings.webhooks_retry_base_s,
            retry_max_s=settings.webhooks_retry_max_s,
            max_failures=settings.webhooks_max_failures,
        )

    @property
    def lease(self) -> timedelta:
        # Long enough for the address check and the slowest attempt allowed.
        return timedelta(seconds=2 * self.timeout_s + 5)

    def retry_delay(self, failures: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds before the next attempt after `failures` failures in a row: doubling
        from the base, capped, and drawn from its upper half (jitter spreads receivers
        that come back at once)."""
        delay = min(self.retry_max_s, self.retry_base_s * 2 ** (failures - 1))
        return delay / 2 + draw() * delay / 2


@dataclass(frozen=True)
class Attempt:
    outcome: AttemptOutcome
    status_code: int | None
    error: str | None
    duration_ms: int


def message_id(change: Change) -> str:
    """The same for every attempt at the same change, so that a receiver can drop repeats."""
    return f"msg_{cursor(change.key)}"


def event_type(change: Change) -> str:
    return f"{change.kind}.{change.action}"


def payload(change: Change) -> bytes:
    """The message: Standard Webhooks' type, timestamp and data; the data is the change as
    /v1/changes serves it, with its cursor."""
    data = {**document(change), "cursor": cursor(change.key)}
    message = {"type": event_type(change), "timestamp": change.recorded_at, "data": data}
    return orjson.dumps(message, option=orjson.OPT_UTC_Z)


def filter_of(webhook: Webhook) -> ChangeFilter:
    return ChangeFilter(origin=webhook.origin, destination=webhook.destination, kind=webhook.kind)


def position(webhook: Webhook) -> ChangeKey:
    return ChangeKey(
        webhook.after_version, webhook.after_rank, webhook.after_id, webhook.after_revision
    )


class Deliverer:
    """Delivers what is due, in short transactions of its own: none is open while a
    receiver is being waited for."""

    def __init__(
        self,
        engine: Engine,
        write_engine: Engine,
        client: httpx.Client,
        policy: Policy,
        stopping: threading.Event | None = None,
    ) -> None:
        self.engine = engine
        self.write_engine = write_engine
        self.client = client
        self.policy = policy
        self.stopping = stopping or threading.Event()

    def run_pass(self) -> int:
        """Deliver to every subscription due; how many changes were delivered."""
        now = utc_now()
        with DataSession(self.engine) as session:
            version = read_state(session).version
            due = session.scalars(
                select(Webhook.id)
                .where(
                    Webhook.status == WebhookStatus.active,
                    or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now),  # type: ignore[union-attr]
                    or_(Webhook.lease_until.is_(None), Webhook.lease_until < now),  # type: ignore[union-attr]
                    or_(Webhook.checked_version < version, Webhook.failures > 0),
                )
                .order_by(Webhook.id)
            ).all()
        delivered = 0
        for webhook_id in due:
            if self.stopping.is_set():
                break
            delivered += self.deliver_to(webhook_id, version)
        return delivered

    def deliver_to(self, webhook_id: int, version: int) -> int:
        """Send a subscription its next changes while they are delivered, holding its lease;
        how many were."""
        if not self._claim(webhook_id):
            return 0  # another deliverer has it
        delivered = 0
        while delivered < BATCH and not self.stopping.is_set():
            with DataSession(self.engine) as session:
                webhook = session.get(Webhook, webhook_id)
                if webhook is None or webhook.status != WebhookStatus.active:
                    return delivered
                changes = list_changes(
                    session, filter_of(webhook), after=position(webhook), limit=1
                )
                session.expunge(webhook)
            if not changes:
                self._release(webhook_id, checked_version=version)  # caught up
                return delivered
            (change,) = changes
            attempt = self._attempt(webhook, change)
            if not self._record(webhook, change, attempt):
                return delivered
            delivered += 1
        self._release(webhook_id)
        return delivered

    def _claim(self, webhook_id: int) -> bool:
        now = utc_now()
        with DataSession(self.write_engine) as session:
            claimed = session.execute(
                update(Webhook)
                .where(
                    Webhook.id == webhook_id,  # type: ignore[arg-type]
                    Webhook.status == WebhookStatus.active,
                    or_(Webhook.lease_until.is_(None), Webhook.lease_until < now),  # type: ignore[union-attr]
                )
                .values(lease_until=now + self.policy.lease)
            ).rowcount
            session.commit()
        return claimed == 1

    def _release(self, webhook_id: int, **values: object) -> None:
        with DataSession(self.write_engine) as session:
            session.execute(
                update(Webhook)
                .where(Webhook.id == webhook_id)  # type: ignore[arg-type]
                .values(lease_until=None, **values)
            )
            session.commit()

    def _attempt(self, webhook: Webhook, change: Change) -> Attempt:
        started = time.perf_counter()

        def took() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            check_destination(webhook.url, allow_private=self.policy.allow_private)
        except AddressRefused as exc:
            return Attempt(AttemptOutcome.refused, None, exc.detail, took())
        body = payload(change)
        headers = signed_headers(
            webhook.secret, message_id=message_id(change), timestamp=int(time.time()), body=body
        )
        try:
            response = self.client.post(webhook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(AttemptOutcome.failed, None, f"{type(exc).__name__}: {exc}", took())
        if response.is_success:
            return Attempt(AttemptOutcome.delivered, response.status_code, None, took())
        error = (
            f"redirect to {response.headers.get('location')!r} not followed"
            if response.is_redirect
            else response.text[:KEPT_ERROR_CHARS] or response.reason_phrase
        )
        return Attempt(AttemptOutcome.failed, response.status_code, error, took())

    def _record(self, webhook: Webhook, change: Change, attempt: Attempt) -> bool:
        """Log the attempt and move the subscription on (delivered) or back off (failed);
        False when it should not go on now."""
        assert webhook.id is not None
        now = utc_now()
        delivered = attempt.outcome is AttemptOutcome.delivered
        failures = 0 if delivered else webhook.failures + 1
        retry_at: datetime | None = None
        values: dict[str, object] = {"failures": failures}
        if delivered:
            key = change.key
            values.update(
                after_version=key.version,
                after_rank=key.rank,
                after_id=key.id,
                after_revision=key.revision,
                next_attempt_at=None,
                lease_until=now + self.policy.lease,
            )
        else:
            retry_at = now + timedelta(seconds=self.policy.retry_delay(failures))
            values.update(next_attempt_at=retry_at, lease_until=None)
            if failures >= self.policy.max_failures:
                retry_at = None
                values.update(
                    status=WebhookStatus.paused,
                    next_attempt_at=None,
                    paused_reason=f"paused after {failures} failed attempts in a row; the "
                    f"last: {attempt.error or attempt.status_code}",
                )
        with DataSession(self.write_engine) as session:
            # Only while the subscription is still there and active: an admin may have
            # paused or removed it meanwhile.
            moved = session.execute(
                update(Webhook)
                .where(
                    Webhook.id == webhook.id,  # type: ignore[arg-type]
                    Webhook.status == WebhookStatus.active,
                )
                .values(**values)
            ).rowcount
            if moved:
                session.execute(
                    insert(WebhookDelivery).values(
                        webhook_id=webhook.id,
                        message_id=message_id(change),
                        event_type=event_type(change),
                        cursor=cursor(change.key),
                        attempt=webhook.failures + 1,
                        attempted_at=now,
                        outcome=attempt.outcome,
                        status_code=attempt.status_code,
                        error=attempt.error,
                        duration_ms=attempt.duration_ms,
                        next_attempt_at=retry_at,
                    )
                )
            session.commit()
        if not delivered:
            log.warning(
                "webhook delivery failed",
                extra={
                    "fields": {
                        "webhook_id": webhook.id,
                        "cursor": cursor(change.key),
                        "failures": failures,
                        "error": attempt.error,
                    }
                },
            )
        return bool(moved) and delivered


class DeliveryThread:
    """A process's deliverer, polling in a thread of its own: no request waits for it."""

    def __init__(self, deliverer: Deliverer, *, poll_s: float) -> None:
        self.deliverer = deliverer
        self.poll_s = poll_s
        self.thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Let the attempt under way finish (bounded by its timeout), then return."""
        self.deliverer.stopping.set()
        self.thread.join(timeout=self.deliverer.policy.timeout_s * 2 + 5)
        self.deliverer.client.close()

    def _run(self) -> None:
        while not self.deliverer.stopping.is_set():
            try:
                self.deliverer.run_pass()
            except Exception:  # the database down, say: try again at the next pass
                log.exception("webhook deliveries failed; trying again")
            self.deliverer.stopping.wait(self.poll_s)


def start_deliveries(
    engine: Engine, write_engine: Engine, settings: Settings
) -> DeliveryThread | None:
    """The server process's deliverer, started (None when WEBHOOKS_DELIVER is off)."""
    if not settings.webhooks_deliver:
        return None
    policy = Policy.from_settings(settings)
    # No redirects followed, no proxy from the environment: the address checked is the one
    # connected to.
    client = httpx.Client(timeout=policy.timeout_s, follow_redirects=False, trust_env=False)
    thread = DeliveryThread(
        Deliverer(engine, write_engine, client, policy), poll_s=settings.webhooks_poll_s
    )
    thread.start()
    return thread
