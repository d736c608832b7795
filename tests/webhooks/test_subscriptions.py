"""Registering webhooks: admins only; the secret shown once; URLs that would reach the
server's own network refused before any connection (none of these tests sends traffic to
the addresses it names: the refusal comes from resolving them)."""

from typing import Any

import pytest

from tests.conftest import Desk

# A public address (example.com's): registering connects to nothing, and no deliverer runs
# in these tests.
PUBLIC = "https://93.184.215.14/hooks"


def subscribe(desk: Desk, **body: Any) -> Any:
    return desk.client.post("/v1/webhooks", json=body, headers=desk.admin)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0/hooks",
    ],
)
def test_a_url_reaching_a_loopback_private_or_link_local_address_is_refused(
    desk: Desk, url: str
) -> None:
    response = subscribe(desk, url=url)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "url"
    assert "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES" in problem["detail"]
    assert desk.client.get("/v1/webhooks", headers=desk.admin).json()["data"] == []


@pytest.mark.parametrize(
    "url", ["ftp://203.0.113.7/hooks", "file:///etc/passwd", "/hooks", "http://:80/x"]
)
def test_a_url_that_is_no_http_url_with_a_host_is_refused(desk: Desk, url: str) -> None:
    response = subscribe(desk, url=url)
    assert response.status_code == 422
    assert response.json()["field"] == "url"


def test_an_admin_registers_a_subscription_and_sees_its_secret_only_once(desk: Desk) -> None:
    created = subscribe(desk, url=PUBLIC, origin="prk", kind="observation")
    assert created.status_code == 201, created.text
    webhook = created.json()
    assert created.headers["Location"] == f"/v1/webhooks/{webhook['id']}"
    assert webhook["secret"].startswith("whsec_")
    assert (webhook["origin"], webhook["kind"], webhook["status"]) == (
        "PRK",
        "observation",
        "active",
    )
    read = desk.client.get(created.headers["Location"], headers=desk.admin).json()
    assert "secret" not in read
    listed = desk.client.get("/v1/webhooks", headers=desk.admin).json()["data"]
    assert [item["id"] for item in listed] == [webhook["id"]]
    assert "secret" not in listed[0]
    # Outside the data version: no ETag would tell a change of status.
    assert desk.client.get("/v1/webhooks", headers=desk.admin).headers.get("etag") is None


def test_a_new_subscription_starts_after_the_changes_made_before_it(desk: Desk) -> None:
    webhook = subscribe(desk, url=PUBLIC).json()
    feed = desk.client.get("/v1/changes", params={"since": webhook["delivered_through"]})
    assert feed.json()["data"] == []
    replaying = subscribe(desk, url=PUBLIC, since="2000-01-01").json()
    replayed = desk.client.get("/v1/changes", params={"since": replaying["delivered_through"]})
    assert replayed.json()["data"] == desk.client.get("/v1/changes").json()["data"]


def test_an_editor_may_neither_register_nor_read_subscriptions(desk: Desk) -> None:
    assert (
        desk.client.post("/v1/webhooks", json={"url": PUBLIC}, headers=desk.editor).status_code
        == 403
    )
    assert desk.client.get("/v1/webhooks", headers=desk.editor).status_code == 403
    assert desk.client.get("/v1/webhooks").status_code == 401


def test_an_unknown_field_or_a_bad_since_is_refused_naming_it(desk: Desk) -> None:
    unknown = subscribe(desk, url=PUBLIC, secret="whsec_mine")
    assert unknown.status_code == 422
    assert "secret" in unknown.text
    bad_since = subscribe(desk, url=PUBLIC, since="yesterday")
    assert bad_since.status_code == 400
    assert bad_since.json()["parameter"] == "since"


def test_a_removed_subscription_is_gone_with_its_log(desk: Desk) -> None:
    webhook = subscribe(desk, url=PUBLIC).json()
    path = f"/v1/webhooks/{webhook['id']}"
    assert desk.client.delete(path, headers=desk.admin).status_code == 204
    assert desk.client.get(path, headers=desk.admin).status_code == 404
    assert desk.client.get(f"{path}/deliveries", headers=desk.admin).status_code == 404
    audit = desk.client.get("/v1/audit", headers=desk.admin).json()["data"]
    assert [entry["action"] for entry in audit[:2]] == ["webhook.delete", "webhook.create"]
