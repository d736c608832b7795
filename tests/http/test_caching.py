"""Repeat reads are answered from caches: validators from the data version, 304 without
running the query, compression, and public Cache-Control only on public reads."""

from email.utils import format_datetime, parsedate_to_datetime

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import Desk
from tests.factories import seeded_revision

PAGE = "/v1/observations?metric=nationals_entered&limit=100"


def statements_run(client: TestClient, url: str, headers: dict) -> tuple[int, list[str]]:
    """The response status and every SQL statement run to answer it."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        status = client.get(url, headers=headers).status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return status, seen


def test_a_read_carries_validators_and_public_cache_control(client: TestClient) -> None:
    response = client.get(PAGE)
    assert response.headers["etag"].startswith('"v')
    assert not response.headers["etag"].startswith("W/")
    assert parsedate_to_datetime(response.headers["last-modified"])
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "Accept" in response.headers["vary"]


def test_a_repeat_read_is_304_without_running_its_query(client: TestClient) -> None:
    etag = client.get(PAGE).headers["etag"]
    status, statements = statements_run(client, PAGE, {"If-None-Match": etag})
    assert status == 304
    assert len(statements) == 1
    assert "dataset_state" in statements[0]
    assert not any("FROM observation" in s for s in statements)
    repeat = client.get(PAGE, headers={"If-None-Match": etag})
    assert repeat.content == b""
    assert repeat.headers["etag"] == etag
    assert repeat.headers["cache-control"] == "public, max-age=60"


def test_if_modified_since_is_honoured(client: TestClient) -> None:
    last_modified = client.get(PAGE).headers["last-modified"]
    assert client.get(PAGE, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = parsedate_to_datetime(last_modified).replace(year=2000)
    stale = {"If-Modified-Since": format_datetime(earlier, usegmt=True)}
    assert client.get(PAGE, headers=stale).status_code == 200


def test_any_write_makes_earlier_etags_stale(desk: Desk) -> None:
    before = desk.client.get(PAGE).headers["etag"]
    desk.client.patch(
        "/v1/observations/2",
        json={"value": 3, "reason": "Recount.", "revision": seeded_revision("observation", 2)},
        headers=desk.editor,
    )
    after = desk.client.get(PAGE, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before


def test_each_representation_has_its_own_etag(client: TestClient) -> None:
    as_json = client.get(PAGE).headers["etag"]
    as_csv = client.get(PAGE, headers={"Accept": "text/csv"}).headers["etag"]
    other_page = client.get(PAGE + "&sort=-id").headers["etag"]
    plain = client.get(PAGE, headers={"Accept-Encoding": "identity"}).headers["etag"]
    assert len({as_json, as_csv, other_page, plain}) == 4
    assert (
        client.get(PAGE, headers={"Accept": "text/csv", "If-None-Match": as_json}).status_code
        == 200
    )


def test_large_responses_are_gzipped_when_the_client_accepts_it(client: TestClient) -> None:
    gzipped = client.get("/v1/observations", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    plain = client.get("/v1/observations", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzipped.json() == plain.json()
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_an_observation_is_revalidated_by_its_own_etag_which_follows_its_source(
    desk: Desk,
) -> None:
    first = desk.client.get("/v1/observations/1")
    etag = first.headers["etag"]
    assert etag.startswith(f'"observation-1-r{seeded_revision("observation", 1)}-')
    assert desk.client.get("/v1/observations/1", headers={"If-None-Match": etag}).status_code == 304
    desk.client.patch(
        "/v1/sources/2",
        json={"published_on": "2025", "reason": "Dated.", "revision": seeded_revision("source", 2)},
        headers=desk.editor,
    )
    changed = desk.client.get("/v1/observations/1", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "(BBC, 2025)" in changed.json()["citation"]
    edit = desk.client.patch(
        "/v1/observations/1",
        json={"notes": "Checked.", "reason": "Checked."},
        headers={**desk.editor, "If-Match": changed.headers["etag"]},
    )
    assert edit.status_code == 200


def test_authenticated_reads_are_never_publicly_cacheable(desk: Desk) -> None:
    response = desk.client.get("/v1/audit", headers=desk.admin)
    assert "public" not in response.headers.get("cache-control", "")
    assert "etag" not in response.headers


def test_accept_headers_that_choose_the_same_format_share_an_etag(client: TestClient) -> None:
    """curl sends `*/*`, a browser `text/html,...`, wrk nothing: all get the same JSON."""
    etag = client.get(PAGE, headers={"Accept": "*/*"}).headers["etag"]
    for accept in ("", "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"):
        revalidated = client.get(PAGE, headers={"Accept": accept, "If-None-Match": etag})
        assert revalidated.status_code == 304, accept
    as_csv = client.get(PAGE, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert as_csv.status_code == 200


def test_one_vary_names_each_header_once_however_many_layers_vary(client: TestClient) -> None:
    """Found trying the API from a browser: caching, compression and CORS each added their
    names, and Accept-Encoding came twice."""
    for url in (PAGE, "/v1/observations?limit=1000&format=csv"):
        response = client.get(
            url, headers={"Origin": "https://dashboard.example", "Accept-Encoding": "gzip"}
        )
        [vary] = response.headers.get_list("vary")
        names = [name.strip().lower() for name in vary.split(",")]
        assert len(names) == len(set(names)), vary
        assert {"accept", "accept-encoding", "origin"} <= set(names), vary
