"""HTTP hygiene: HEAD wherever GET is served, an Allow header that lists what a path
serves, security headers on every response (a strict CSP on the docs pages), CORS open for
public reads and closed to browsers for writes unless configured, and error bodies that
quote only a short prefix of a bad value."""

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import Desk

# Headers that may differ between two requests for the same thing.
PER_REQUEST = {"date", "x-request-id", "retry-after"}
# Bodies that change on every request (counters), so their lengths do too.
LIVE_PATHS = {"/metrics"}
PATH_VALUES = {
    **{
        "observation_id": "1",
        "source_id": "1",
        "event_id": "1",
        "draft_id": "1",
        "webhook_id": "1",
    },
    "code": "entries",
}


# GET routes the OpenAPI document leaves out.
UNDOCUMENTED_PAGES = ["/", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"]


def documented_methods(client: TestClient) -> dict[str, set[str]]:
    """Each documented path (its parameters filled with ids the seed holds): its methods."""
    paths = client.get("/openapi.json").json()["paths"]
    return {
        re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path): {m.upper() for m in ops}
        for path, ops in paths.items()
    }


def get_paths(client: TestClient) -> Iterator[str]:
    """Every path a GET route serves."""
    yield from UNDOCUMENTED_PAGES
    yield from (path for path, methods in documented_methods(client).items() if "GET" in methods)


def comparable(headers: Any, path: str) -> dict[str, str]:
    skipped = PER_REQUEST | ({"content-length"} if path in LIVE_PATHS else set())
    return {
        name: value
        for name, value in headers.items()
        if name not in skipped and not name.startswith("ratelimit")
    }


def test_head_is_served_on_every_get_route_with_the_get_status_and_headers(
    client: TestClient,
) -> None:
    paths = list(get_paths(client))
    assert {"/v1/observations", "/v1/observations/1/history", "/docs", "/healthz"} <= set(paths)
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code, (path, head.status_code, head.text)
        assert head.content == b"", path
        assert comparable(head.headers, path) == comparable(got.headers, path), path


@pytest.mark.parametrize(
    "url",
    [
        "/v1/observations?format=csv&limit=5",
        "/v1/observations?limit=all&format=csv",
        "/v1/observations?limit=all&format=ndjson",
        "/v1/series?metric=entries&origin=PRK&destination=RUS",
        "/v1/observations?orgin=PRK",
        "/docs-assets/swagger-ui.css",
        "/openapi.json",
    ],
)
def test_head_answers_as_get_does_for_formats_errors_and_files(
    client: TestClient, url: str
) -> None:
    got, head = client.get(url), client.head(url)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert comparable(head.headers, url) == comparable(got.headers, url)


def test_head_on_a_list_still_revalidates_to_304(client: TestClient) -> None:
    etag = client.get("/v1/metrics").headers["etag"]
    assert client.head("/v1/metrics", headers={"If-None-Match": etag}).status_code == 304


def test_head_is_not_an_operation_of_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths, "the document has no paths to look at"
    assert all("head" not in operations for operations in paths.values())
    assert all("options" not in operations for operations in paths.values())


def served_methods(methods: set[str]) -> set[str]:
    return methods | ({"HEAD"} if "GET" in methods else set()) | {"OPTIONS"}


def test_405_allow_lists_every_method_the_path_serves(client: TestClient) -> None:
    response = client.put("/v1/observations")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    for method in ("GET", "HEAD", "OPTIONS", "POST"):
        assert method in body["detail"], body["detail"]


def test_405_allow_is_right_on_every_path(client: TestClient) -> None:
    pages = {path: {"GET"} for path in UNDOCUMENTED_PAGES}
    for url, methods in {**pages, **documented_methods(client)}.items():
        response = client.put(url)
        assert response.status_code == 405, url
        allowed = set(response.headers["allow"].split(", "))
        assert allowed == served_methods(methods), url


def test_options_without_a_preflight_answers_204_with_the_allow_of_the_path(
    client: TestClient,
) -> None:
    documented = documented_methods(client)
    assert documented, "the document has no paths to ask"
    for url, methods in documented.items():
        response = client.options(url)
        assert response.status_code == 204, url
        assert set(response.headers["allow"].split(", ")) == served_methods(methods), url
        assert response.content == b""
    assert client.options("/v1/nothing-here").status_code == 404


def test_head_on_a_path_without_get_is_a_405_naming_head(client: TestClient) -> None:
    response = client.head("/v1/imports")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"OPTIONS", "POST"}


SECURITY_URLS = [
    "/v1",
    "/v1/observations?limit=2",
    "/v1/observations?format=csv&limit=2",
    "/v1/observations/999999",
    "/v1/nothing-here",
    "/openapi.json",
    "/docs-assets/swagger-ui-bundle.js",
    "/healthz",
]


@pytest.mark.parametrize("url", SECURITY_URLS)
def test_every_response_says_nosniff_no_referrer_and_a_locked_down_csp(
    client: TestClient, url: str
) -> None:
    response = client.get(url)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_errors_and_not_modified_answers_carry_the_security_headers(client: TestClient) -> None:
    etag = client.get("/v1/metrics").headers["etag"]
    for response in (
        client.get("/v1/metrics", headers={"If-None-Match": etag}),
        client.put("/v1/metrics"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in response.headers


def inline_script_hashes(html: str) -> set[str]:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }


@pytest.mark.parametrize("url", ["/docs", "/docs/oauth2-redirect", "/redoc"])
def test_docs_pages_get_a_strict_csp_that_allows_exactly_their_own_inline_scripts(
    client: TestClient, url: str
) -> None:
    response = client.get(url)
    assert response.headers["content-type"].startswith("text/html")
    directives = response.headers["content-security-policy"].split(";")
    policy = dict(part.strip().partition(" ")[::2] for part in directives)
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert inline_script_hashes(response.text) <= set(scripts)
    assert response.headers["x-content-type-options"] == "nosniff"


# CORS: public reads from any origin, writes from the origins the operator lists.
NEWSROOM = "https://newsroom.example"


def preflight(client: TestClient, method: str, *headers: str) -> Any:
    asked = {"Origin": NEWSROOM, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = ", ".join(headers)
    return client.options("/v1/observations", headers=asked)


def test_cors_lets_any_origin_read(client: TestClient) -> None:
    assert preflight(client, "GET").headers["access-control-allow-origin"] == "*"
    read = client.get("/v1/metrics", headers={"Origin": NEWSROOM})
    assert read.headers["access-control-allow-origin"] == "*"
    assert "etag" in read.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    ("method", "headers"),
    [("POST", ("content-type",)), ("PATCH", ("authorization",)), ("GET", ("authorization",))],
)
def test_cors_closes_writes_and_token_requests_to_browsers_by_default(
    client: TestClient, method: str, headers: tuple[str, ...]
) -> None:
    response = preflight(client, method, *headers)
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:laborstats:problem:cors-refused"
    assert "CORS_WRITE_ORIGINS" in problem["detail"]


def test_cors_opens_writes_to_the_origins_a_setting_lists(seeded_db_url: str) -> None:
    settings = Settings(
        database_url=seeded_db_url,
        migrate_on_start=False,
        cors_write_origins=f"{NEWSROOM}, https://other.example",
    )
    with TestClient(create_app(settings)) as desk_client:
        allowed = preflight(desk_client, "PATCH", "authorization", "content-type", "if-match")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == NEWSROOM
        assert "PATCH" in allowed.headers["access-control-allow-methods"]
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        stranger = desk_client.options(
            "/v1/observations",
            headers={
                "Origin": "https://elsewhere.example",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert "access-control-allow-origin" not in stranger.headers
        # Reads stay open to everyone.
        assert preflight(desk_client, "GET").headers["access-control-allow-origin"] == "*"


def test_cors_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_WRITE_ORIGINS", NEWSROOM)
    assert Settings().cors_write_origin_list == [NEWSROOM]
    monkeypatch.delenv("CORS_WRITE_ORIGINS")
    assert Settings().cors_write_origin_list == []


# Error bodies quote a short prefix of a bad value, never all of it.
HUGE = 30_000


@pytest.mark.parametrize(
    "url",
    [
        "/v1/observations?origin=" + "x" * HUGE,
        "/v1/observations?period_from=" + "x" * HUGE,
        "/v1/observations?sort=" + "x" * HUGE,
        "/v1/observations?format=" + "x" * HUGE,
        "/v1/observations?" + "x" * HUGE + "=1",
        "/v1/observations/" + "x" * HUGE,
        "/v1/metrics/" + "x" * HUGE,
    ],
)
def test_an_error_quotes_only_a_short_prefix_of_a_huge_bad_value(
    client: TestClient, url: str
) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500
    assert len(response.content) < 2_000, response.text[:500]
    assert "x" * 101 not in response.text
    body = response.json()
    for item in body.get("errors", []):
        if isinstance(item.get("value"), str):
            assert len(item["value"]) < 150
            assert item["value"].startswith("x" * 100)


def test_a_write_quotes_only_a_short_prefix_of_a_huge_bad_field(desk: Desk) -> None:
    huge = "y" * 100_000
    response = desk.client.post(
        "/v1/observations",
        headers=desk.editor,
        json={"metric": huge, "origin": huge, "qualifier": huge, "basis": "official"},
    )
    assert response.status_code == 422
    assert len(response.content) < 3_000, response.text
    assert "y" * 101 not in response.text
    assert "(100002 characters)" in response.json()["detail"]  # the quoted value's length


def test_a_crash_answered_500_carries_the_security_headers(empty_db_url: str) -> None:
    app = create_app(Settings(database_url=empty_db_url, migrate_on_start=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as crashing:
        response = crashing.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
