"""A webhook subscription's fields, declared once: what an admin registers (`WebhookBase`:
where to send, and which changes, filtered like the change feed), what the API keeps
(`WebhookState`: the secret, where delivery stands, failures, pausing) and each delivery
attempt (`WebhookAttempt`). Deliveries follow the change feed itself (app.changes): the
revisions a write commits are the outbox its webhooks are delivered from."""

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import BigInteger, String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import IdColumn, ValidText
from app.domain.codes import CountryCode
from app.domain.columns import UTCDateTime
from app.domain.revisions import ChangedKind

MAX_URL_LENGTH = 2000


class WebhookStatus(StrEnum):
    active = "active"  # delivering
    paused = "paused"  # by an admin, or after failing `WEBHOOKS_MAX_FAILURES` times running


class AttemptOutcome(StrEnum):
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # it answered otherwise, or could not be reached in time
    refused = "refused"  # not sent: the URL resolves to an address not allowed (SSRF)


class WebhookBase(SQLModel):
    """A subscription as an admin registers it."""

    model_config = ConfigDict(extra="forbid")

    url: ValidText = Field(
        max_length=MAX_URL_LENGTH,
        sa_type=Text,
        description="Where each change is POSTed: http or https. One that resolves to a "
        "loopback, private or link-local address is refused (unless the server's setting "
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is true), and a redirect is not followed.",
        schema_extra={"examples": ["https://newsroom.example.org/hooks/laborstats"]},
    )
    kind: ChangedKind | None = Field(
        default=None, sa_type=String(16), description="Only changes of this kind of record."
    )
    origin: CountryCode | None = Field(
        default=None,
        sa_type=String(3),
        description="Only changes to observations and events of this origin, as the feed "
        "filters: sources name no pair and are left out.",
    )
    destination: CountryCode | None = Field(
        default=None,
        sa_type=String(3),
        description="Only changes to observations and events of this destination.",
    )
    description: ValidText | None = Field(
        default=None, max_length=500, sa_type=Text, description="What it is for, for admins."
    )


class WebhookState(WebhookBase):
    """A subscription as stored: its secret, and where its delivery stands."""

    model_config = ConfigDict(extra="ignore")

    secret: str = Field(max_length=100, description="The signing secret, in whsec_ form.")
    status: WebhookStatus = Field(default=WebhookStatus.active, sa_type=String(16))
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    # The last change delivered (or skipped as before the subscription): the change feed's
    # cursor, (data version, kind's rank, id, revision).
    after_version: int = Field(default=0, sa_type=BigInteger)
    after_rank: int = Field(default=0)
    after_id: int = Field(default=0, sa_type=BigInteger)
    after_revision: int = Field(default=0)
    # The data version up to which nothing was left to deliver: a pass skips the
    # subscription until the data version moves past it.
    checked_version: int = Field(default=0, sa_type=BigInteger)
    failures: int = Field(default=0, description="Failed attempts in a row.")
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # One deliverer at a time: a process delivers only while it holds the lease.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_reason: str | None = Field(default=None, sa_type=Text)


class WebhookAttempt(SQLModel):
    """One attempt to deliver one change to one subscription."""

    webhook_id: int = Field(foreign_key="webhook.id", sa_type=IdColumn, index=False)
    message_id: str = Field(max_length=100, description="webhook-id: the same on every retry.")
    event_type: str = Field(max_length=32, description="observation.revised, source.created...")
    cursor: str = Field(max_length=100, description="The change's place in /v1/changes.")
    attempt: int = Field(description="1 for the first attempt at this change, then 2...")
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    outcome: AttemptOutcome = Field(sa_type=String(16))
    status_code: int | None = Field(default=None, description="The receiver's HTTP status.")
    error: str | None = Field(default=None, sa_type=Text, description="Why it failed.")
    duration_ms: int = Field(description="From connecting to the end of the answer.")
    next_attempt_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When the change is tried again."
    )
