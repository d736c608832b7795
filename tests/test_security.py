"""The OWASP API Security Top 10 items that no other test file covers on its own; the
walk-through in docs/security.md names these tests and the others."""

import socket
import threading
from collections.abc import Iterable, Iterator

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.routing import BaseRoute

from tests.conftest import Desk
from tests.factories import observation_fields

SERVER_KEPT = {
    "id": 999,
    "revision": 9,
    "recorded_at": "2020-01-01T00:00:00Z",
    "recorded_by": "someone-else",
    "retracted": True,
    "citation": "made up",
}


@pytest.mark.parametrize(("field", "value"), SERVER_KEPT.items())
def test_a_new_observation_cannot_set_what_the_server_keeps(
    desk: Desk, field: str, value: object
) -> None:
    before = desk.tables()
    response = desk.client.post(
        "/v1/observations", json=observation_fields(**{field: value}), headers=desk.editor
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert desk.tables() == before


@pytest.mark.parametrize("field", ["id", "revision", "recorded_at", "observation_count"])
def test_a_new_source_cannot_set_what_the_server_keeps(desk: Desk, field: str) -> None:
    body = {"title": "A report", "publisher": "A desk", "type": "news_report", field: 5}
    response = desk.client.post("/v1/sources", json=body, headers=desk.editor)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


def test_no_response_shows_a_token_hash_or_key(desk: Desk) -> None:
    stored = desk.session.execute(text("SELECT key_id, secret_hash FROM api_token")).all()
    assert len(stored) == 2
    for path in ["/v1", "/v1/audit", "/v1/observations?limit=all", "/openapi.json"]:
        body = desk.client.get(path, headers=desk.admin).text
        for key_id, secret_hash in stored:
            assert key_id not in body, path
            assert secret_hash not in body, path


def test_a_source_url_is_stored_and_cited_but_never_fetched(desk: Desk) -> None:
    """No server-side request forgery: the API never opens a URL a client gives it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections: list[socket.socket] = []

    def accept() -> None:
        while listener.fileno() != -1:
            try:
                connections.append(listener.accept()[0])
            except OSError:
                continue

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    try:
        url = f"http://127.0.0.1:{port}/latest/meta-data/"
        source = desk.client.post(
            "/v1/sources",
            json={"title": "Inside", "publisher": "Here", "type": "news_report", "url": url},
            headers=desk.editor,
        )
        assert source.status_code == 201, source.text
        created = desk.client.post(
            "/v1/observations",
            json=observation_fields(source_id=source.json()["id"]),
            headers=desk.editor,
        )
        assert created.status_code == 201, created.text
        assert desk.client.get(source.headers["location"]).json()["url"] == url
        assert desk.client.get(created.headers["location"]).status_code == 200
        assert desk.client.get("/v1/observations?limit=all&format=csv").status_code == 200
    finally:
        listener.close()
        watcher.join(timeout=2)
    assert connections == []


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(included.routes)


def test_every_route_served_is_documented_but_the_ones_left_out_on_purpose(desk: Desk) -> None:
    """No shadow endpoints: what the app serves under /v1 is what the OpenAPI document says."""
    app = desk.client.app
    documented = {
        (path, method.upper())
        for path, operations in desk.client.get("/openapi.json").json()["paths"].items()
        for method in operations
    }
    served = {
        (route.path, method) for route in api_routes(app.router.routes) for method in route.methods
    }
    assert any(path.startswith("/v1/") for path, _ in served)
    left_out = {path for path, method in served if (path, method) not in documented}
    # The redirect to /v1, the docs pages themselves, and the operators' metrics.
    assert left_out == {"/", "/review", "/docs", "/docs/oauth2-redirect", "/redoc", "/metrics"}
