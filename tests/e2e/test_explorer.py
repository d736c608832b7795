"""The explorer, driven in headless Chromium (Debian's, through Playwright) against a real
server over the seed: what a reader sees, clicks, copies, downloads and shares.

Every expectation is read from the API itself, never written into the test: the page must
show what the API says. Screenshots land in ARTIFACTS_DIR (default: artifacts/)."""

import csv
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).parents[2] / "artifacts"))
READY = "body[data-ready]:not([data-loading])"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI always runs this test",
)


@dataclass
class Visit:
    """A page in a browser context of its own, with every request it made and every error
    it logged (a CSP violation is logged as an error)."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM, "CI must install Chromium"
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture
def visit(browser: Any, server_url: str) -> Iterator[Any]:
    """Opens pages of the explorer; afterwards, checks none asked another host or logged
    an error."""
    visits: list[Visit] = []

    def open_page(path: str = "/", *, width: int = 1280, height: int = 900) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
        opened = Visit(context.new_page())
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.on(
            "console", lambda m: opened.errors.append(m.text) if m.type == "error" else None
        )
        opened.page.on("pageerror", lambda error: opened.errors.append(str(error)))
        opened.page.goto(server_url + path)
        opened.page.wait_for_selector(READY)
        visits.append(opened)
        return opened

    yield open_page
    for opened in visits:
        elsewhere = [url for url in opened.requests if not url.startswith(server_url + "/")]
        assert not elsewhere, f"the page asked another host: {elsewhere}"
        assert not opened.errors, f"the page logged errors: {opened.errors}"
        opened.page.context.close()


def settled(page: Any) -> None:
    page.wait_for_selector(READY)


def api(server_url: str, path: str, **params: Any) -> Any:
    response = httpx.get(server_url + path, params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def figures_of(series: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        figure
        for period in series["data"]
        for group in period["metrics"]
        for figure in group["observations"]
    ]


def shown_ids(page: Any, selector: str) -> list[int]:
    ids = page.eval_on_selector_all(selector, "elements => elements.map(e => e.dataset.id)")
    return [int(i) for i in ids]


def south_korean_2024(server_url: str) -> dict[str, Any]:
    """The intelligence official's 2024 figure for PRK to RUS, as the API serves it."""
    series = api(server_url, "/v1/series", origin="PRK", destination="RUS", period_from="2024")
    (figure,) = [
        f
        for f in figures_of(series)
        if f["period_label"] == "2024" and f["attributed_to"].startswith("South Korean")
    ]
    return figure


@needs_chromium
def test_the_chart_shows_both_2024_estimates_for_prk_to_rus_with_the_range_between_them(
    visit: Any, server_url: str
) -> None:
    series = api(server_url, "/v1/series", origin="PRK", destination="RUS", period_from="2024")
    estimates = [f for f in figures_of(series) if f["period_label"] == "2024"]
    assert len({f["attributed_to"] for f in estimates}) == 2  # the seed's two claimants

    page = visit("/").page
    marks = shown_ids(page, '.chart .mark[data-period="2024"]')
    assert sorted(marks) == sorted(f["id"] for f in estimates)
    band = page.locator('.chart rect.band[data-period="2024"]')
    low = min(f["value"] for f in estimates)
    high = max(f["value"] for f in estimates)
    assert float(band.get_attribute("data-low")) == low
    assert float(band.get_attribute("data-high")) == high
    # Drawn between them: the band's top and bottom edges are at the two marks.
    box = band.bounding_box()
    centres = {
        f["value"]: centre_y(page.locator(f'.chart .mark[data-id="{f["id"]}"] .dot'))
        for f in estimates
    }
    assert box["y"] == pytest.approx(centres[high], abs=1.5)
    assert box["y"] + box["height"] == pytest.approx(centres[low], abs=1.5)
    # And said in words, each with who gave it.
    summary = page.locator("#summary").inner_text()
    for figure in estimates:
        assert figure["attributed_to"] in summary


def centre_y(locator: Any) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"] / 2


@needs_chromium
def test_selecting_the_south_korean_estimate_shows_its_quote_and_copies_the_apis_citation(
    visit: Any, server_url: str
) -> None:
    figure = south_korean_2024(server_url)
    citation = api(server_url, f"/v1/observations/{figure['id']}/citation")
    page = visit("/").page

    page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot').click()
    settled(page)
    assert page.locator("#quote").inner_text() == figure["quote"]
    assert figure["attributed_to"] in page.locator("#attributed-to").inner_text()
    page.locator("#copy-citation").click()
    page.wait_for_selector("#copy-status:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == citation["text"]
    # The history and the source are one link away.
    hrefs = page.eval_on_selector_all("#detail a", "all => all.map(a => a.getAttribute('href'))")
    assert f"/v1/observations/{figure['id']}/history" in hrefs
    assert any(href.startswith(f"/v1/sources/{figure['source_id']}") for href in hrefs)
    # Inferred values are marked, with the API's own reason, on focus in the chart and table.
    assert figure["inferred"]
    mark = page.locator(f'.chart .mark[data-id="{figure["id"]}"]')
    assert mark.locator(".label").text_content().endswith("*")
    mark.focus()
    tooltip = page.locator(".chart .tooltip").first
    flag = page.locator(f'#table tr[data-id="{figure["id"]}"] .flag').first
    for reason in figure["inferred"].values():
        assert reason in page.locator("#detail").inner_text()
        assert reason in mark.get_attribute("aria-label")
        assert tooltip.is_visible()
        assert reason in tooltip.inner_text()
    flag.focus()
    for reason in figure["inferred"].values():
        assert flag.locator(".flag-text").is_visible()
        assert reason in flag.inner_text()

    page.locator("#detail").evaluate("panel => panel.scrollTop = 0")
    page.locator("#figures").focus()  # no tooltip over the figures in the picture
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer.png", full_page=True)


@needs_chromium
def test_the_csv_link_downloads_the_rows_shown(visit: Any, server_url: str) -> None:
    page = visit("/").page
    rows = shown_ids(page, "#table tbody tr")
    marks = shown_ids(page, ".chart .mark")
    assert rows
    assert sorted(rows) == sorted(marks)

    with page.expect_download() as download:
        page.locator("#csv").click()
    downloaded = Path(download.value.path()).read_text(encoding="utf-8")
    assert sorted(int(row["id"]) for row in csv.DictReader(io.StringIO(downloaded))) == sorted(rows)


@needs_chromium
def test_a_shared_url_restores_the_same_view(visit: Any, server_url: str) -> None:
    first = visit("/").page
    first.locator('#metric-options input[value="troops_deployed"]').uncheck()
    settled(first)
    first.locator("#table tbody tr button").first.click()
    settled(first)
    first.fill("#q", "student visas")
    first.press("#q", "Enter")
    first.wait_for_selector("#search-results li")

    def view(page: Any) -> dict[str, Any]:
        return {
            "origin": page.input_value("#origin"),
            "destination": page.input_value("#destination"),
            "metrics": page.eval_on_selector_all(
                "#metric-options input:checked", "boxes => boxes.map(b => b.value)"
            ),
            "rows": shown_ids(page, "#table tbody tr"),
            "marks": shown_ids(page, ".chart .mark"),
            "selected": shown_ids(page, "#table tbody tr.selected"),
            "quote": page.locator("#quote").inner_text(),
            "results": shown_ids(page, "#search-results button"),
            "csv": page.get_attribute("#csv", "href"),
        }

    shown = view(first)
    assert "troops_deployed" not in shown["metrics"]
    assert shown["selected"]
    assert shown["results"]
    second = visit(urlsplit(first.url)._replace(scheme="", netloc="").geturl()).page
    second.wait_for_selector("#search-results li")
    settled(second)
    assert view(second) == shown


@needs_chromium
def test_as_of_shows_the_view_as_the_api_held_it_on_that_day(visit: Any, server_url: str) -> None:
    """The seed was loaded today, so the day before held none of it."""
    page = visit("/").page
    assert shown_ids(page, "#table tbody tr")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    page.fill("#as-of", yesterday)
    page.dispatch_event("#as-of", "change")
    settled(page)
    assert shown_ids(page, "#table tbody tr") == []
    assert f"as the API held them on {yesterday}" in page.locator("#summary").inner_text()
    assert parse_qs(urlsplit(page.get_attribute("#csv", "href")).query)["as_of"] == [yesterday]
    assert parse_qs(urlsplit(page.url).query)["as_of"] == [yesterday]
    page.click("#as-of-clear")
    settled(page)
    assert shown_ids(page, "#table tbody tr")


@needs_chromium
def test_a_search_lists_matching_quotes_and_each_opens_its_figure(
    visit: Any, server_url: str
) -> None:
    found = api(server_url, "/v1/observations", q="student visas")["data"]
    page = visit("/").page
    page.fill("#q", "student visas")
    page.press("#q", "Enter")
    page.wait_for_selector("#search-results li")
    assert shown_ids(page, "#search-results button") == [f["id"] for f in found]

    part = found[0]
    page.locator(f'#search-results button[data-id="{part["id"]}"]').click()
    settled(page)
    assert page.locator("#quote").inner_text() == part["quote"]
    assert parse_qs(urlsplit(page.url).query)["observation"] == [str(part["id"])]


@needs_chromium
def test_context_events_are_drawn_and_open_their_source(visit: Any, server_url: str) -> None:
    events = api(server_url, "/v1/events", origin="PRK", destination="RUS")["data"]
    assert events  # the seed's United Nations ban
    page = visit("/").page
    drawn = page.eval_on_selector_all(
        ".chart .event", "groups => groups.map(g => Number(g.dataset.eventId))"
    )
    assert drawn == [event["id"] for event in events]
    page.locator(f'.chart .event[data-event-id="{events[0]["id"]}"] rect').click()
    settled(page)
    assert page.locator("#quote").inner_text() == events[0]["quote"]


@needs_chromium
def test_a_linked_event_outside_the_view_still_opens(visit: Any, server_url: str) -> None:
    """On a day before the seed the list holds no event; the one the link names is read
    on its own."""
    (event,) = api(server_url, "/v1/events", origin="PRK", destination="RUS")["data"]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    page = visit(f"/?origin=PRK&destination=RUS&as_of={yesterday}&event={event['id']}").page
    assert page.eval_on_selector_all(".chart .event", "groups => groups.length") == 0
    assert page.locator("#quote").inner_text() == event["quote"]


@needs_chromium
def test_the_page_works_from_the_keyboard_and_every_control_has_a_label(
    visit: Any, server_url: str
) -> None:
    figure = south_korean_2024(server_url)
    page = visit("/").page
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, [tabindex="0"]')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-describedby') && !e.textContent.trim())
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    # Tab reaches the marks; Enter on one opens it, and focus stays on it.
    mark = f'.chart .mark[data-id="{figure["id"]}"]'
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches('{mark}')"):
            break
    else:
        pytest.fail("Tab never reached the South Korean estimate")
    page.keyboard.press("Enter")
    settled(page)
    assert page.locator("#quote").inner_text() == figure["quote"]
    assert page.evaluate(f"document.activeElement.matches('{mark}')")


@needs_chromium
def test_on_a_phone_width_screen_nothing_is_wider_than_the_screen(
    visit: Any, server_url: str
) -> None:
    page = visit("/", width=375, height=812).page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".chart svg").first.bounding_box()["width"] <= 375
    # The detail sits below everything there: selecting a figure brings it into view.
    figure = south_korean_2024(server_url)
    page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot').click()
    settled(page)
    assert page.locator("#quote").is_visible()
    assert page.evaluate("document.querySelector('#detail').getBoundingClientRect().top") < 812
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer-phone.png", full_page=True)
