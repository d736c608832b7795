"""A server killed (SIGKILL) in the middle of a webhook delivery loses none: restarted, it
delivers the change it was sending again (same webhook-id) and every one after, in order,
each signature verified by standardwebhooks; writes went on while the delivery hung."""

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, running_server
from tests.factories import observation_fields
from tests.webhooks.receiver import receiving

pytestmark = pytest.mark.e2e
SETTINGS = {
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",  # the receiver listens on 127.0.0.1
    "WEBHOOKS_POLL_S": "0.1",
    "WEBHOOKS_TIMEOUT_S": "1",
}


def token(server: Server, name: str, role: str) -> dict[str, str]:
    secret = server.laborstats("token", "create", "--name", name, "--role", role).split()[-1]
    return {"Authorization": f"Bearer {secret}"}


def write_changes(url: str, editor: dict[str, str]) -> None:
    """A creation, a correction with If-Match, an import of two rows, a retraction."""
    created = httpx.post(f"{url}/v1/observations", json=observation_fields(), headers=editor)
    assert created.status_code == 201, created.text
    path = f"{url}{created.headers['Location']}"
    edited = httpx.patch(
        path,
        json={"value": 7100, "reason": "The analyst revised it."},
        headers={**editor, "If-Match": created.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    rows = [
        observation_fields(period_start=f"{year}-01-01", period_end=f"{year}-12-31")
        for year in (2019, 2020)
    ]
    imported = httpx.post(
        f"{url}/v1/imports",
        content="".join(json.dumps(row) + "\n" for row in rows),
        headers={**editor, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    retracted = httpx.post(
        f"{path}/retract",
        json={"reason": "Withdrawn."},
        headers={**editor, "If-Match": edited.headers["ETag"]},
    )
    assert retracted.status_code == 200, retracted.text


def feed_since(url: str, cursor: str) -> list[dict[str, Any]]:
    return httpx.get(f"{url}/v1/changes", params={"since": cursor, "limit": 1000}).json()["data"]


def test_a_server_killed_mid_delivery_delivers_every_change_in_order_once_restarted(
    seeded_db_url: str, tmp_path: Path
) -> None:
    with receiving() as receiver:
        receiver.hold.set()  # the first delivery hangs until the server is killed
        with running_server(
            seeded_db_url, tmp_path / "first.log", "--workers", "1", env=SETTINGS
        ) as first:
            editor, admin = token(first, "desk", "editor"), token(first, "chief", "admin")
            registered = httpx.post(
                f"{first.url}/v1/webhooks", json={"url": receiver.url}, headers=admin
            )
            assert registered.status_code == 201, registered.text
            webhook = registered.json()
            write_changes(first.url, editor)  # while the first delivery hangs
            assert receiver.holding.wait(timeout=20), "no delivery was attempted"
            os.kill(first.pid, signal.SIGKILL)
            receiver.release.set()
        assert receiver.received == []

        with running_server(
            seeded_db_url, tmp_path / "second.log", "--workers", "1", env=SETTINGS
        ) as second:
            # One more change after the restart: a correction of a seeded figure.
            seeded = httpx.get(f"{second.url}/v1/observations/1")
            corrected = httpx.patch(
                f"{second.url}/v1/observations/1",
                json={"reason": "Checked against the article.", "notes": "Checked."},
                headers={**editor, "If-Match": seeded.headers["ETag"]},
            )
            assert corrected.status_code == 200, corrected.text
            expected = feed_since(second.url, webhook["delivered_through"])
            deadline = time.monotonic() + 60  # the killed deliverer's lease expires first
            while len(receiver.payloads(webhook["secret"])) < len(expected):
                assert time.monotonic() < deadline, f"delivered {len(receiver.received)}"
                time.sleep(0.2)
            deliveries = httpx.get(
                f"{second.url}/v1/webhooks/{webhook['id']}/deliveries", headers=admin
            ).json()["data"]

    payloads = receiver.payloads(webhook["secret"])  # each signature verified
    assert len(expected) == 6
    assert [p["data"] for p in payloads] == [
        {**change, "cursor": payload["data"]["cursor"]}
        for change, payload in zip(expected, payloads, strict=True)
    ]
    assert [p["type"] for p in payloads][-1] == "observation.revised"
    assert all(d["outcome"] == "delivered" for d in deliveries)
