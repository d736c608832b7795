"""Webhook deliveries: every change that matches a subscription, made through the API
(imports and corrections included), POSTed in the feed's order, signed so that
standardwebhooks verifies it; nothing for a write rolled back; failures retried, then
paused; redirects not followed; one deliverer at a time however many run."""

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from app.config import Settings
from app.db import DataSession, create_db_engine
from app.main import create_app
from app.models import Webhook
from app.webhooks.delivery import Deliverer, Policy
from tests.conftest import Desk
from tests.factories import observation_fields
from tests.webhooks.receiver import Receiver, receiving

# Receivers in these tests listen on 127.0.0.1, which only this setting allows.
LOCAL = Policy(allow_private=True, timeout_s=5, retry_base_s=0.001, retry_max_s=0.001)


@pytest.fixture
def desk(seeded_db_url: str, client_for: Any, session_for: Any) -> Iterator[Desk]:
    """A desk whose API accepts subscribers on this machine, and delivers only when a test
    runs a deliverer."""
    settings = Settings(
        database_url=seeded_db_url,
        migrate_on_start=False,
        webhooks_deliver=False,
        webhooks_allow_private_addresses=True,
    )
    with TestClient(create_app(settings)) as client:
        yield Desk(seeded_db_url, client, session_for(seeded_db_url))


@pytest.fixture
def engines(seeded_db_url: str) -> Iterator[tuple[Engine, Engine]]:
    engine, write_engine = (
        create_db_engine(seeded_db_url),
        create_db_engine(seeded_db_url, for_writes=True),
    )
    yield engine, write_engine
    engine.dispose()
    write_engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as listening:
        yield listening


def deliverer(engines: tuple[Engine, Engine], policy: Policy = LOCAL) -> Deliverer:
    return Deliverer(*engines, httpx.Client(timeout=policy.timeout_s), policy)


def subscribe(desk: Desk, url: str, **filters: Any) -> dict[str, Any]:
    response = desk.client.post("/v1/webhooks", json={"url": url, **filters}, headers=desk.admin)
    assert response.status_code == 201, response.text
    return response.json()


def feed_since(desk: Desk, cursor: str, **filters: Any) -> list[dict[str, Any]]:
    page = desk.client.get("/v1/changes", params={"since": cursor, "limit": 1000, **filters})
    return page.json()["data"]


def described(documents: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    return [(d["kind"], d["id"], d["revision"], d["action"]) for d in documents]


def delivered_values(desk: Desk, receiver: Receiver, secret: str) -> list[Any]:
    """The value of each figure delivered, in the order delivered (each message once)."""
    return [desk.client.get(p["data"]["href"]).json()["value"] for p in receiver.payloads(secret)]


def attempts(desk: Desk, webhook_id: int) -> list[dict[str, Any]]:
    """The subscription's delivery attempts, newest first."""
    path = f"/v1/webhooks/{webhook_id}/deliveries"
    return desk.client.get(path, headers=desk.admin).json()["data"]


def import_lines(desk: Desk, rows: list[dict[str, Any]]) -> Any:
    return desk.client.post(
        "/v1/imports",
        content="".join(json.dumps(row) + "\n" for row in rows),
        headers={**desk.editor, "Content-Type": "application/x-ndjson"},
    )


def test_every_change_made_through_the_api_is_delivered_in_order_and_verified(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    assert webhook["secret"].startswith("whsec_")
    start = webhook["delivered_through"]
    created = desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    new_id = created.json()["id"]
    desk.client.patch(
        f"/v1/observations/{new_id}",
        json={"value": 7100, "reason": "The analyst revised it.", "revision": 1},
        headers=desk.editor,
    )
    imported = import_lines(
        desk,
        [
            observation_fields(period_start=f"{year}-01-01", period_end=f"{year}-12-31")
            for year in (2019, 2020)
        ],
    )
    assert imported.status_code == 200, imported.text
    desk.client.post(
        f"/v1/observations/{new_id}/retract",
        json={"reason": "Withdrawn.", "revision": 2},
        headers=desk.editor,
    )
    delivered = deliverer(engines).run_pass()

    payloads = receiver.payloads(webhook["secret"])  # raises on a bad signature
    expected = feed_since(desk, start)
    assert delivered == len(expected) == 5
    assert [p["data"] for p in payloads] == [
        {**change, "cursor": p["data"]["cursor"]}
        for change, p in zip(expected, payloads, strict=True)
    ]
    assert [p["type"] for p in payloads] == [
        "observation.created",
        "observation.revised",
        "observation.created",
        "observation.created",
        "observation.retracted",
    ]
    # Each delivery's cursor resumes the feed just after its change.
    last = payloads[-1]["data"]["cursor"]
    assert feed_since(desk, last) == []
    assert (
        desk.client.get(f"/v1/webhooks/{webhook['id']}", headers=desk.admin).json()[
            "delivered_through"
        ]
        == last
    )


def test_a_signature_made_with_another_secret_or_over_another_body_is_refused(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    from standardwebhooks import Webhook as Verifier
    from standardwebhooks.webhooks import WebhookVerificationError

    webhook = subscribe(desk, receiver.url)
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    deliverer(engines).run_pass()
    (request,) = receiver.received
    request.verified(webhook["secret"])
    other = subscribe(desk, receiver.url)["secret"]
    with pytest.raises(WebhookVerificationError):
        Verifier(other).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(webhook["secret"]).verify(request.body + b" ", request.headers)


def test_an_import_rolled_back_sends_nothing(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    refused = import_lines(desk, [observation_fields(value=1), observation_fields(metric="nope")])
    assert refused.status_code == 422
    assert deliverer(engines).run_pass() == 0
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    assert deliverer(engines).run_pass() == 1
    assert [p["type"] for p in receiver.payloads(webhook["secret"])] == ["observation.created"]


def test_a_subscription_filtered_by_pair_gets_that_pairs_changes_only(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url, origin="PRK", destination="RUS")
    desk.client.post("/v1/observations", json=observation_fields(origin="VNM"), headers=desk.editor)
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    deliverer(engines).run_pass()
    (payload,) = receiver.payloads(webhook["secret"])
    document = desk.client.get(payload["data"]["href"]).json()
    assert (document["origin"], document["destination"]) == ("PRK", "RUS")


def test_a_failed_delivery_is_logged_retried_in_order_then_the_subscription_paused(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    for value in (1, 2):
        desk.client.post(
            "/v1/observations", json=observation_fields(value=value), headers=desk.editor
        )
    receiver.status = 500
    policy = Policy(allow_private=True, retry_base_s=0.001, retry_max_s=0.001, max_failures=3)
    for _ in range(5):
        deliverer(engines, policy).run_pass()
    # The first change was tried three times, the second never: order is kept.
    assert len({request.message_id for request in receiver.received}) == 1
    assert len(receiver.received) == 3
    state = desk.client.get(f"/v1/webhooks/{webhook['id']}", headers=desk.admin).json()
    assert state["status"] == "paused"
    assert "3 failed attempts" in state["paused_reason"]
    log = attempts(desk, webhook["id"])
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in log] == [
        (3, "failed", 500),
        (2, "failed", 500),
        (1, "failed", 500),
    ]
    assert log[1]["next_attempt_at"] is not None

    receiver.status = 200
    resumed = desk.client.patch(
        f"/v1/webhooks/{webhook['id']}", json={"status": "active"}, headers=desk.admin
    )
    assert resumed.json()["status"] == "active"
    assert deliverer(engines, policy).run_pass() == 2
    assert delivered_values(desk, receiver, webhook["secret"]) == [1, 2]


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    policy = Policy(retry_base_s=5, retry_max_s=60)
    assert [policy.retry_delay(n, draw=lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [
        5,
        10,
        20,
        40,
        60,
    ]
    assert policy.retry_delay(3, draw=lambda: 0.0) == 10


def test_a_redirect_is_not_followed(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    receiver.status, receiver.location = 307, receiver.url + "/elsewhere"
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    deliverer(engines).run_pass()
    assert [request.path for request in receiver.received] == ["/hooks"]
    (attempt,) = attempts(desk, webhook["id"])
    assert attempt["outcome"] == "failed"
    assert "not followed" in attempt["error"]


def test_a_receiver_on_a_private_address_is_refused_before_any_connection(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)  # allowed by this API's setting
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    deliverer(engines, Policy(allow_private=False)).run_pass()
    assert receiver.received == []
    (attempt,) = attempts(desk, webhook["id"])
    assert attempt["outcome"] == "refused"
    assert "127.0.0.1" in attempt["error"]


def test_deliverers_running_at_once_send_each_change_once_in_order(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    for value in range(1, 13):
        desk.client.post(
            "/v1/observations", json=observation_fields(value=value), headers=desk.editor
        )
    threads = [
        threading.Thread(target=lambda: [deliverer(engines).run_pass() for _ in range(3)])
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [request.message_id for request in receiver.received]
    assert len(ids) == len(set(ids)) == 12
    assert delivered_values(desk, receiver, webhook["secret"]) == list(range(1, 13))


def test_a_paused_subscription_is_sent_nothing_until_resumed(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    webhook = subscribe(desk, receiver.url)
    paused = desk.client.patch(
        f"/v1/webhooks/{webhook['id']}", json={"status": "paused"}, headers=desk.admin
    )
    assert paused.json()["status"] == "paused"
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    assert deliverer(engines).run_pass() == 0
    desk.client.patch(
        f"/v1/webhooks/{webhook['id']}", json={"status": "active"}, headers=desk.admin
    )
    assert deliverer(engines).run_pass() == 1


def test_a_lease_left_by_a_killed_deliverer_is_taken_over_once_it_expires(
    desk: Desk, engines: tuple[Engine, Engine], receiver: Receiver
) -> None:
    from datetime import timedelta

    from app.domain.columns import utc_now

    webhook = subscribe(desk, receiver.url)
    desk.client.post("/v1/observations", json=observation_fields(), headers=desk.editor)
    with DataSession(engines[1]) as session:
        held = update(Webhook).where(Webhook.id == webhook["id"])  # type: ignore[arg-type]
        session.execute(held.values(lease_until=utc_now() + timedelta(seconds=60)))
        session.commit()
    assert deliverer(engines).run_pass() == 0
    with DataSession(engines[1]) as session:
        session.execute(held.values(lease_until=utc_now() - timedelta(seconds=1)))
        session.commit()
    assert deliverer(engines).run_pass() == 1
