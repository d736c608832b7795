"""The home page's JSON-LD block in Chromium, under the page's CSP (`script-src 'self'`,
nothing inline): a data block is not a script the CSP governs, so the browser neither runs
it nor reports a violation, and the page logs no error (tests/e2e/test_explorer.py fails on
any). Its text is the description `GET /v1` serves."""

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
READY = "body[data-ready]:not([data-loading])"
# Registered before the page's own scripts, outside its CSP (an init script is the
# browser's, not the page's): every violation the page causes is counted.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(databases.copy(databases.seeded), log_path) as started:
        yield started


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI always runs this test",
)
def test_chromium_keeps_the_block_as_data_and_reports_no_csp_violation(server: Server) -> None:
    assert CHROMIUM, "CI must install Chromium"
    errors: list[str] = []
    violations: list[str] = []
    logged: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.add_init_script(WATCH_VIOLATIONS)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            response = page.goto(server.url + "/")
            assert response is not None
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_selector(READY)
            blocks = page.locator('script[type="application/ld+json"]')
            assert blocks.count() == 1
            carried: Any = json.loads(blocks.first.text_content() or "")
            violations = page.evaluate("window.__violations")
            logged = list(errors)
            # The watch can fail: an inline script added now is refused, and counted.
            page.evaluate(
                "document.body.append(Object.assign("
                "document.createElement('script'), {textContent: 'window.ran = 1'}))"
            )
            page.wait_for_function("window.__violations.length > 0")
            assert page.evaluate("window.ran") is None
        finally:
            browser.close()
    assert violations == []
    assert logged == []
    served = httpx.get(server.url + "/v1", timeout=10).json()["dataset"]
    assert carried == served
    assert carried["@type"] == "Dataset"
