"""The review page, driven in headless Chromium against a real server over the seed: an
editor proposes drafts from the article's text, accepts one (with the mouse) and rejects
one (with the keyboard alone); the API then says what the page did. Expectations are read
from the API, never written into the test."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
READY = "body[data-ready]:not([data-loading])"
ARTICLE = 1

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI always runs this test",
)


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    """The review page in a fresh browser, and afterwards a check that it asked no other
    host and logged no error (a CSP violation is logged as one)."""
    assert CHROMIUM, "CI must install Chromium"
    requests: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        opened = context.new_page()
        opened.on("request", lambda request: requests.append(request.url))
        opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        opened.on("pageerror", lambda exc: errors.append(str(exc)))
        yield opened
        browser.close()
    assert all(url.startswith(server.url) for url in requests), requests
    assert errors == []


def editor_token(server: Server) -> str:
    return server.laborstats("token", "create", "--name", "reviewer", "--role", "editor").split()[
        -1
    ]


@needs_chromium
def test_an_editor_proposes_accepts_and_rejects_drafts_on_the_review_page(
    server: Server, page: Any
) -> None:
    token = editor_token(server)
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})
    # A new source, its text posted through the API: the seed's article, as an editor would
    # store a report (the source of the seed's own figures stays untouched).
    article = api.get(f"/v1/sources/{ARTICLE}/text").text
    posted = api.post(
        "/v1/sources",
        json={
            "title": "The report, stored again for review",
            "type": "news_report",
            "text": article,
        },
    )
    assert posted.status_code == 201, posted.text
    source = posted.json()["id"]
    page.goto(f"{server.url}/review?source={source}")
    page.wait_for_selector(READY)
    page.fill("#token", token)
    page.click("#propose")
    page.wait_for_selector("#text mark")
    page.wait_for_selector(READY)
    drafts = api.get("/v1/drafts", params={"source_id": source}).json()["data"]
    assert page.locator("#text mark").count() == len(drafts) >= 9
    for draft in drafts:  # each mark is its figure's own words in the text
        mark = page.locator(f"#text mark[data-draft='{draft['id']}']")
        assert mark.inner_text() == draft["span"]

    # Accept 'over 10,000' as it stands, with the mouse.
    chosen = next(d for d in drafts if d["span"] == "over 10,000")
    page.click(f"#text mark[data-draft='{chosen['id']}']")
    assert page.inner_text("#draft-quote") == chosen["quote"]
    assert page.input_value("#field-qualifier") == chosen["qualifier"] == "at_least"
    page.click("#accept")
    page.wait_for_selector(f"#text mark[data-draft='{chosen['id']}'][data-status='accepted']")
    accepted = api.get(f"/v1/drafts/{chosen['id']}").json()
    assert accepted["status"] == "accepted"
    assert f"observation {accepted['observation_id']}" in page.inner_text("#status")
    history = api.get(f"/v1/observations/{accepted['observation_id']}/history").json()["data"]
    assert history[0]["reason"] == f"accepted from draft {chosen['id']}"

    # Reject '18-hour' with the keyboard alone: Tab to its mark, Enter, type, Tab to Reject.
    rejected = next(d for d in drafts if d["span"] == "18-hour")
    page.focus("#propose")
    for _ in range(50):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.draft") == str(rejected["id"]):
            break
    else:
        pytest.fail("the mark of '18-hour' cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.focus("#reason")
    page.keyboard.type("A shift's length is in the seed already.")
    page.focus("#reject")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#text mark[data-draft='{rejected['id']}'][data-status='rejected']")
    decided = api.get(f"/v1/drafts/{rejected['id']}").json()
    assert (decided["status"], decided["reason"]) == (
        "rejected",
        "A shift's length is in the seed already.",
    )

    # The token stays in this tab: no cookie, nothing in localStorage.
    assert page.context.cookies() == []
    assert page.evaluate("window.localStorage.length") == 0
    assert page.evaluate("sessionStorage.length") == 1
