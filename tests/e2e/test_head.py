"""HEAD against the real server: headers only, on a kept-alive connection that the next
request can still use, and a streamed export that frees what it held."""

import httpx
import pytest

pytestmark = pytest.mark.e2e

URLS = ["/v1/observations?limit=5", "/v1/observations?limit=all&format=csv", "/docs", "/healthz"]


def test_head_answers_with_the_get_headers_and_no_body_on_a_kept_alive_connection(
    server_url: str,
) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as client:
        for url in URLS:
            head = client.head(url)
            got = client.get(url)  # the same connection: a stray body would corrupt it
            assert head.status_code == got.status_code == 200, url
            assert head.content == b""
            for name in ("content-type", "etag", "x-total-count", "content-security-policy"):
                assert head.headers.get(name) == got.headers.get(name), (url, name)


def test_heads_of_whole_exports_give_back_their_connections(server_url: str) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as client:
        for _ in range(30):  # more than the pool and the export places
            head = client.head("/v1/observations?limit=all&format=ndjson")
            assert head.status_code == 200
        assert client.get("/v1/observations?limit=all&format=csv").status_code == 200
        assert client.get("/healthz").status_code == 200
