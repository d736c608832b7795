"""The explorer page as files and headers: served from this app alone, under a CSP that
allows no inline script or style and no other host (tests/e2e/test_explorer.py drives it
in a browser)."""

import re
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

STATIC = Path(__file__).parents[2] / "app" / "explorer" / "static"


def policy_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = response.headers["content-security-policy"].split(";")
    return dict(part.strip().partition(" ")[::2] for part in directives)


class References(HTMLParser):
    """Every URL the page loads, and whatever it would run or style inline."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "style" or "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(tag)
        if tag == "script":
            # A JSON-LD block is data, which no browser runs (nor the CSP forbids).
            self._in_script = "src" not in found and found.get("type") != "application/ld+json"
        if tag in ("script", "img") and found.get("src"):
            self.loaded.append(found["src"] or "")
        if tag == "link" and found.get("href"):
            self.loaded.append(found["href"] or "")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_the_home_page_is_the_explorer_under_a_csp_with_nothing_inline(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = policy_of(response)
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src", "img-src"):
        assert policy[directive] == "'self'", directive
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_page_loads_only_files_of_this_app_and_runs_nothing_inline(client: TestClient) -> None:
    page = References()
    page.feed(client.get("/").text)
    assert page.inline == []
    assert page.loaded
    for url in page.loaded:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "nosniff" in asset.headers["x-content-type-options"]


def test_every_module_the_script_imports_is_served_as_javascript(client: TestClient) -> None:
    imported = {"explorer.js", "review.js"}  # the two pages' own scripts
    for module in STATIC.glob("*.js"):
        imported |= set(re.findall(r'from "\./([\w.-]+\.js)"', module.read_text()))
    assert imported == {module.name for module in STATIC.glob("*.js")}  # none unused
    for name in imported:
        response = client.get(f"/explorer/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript"), name


def test_the_script_never_writes_markup_or_inline_styles() -> None:
    """Text from the data (quotes, notes, names) is set as text, never parsed as HTML, and
    no style attribute is written, which the CSP would refuse."""
    modules = list(STATIC.glob("*.js"))
    assert modules, f"no script found in {STATIC}"
    for module in modules:
        code = module.read_text()
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert risky not in code, f"{module.name} uses {risky}"
        assert not re.search(r"""setAttribute\(\s*["']style""", code), module.name


def test_the_page_takes_any_query_string_since_it_holds_the_pages_own_state(
    client: TestClient,
) -> None:
    response = client.get("/?origin=PRK&destination=RUS&metric=entries&observation=1&q=visas")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_a_browser_revalidates_the_script_and_gets_304_while_it_is_unchanged(
    client: TestClient,
) -> None:
    first = client.get("/explorer/explorer.js")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/explorer/explorer.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    missing = client.get("/explorer/missing.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
