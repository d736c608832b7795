"""The explorer, driven in headless Chromium (Debian's, through Playwright) against a real
server over the seed: what a reader sees, clicks, copies, downloads and shares, on a desktop
and on a phone.

Every expectation is read from the API itself, never written into the test: the page must
show what the API says. Screenshots land in ARTIFACTS_DIR (default: artifacts/)."""

import csv
import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.db import DataSession, create_db_engine
from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server
from tests.factories import add_source_without_text

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).parents[2] / "artifacts"))
READY = "body[data-ready]:not([data-loading])"
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI always runs this test",
)


@dataclass
class Visit:
    """A page in a browser context of its own, with every request it made and every error
    it logged (a CSP violation is logged as an error)."""

    page: Any
    base: str
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

    def open_page(
        path: str = "/", *, width: int = 1280, height: int = 900, base: str | None = None
    ) -> Visit:
        base = base or server_url
        context = browser.new_context(viewport={"width": width, "height": height})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        opened = Visit(context.new_page(), base)
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.on(
            "console", lambda m: opened.errors.append(m.text) if m.type == "error" else None
        )
        opened.page.on("pageerror", lambda error: opened.errors.append(str(error)))
        opened.page.goto(base + path)
        opened.page.wait_for_selector(READY)
        visits.append(opened)
        return opened

    yield open_page
    for opened in visits:
        elsewhere = [url for url in opened.requests if not url.startswith(opened.base + "/")]
        assert not elsewhere, f"the page asked another host: {elsewhere}"
        assert not opened.errors, f"the page logged errors: {opened.errors}"
        opened.page.context.close()


def settled(page: Any) -> None:
    page.wait_for_selector(READY)


def api(server_url: str, path: str, **params: Any) -> Any:
    response = httpx.get(server_url + path, params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def day_before_the_seed(server_url: str) -> str:
    """The UTC day before the seed was recorded: not simply yesterday, as a run that
    crosses midnight may have loaded the seed the day before."""
    first_change = api(server_url, "/v1/changes", limit=1)["data"][0]
    recorded = datetime.fromisoformat(first_change["recorded_at"])
    return (recorded.date() - timedelta(days=1)).isoformat()


def figures_of(series: dict[str, Any], *, parts: bool = True) -> list[dict[str, Any]]:
    """Every figure of a series: its totals, and (with parts=true) its breakdowns."""
    return [
        figure
        for period in series["data"]
        for group in period["metrics"]
        for figure in [*group["observations"], *((group.get("parts") or []) if parts else [])]
    ]


def whole_country(server_url: str) -> list[dict[str, Any]]:
    """Every figure for the whole of Russia from North Korea, totals and breakdowns."""
    series = api(server_url, "/v1/series", origin="PRK", destination="RUS", parts="true")
    return figures_of(series)


def is_part(figure: dict[str, Any]) -> bool:
    return bool(figure["dimensions"])


def dated(figure: dict[str, Any]) -> bool:
    return bool(figure["period_start"] or figure["period_end"])


def part_words(figure: dict[str, Any]) -> str:
    """How the page says what a breakdown is a part of."""
    if figure["part_of"]:
        breakdown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figure["dimensions"].items())
        return f"part of observation {figure['part_of']}: {breakdown}"
    return f"{', '.join(figure['dimensions'].values())} only"


def stated_spread(figures: list[dict[str, Any]]) -> tuple[float, float]:
    values = [
        v
        for f in figures
        for v in (f["value"], f["lower_bound"], f["upper_bound"])
        if v is not None
    ]
    return min(values), max(values)


def metric_catalog(server_url: str) -> dict[str, dict[str, Any]]:
    return {metric["code"]: metric for metric in api(server_url, "/v1/metrics")["data"]}


def shown_ids(where: Any, selector: str) -> list[int]:
    """The figure ids of the elements `selector` finds in a page or a part of it."""
    ids = where.locator(selector).evaluate_all("elements => elements.map(e => e.dataset.id)")
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


def centre_y(locator: Any) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"] / 2


def table_figures(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The figures read from a statistical table (a cell, not a quote), in period order."""
    return sorted((f for f in figures if f["cell"]), key=lambda f: f["period_start"])


def migrant_stock_table(server_url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The seed's UN DESA migrant stock for PRK to RUS, read from one table, in period
    order, and that table's source."""
    figures = table_figures(whole_country(server_url))
    assert {f["metric"] for f in figures} == {"migrant_stock"}
    (source_id,) = {f["source_id"] for f in figures}
    return figures, api(server_url, f"/v1/sources/{source_id}")


def official_statistics(source: dict[str, Any]) -> str:
    """The legend's words for a table's figures."""
    return f"official statistics, {source['publisher'] or source['title']}"


def mark_at(locator: Any) -> tuple[float, float]:
    """Where a mark stands in its panel's SVG (its translate)."""
    found = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\)", locator.get_attribute("transform"))
    assert found, locator.get_attribute("transform")
    return float(found[1]), float(found[2])


def path_points(d: str) -> list[tuple[float, float]]:
    """The points an SVG path of straight segments ("M x,y L x,y ...") runs through."""
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", d)]


def colour_of(locator: Any) -> str:
    (colour,) = [c for c in locator.get_attribute("class").split() if re.fullmatch(r"c\d", c)]
    return colour


def cell_text(table: bytes, cell: dict[str, Any]) -> str:
    """What a CSV table holds at a cell, rows and columns counted from 1 (RFC 7111)."""
    records = list(csv.reader(io.StringIO(table.decode("utf-8-sig"), newline="")))
    return records[cell["row"] - 1][cell["column"] - 1]


@needs_chromium
def test_the_default_view_draws_every_whole_country_figure_with_breakdowns_marked_as_parts(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    parts = [f for f in figures if is_part(f)]
    assert parts  # the student visas, and pay, shifts and days off in construction
    assert any(f["part_of"] for f in parts)
    assert any(not f["part_of"] for f in parts)

    page = visit("/").page
    # The view's count, its marks and its rows agree, and hold every figure.
    count = page.locator('#region option[value=""]').text_content()
    assert count.endswith(f"({len(figures)} figures)")
    assert sorted(shown_ids(page, ".chart .mark")) == sorted(f["id"] for f in figures)
    assert sorted(shown_ids(page, "#table tbody tr")) == sorted(f["id"] for f in figures)
    # A part is marked as one, in its mark's look and in words, and linked to its total.
    for figure in figures:
        mark = page.locator(f'.chart .mark[data-id="{figure["id"]}"]')
        row = page.locator(f'#table tbody tr[data-id="{figure["id"]}"]')
        assert ("part" in mark.get_attribute("class").split()) == is_part(figure)
        if not is_part(figure):
            continue
        assert part_words(figure) in mark.get_attribute("aria-label")
        assert part_words(figure) in " ".join(row.inner_text().split())
        if figure["part_of"]:
            assert mark.get_attribute("data-part-of") == str(figure["part_of"])
            panel = page.locator(f'.chart[data-metric="{figure["metric"]}"]')
            assert panel.locator(".part-link").count() == 1
            row.locator(f'button[data-total-id="{figure["part_of"]}"]').click()
            settled(page)
            (total,) = [f for f in figures if f["id"] == figure["part_of"]]
            assert page.locator("#quote").inner_text() == total["quote"]


@needs_chromium
def test_the_regions_count_follows_the_measures_ticked_and_agrees_with_the_marks(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    (troops,) = [f for f in figures if f["metric"] == "troops_deployed"]
    page = visit("/").page
    page.locator('#metric-options input[value="troops_deployed"]').uncheck()
    settled(page)
    count = page.locator('#region option[value=""]').text_content()
    marks = shown_ids(page, ".chart .mark")
    assert troops["id"] not in marks
    assert sorted(marks) == sorted(f["id"] for f in figures if f is not troops)
    assert count.endswith(f"({len(marks)} figures)")
    assert page.evaluate("document.activeElement.value") == "troops_deployed"  # focus kept


@needs_chromium
def test_each_metric_has_a_panel_of_its_own_and_every_mark_names_its_metric(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    catalog = metric_catalog(server_url)
    page = visit("/").page
    panels = page.eval_on_selector_all(".chart", "all => all.map(p => p.dataset.metric)")
    assert sorted(panels) == sorted({f["metric"] for f in figures})
    for code in panels:
        panel = page.locator(f'.chart[data-metric="{code}"]')
        title = panel.locator(".panel-title").inner_text()
        assert catalog[code]["name"] in title
        assert catalog[code]["unit"] in title
        assert catalog[code]["definition"] in panel.inner_text()
        mine = [f for f in figures if f["metric"] == code]
        assert sorted(shown_ids(panel, ".mark")) == sorted(f["id"] for f in mine)
        for figure in mine:
            label = panel.locator(f'.mark[data-id="{figure["id"]}"]').get_attribute("aria-label")
            assert catalog[code]["name"] in label
    # Troops and workers, both counted in persons, are never read off one axis.
    (troops,) = [f for f in figures if f["metric"] == "troops_deployed"]
    workers = [f for f in figures if f["metric"] == "workers_entered"]
    assert workers
    assert troops["unit"] == workers[0]["unit"]
    troops_panel = page.locator(f'.chart .mark[data-id="{troops["id"]}"]').evaluate(
        "mark => mark.closest('.chart').dataset.metric"
    )
    for figure in workers:
        assert (
            page.locator(f'.chart .mark[data-id="{figure["id"]}"]').evaluate(
                "mark => mark.closest('.chart').dataset.metric"
            )
            != troops_panel
        )


@needs_chromium
def test_every_dated_mark_stands_at_least_40_pixels_above_its_panels_baseline(
    visit: Any, server_url: str
) -> None:
    figures = [f for f in whole_country(server_url) if dated(f)]
    assert figures
    page = visit("/").page
    for figure in figures:
        height = page.locator(f'.chart .mark[data-id="{figure["id"]}"]').evaluate(
            """mark => {
                const base = mark.closest('.chart').querySelector('.dated-axis .baseline');
                const dot = mark.querySelector('.dot').getBoundingClientRect();
                return base.getBoundingClientRect().top - (dot.top + dot.height / 2);
            }"""
        )
        assert height >= 40, (figure["id"], height)


@needs_chromium
def test_the_undated_projection_sits_in_its_own_column_outside_the_dated_scale(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    # An undated figure of a metric that also has dated ones: the 50,000 projection.
    (projection,) = [
        f
        for f in figures
        if not dated(f) and any(dated(g) and g["metric"] == f["metric"] for g in figures)
    ]
    dated_ones = [f for f in figures if dated(f) and f["metric"] == projection["metric"]]
    page = visit("/").page
    panel = page.locator(f'.chart[data-metric="{projection["metric"]}"]')
    column = panel.locator("rect.undated").bounding_box()
    dot = panel.locator(f'.mark[data-id="{projection["id"]}"] .dot').bounding_box()
    assert column["x"] <= dot["x"]
    assert dot["x"] + dot["width"] <= column["x"] + column["width"]
    top = float(panel.locator(".dated-axis").get_attribute("data-scale-max"))
    assert stated_spread(dated_ones)[1] <= top < projection["value"]
    assert (
        float(panel.locator(".undated-axis").get_attribute("data-scale-max"))
        >= (projection["value"])
    )


@needs_chromium
def test_a_band_never_spans_two_metrics_nor_takes_in_a_part(visit: Any, server_url: str) -> None:
    """In the seed no metric has two totals for one period: no band at all (the old chart
    drew one from 10,000 workers to 13,000 nationals, two metrics)."""
    figures = whole_country(server_url)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for figure in figures:
        if dated(figure) and not is_part(figure):
            groups.setdefault((figure["metric"], figure["period_label"]), []).append(figure)
    expected = {
        key: stated_spread(totals)
        for key, totals in groups.items()
        if len(totals) > 1 or stated_spread(totals)[0] < stated_spread(totals)[1]
    }
    page = visit("/").page
    bands = page.eval_on_selector_all(
        ".chart rect.band",
        """all => all.map(b => [b.closest('.chart').dataset.metric, b.dataset.metric,
                           b.dataset.period, Number(b.dataset.low), Number(b.dataset.high)])""",
    )
    assert all(panel == metric for panel, metric, *_ in bands)
    assert {(m, p): (low, high) for _, m, p, low, high in bands} == expected


@pytest.fixture(scope="module")
def competing_server_url(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server whose made-up pair, Nepal to Qatar, has two estimates of entries for 2001
    and a breakdown of one of them by visa type, below both."""
    folder = tmp_path_factory.mktemp("competing")
    url = databases.copy(databases.seeded)
    engine = create_db_engine(url)  # made-up quotes: a source without a text
    with DataSession(engine) as session:
        source_id = add_source_without_text(session)
    engine.dispose()
    rows = [
        ("1000", "Analyst A", "", "Analyst A counts 1,000 entries."),
        ("3000", "Analyst B", "", "Analyst B counts 3,000 entries."),
        ("500", "Analyst A", "student", "Of them, 500 on student visas."),
    ]
    with (folder / "competing.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["metric", "origin", "destination", "period_start", "period_end", "value",
             "qualifier", "basis", "attributed_to", "source_id", "quote", "visa_type"]
        )  # fmt: skip
        for value, claimant, visa_type, quote in rows:
            writer.writerow(
                ["entries", "NPL", "QAT", "2001-01-01", "2001-12-31", value, "exact",
                 "estimate", claimant, source_id, quote, visa_type]
            )  # fmt: skip
    with running_server(url, folder / "server.log") as started:
        started.laborstats("import", str(folder / "competing.csv"))
        yield started.url


@needs_chromium
def test_a_band_spans_one_metrics_totals_for_a_period_and_leaves_out_its_parts(
    visit: Any, competing_server_url: str
) -> None:
    series = api(competing_server_url, "/v1/series", origin="NPL", destination="QAT", parts="true")
    totals = figures_of(series, parts=False)
    (part,) = [f for f in figures_of(series) if is_part(f)]
    low, high = stated_spread(totals)
    assert len(totals) == 2
    assert part["value"] < low

    page = visit("/?origin=NPL&destination=QAT", base=competing_server_url).page
    band = page.locator('.chart[data-metric="entries"] rect.band')
    assert (float(band.get_attribute("data-low")), float(band.get_attribute("data-high"))) == (
        low,
        high,
    )
    # Drawn between the totals' marks; the part's mark stands outside it.
    box = band.bounding_box()
    centres = {
        f["value"]: centre_y(page.locator(f'.chart .mark[data-id="{f["id"]}"] .dot'))
        for f in totals
    }
    assert box["y"] == pytest.approx(centres[high], abs=1.5)
    assert box["y"] + box["height"] == pytest.approx(centres[low], abs=1.5)
    assert centre_y(page.locator(f'.chart .mark[data-id="{part["id"]}"] .dot')) > (
        box["y"] + box["height"] + 4
    )
    # And said in words: the totals, each with who gave it; the part is not among them.
    block = page.locator("#summary .competing")
    assert sorted(shown_ids(block, "[data-id]")) == sorted(f["id"] for f in totals)
    for figure in totals:
        assert figure["attributed_to"] in block.inner_text()


@needs_chromium
def test_the_summary_says_what_each_panel_counts_and_calls_no_two_metrics_competing(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    catalog = metric_catalog(server_url)
    page = visit("/").page
    summary = page.locator("#summary").inner_text()
    for code in {f["metric"] for f in figures}:
        assert catalog[code]["name"] in summary
    assert "competing" not in summary.lower()
    metric_of = {f["id"]: f["metric"] for f in figures}
    blocks = page.eval_on_selector_all(
        "#summary .competing",
        "all => all.map(b => [...b.querySelectorAll('[data-id]')].map(e => Number(e.dataset.id)))",
    )
    for ids in blocks:
        assert len({metric_of[i] for i in ids}) == 1


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
    tooltip = page.locator(".chart .tooltip")
    flag = page.locator(f'#table tr[data-id="{figure["id"]}"] .flag').first
    for reason in figure["inferred"].values():
        assert reason in page.locator("#detail").inner_text()
        assert reason in mark.get_attribute("aria-label")
        assert tooltip.is_visible()
        assert reason in " ".join(tooltip.text_content().split())
    flag.focus()
    for reason in figure["inferred"].values():
        assert flag.locator(".flag-text").is_visible()
        assert reason in flag.inner_text()

    page.locator("#detail").evaluate("panel => panel.scrollTop = 0")
    page.mouse.move(0, 0)
    page.locator("#figures").focus()  # no tooltip over the figures in the picture
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer.png", full_page=True)


@needs_chromium
def test_a_tables_figures_are_one_line_with_a_legend_entry_naming_its_publisher(
    visit: Any, server_url: str
) -> None:
    figures, source = migrant_stock_table(server_url)
    claims = [f for f in whole_country(server_url) if not f["cell"]]
    assert len(figures) > 2
    assert all(f["quote"] is None for f in figures)
    assert claims

    page = visit("/").page
    # One line in the table's panel, and no other anywhere: through every figure's mark,
    # in period order.
    assert page.locator(".chart .table-line").count() == 1
    panel = page.locator(f'.chart[data-metric="{figures[0]["metric"]}"]')
    line = panel.locator(".table-line")
    assert line.get_attribute("data-ids").split() == [str(f["id"]) for f in figures]
    assert line.get_attribute("data-source-id") == str(source["id"])
    points = path_points(line.locator("path").get_attribute("d"))
    marks = [mark_at(panel.locator(f'.mark[data-id="{f["id"]}"]')) for f in figures]
    assert len(points) == len(marks)
    for point, mark in zip(points, marks, strict=True):
        assert point == pytest.approx(mark, abs=0.11)
    assert [x for x, _ in points] == sorted({x for x, _ in points})  # left to right
    # Each of its figures is still a mark of its own, for a pointer, the keyboard and a
    # screen reader, and names its cell; only the line's ends are labelled.
    for figure in figures:
        mark = panel.locator(f'.mark[data-id="{figure["id"]}"]')
        assert mark.get_attribute("tabindex") == "0"
        assert mark.get_attribute("role") == "button"
        cell = figure["cell"]
        assert f"Table cell: row {cell['row']}, column {cell['column']}" in (
            mark.get_attribute("aria-label")
        )
        assert colour_of(mark) == colour_of(line)
    labelled = panel.locator(".mark.from-table").evaluate_all(
        "all => all.filter(m => m.querySelector('.label')).map(m => m.dataset.id)"
    )
    assert sorted(labelled) == sorted(str(f["id"]) for f in (figures[0], figures[-1]))
    # The legend names it "official statistics, <publisher>", in the line's colour, and a
    # screen reader hears the same name for the line.
    name = official_statistics(source)
    assert source["publisher"]
    assert name == f"official statistics, {source['publisher']}"
    entry = page.locator("#legend li.table-key")
    assert [" ".join(t.split()) for t in entry.all_inner_texts()] == [name]
    assert entry.get_attribute("data-source-id") == str(source["id"])
    assert colour_of(entry.locator(".swatch")) == colour_of(line)
    assert line.get_attribute("role") == "img"
    assert line.get_attribute("aria-label").startswith(f"{name}: ")
    # The claims keep their marks, off any line, and their names in the legend.
    off_lines = shown_ids(page, ".chart .mark:not(.from-table)")
    assert sorted(off_lines) == sorted(f["id"] for f in claims)
    claimants = page.eval_on_selector_all(
        "#legend li:not(.table-key)", "all => all.map(li => li.textContent.trim())"
    )
    assert {f["attributed_to"] for f in claims} <= set(claimants)
    assert name not in claimants


@needs_chromium
def test_selecting_a_tables_figure_shows_its_cell_and_links_to_the_file_not_a_quote(
    visit: Any, server_url: str
) -> None:
    figures, source = migrant_stock_table(server_url)
    figure = figures[len(figures) // 2]  # inside the line: a point without a label
    citation = api(server_url, f"/v1/observations/{figure['id']}/citation")
    opened = visit("/")
    page = opened.page

    page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot').click()
    settled(page)
    cell = figure["cell"]
    assert page.locator("#quote").count() == 0
    assert page.locator("#cell-where").inner_text() == (
        f"Table cell: row {cell['row']}, column {cell['column']}"
    )
    shown = " ".join(page.locator("#cell").inner_text().split())
    assert source["file_name"] in shown
    assert f"Published by {source['publisher']}" in shown
    assert page.locator("#cell .cell-keys").count() == 0  # a plain CSV: no series, period, flag
    assert page.locator("#citation-text").inner_text() == citation["text"]
    # The links: to the cell (RFC 7111's fragment) and to the whole file, which is the file
    # the source names by its digest, holding the figure at that cell.
    assert page.get_attribute("#cell-link", "href") == figure["cell_url"]
    file_url = f"/v1/sources/{source['id']}/file"
    assert page.get_attribute("#file-link", "href") == file_url
    assert figure["cell_url"].startswith(file_url + "#")
    for href in (figure["cell_url"], file_url):
        response = page.request.get(opened.base + href)
        assert response.ok, href
        table = response.body()
        assert hashlib.sha256(table).hexdigest() == source["file_sha256"]
    assert float(cell_text(table, cell).replace(",", "")) == figure["value"]

    # From the keyboard: Enter on another of the line's marks opens its cell; focus stays.
    other = figures[0]
    mark = f'.chart .mark[data-id="{other["id"]}"]'
    page.locator(mark).focus()
    page.keyboard.press("Enter")
    settled(page)
    assert page.locator("#cell-where").inner_text() == (
        f"Table cell: row {other['cell']['row']}, column {other['cell']['column']}"
    )
    assert page.evaluate(f"document.activeElement.matches('{mark}')")
    # A figure quoted from a text still shows its quote, and no cell.
    claim = south_korean_2024(server_url)
    page.locator(f'.chart .mark[data-id="{claim["id"]}"] .dot').click()
    settled(page)
    assert page.locator("#quote").inner_text() == claim["quote"]
    assert page.locator("#cell").count() == 0


# An SDMX-CSV table (tests/data/tables/README.md says where it comes from), loaded as
# `laborstats import TABLE --mapping MAPPING` loads one: the OECD's inflows into Italy by
# citizenship, in total and of women (a breakdown by sex).
TABLES = Path(__file__).parents[1] / "data" / "tables"
OECD_TABLE = TABLES / "oecd_df_mig_ita_b11_inflows_by_citizenship.csv"
OECD_MAPPING = {
    "format": "sdmx-csv",
    "source": {
        "title": "International Migration Database: inflows of foreign population by "
        "nationality, Italy",
        "publisher": "OECD",
        "published_on": "2025-01",
        "type": "international_statistics",
    },
    "attributed_to": "OECD",
    "metric": "foreign_inflows",
    "origin": {"column": "CITIZENSHIP", "codes": "iso3"},
    "destination": {"column": "REF_AREA", "codes": "iso3"},
    "breakdowns": {"sex": {"column": "SEX", "codes": {"F": "female", "M": "male", "_T": None}}},
    "skip": {"CITIZENSHIP": ["CSK_F", "YUG_F", "SUN_F", "SCG_F", "EEA", "A4"]},
}
INFLOWS = (
    "code,name,unit,definition,kind,dimensions\r\n"
    "foreign_inflows,Inflows of foreign population,persons,Foreign nationals who came to live "
    "in the destination during the period.,flow,sex\r\n"
)


@pytest.fixture(scope="module")
def sdmx_server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the seed and the OECD's SDMX-CSV table."""
    folder = tmp_path_factory.mktemp("sdmx")
    (folder / "metrics").mkdir()
    (folder / "metrics" / "metrics.csv").write_text(INFLOWS, newline="")
    (folder / "mapping.json").write_text(json.dumps(OECD_MAPPING))
    with running_server(databases.copy(databases.seeded), folder / "server.log") as started:
        started.laborstats("import", str(folder / "metrics"))
        started.laborstats("import", str(OECD_TABLE), "--mapping", str(folder / "mapping.json"))
        yield started


@needs_chromium
def test_each_series_of_an_sdmx_table_is_a_line_and_its_cells_name_series_period_and_flag(
    visit: Any, sdmx_server: Server
) -> None:
    """PRK to ITA: the total and the women, two series of one table, are two lines (the
    rows of the file are not in period order); one legend entry names their publisher."""
    url = sdmx_server.url
    series = api(url, "/v1/series", origin="PRK", destination="ITA", parts="true")
    figures = table_figures(figures_of(series))
    by_series: dict[str, list[dict[str, Any]]] = {}
    for figure in figures:
        by_series.setdefault(figure["cell"]["series"], []).append(figure)
    assert len(by_series) == 2
    assert sorted(is_part(f[0]) for f in by_series.values()) == [False, True]
    (source_id,) = {f["source_id"] for f in figures}
    source = api(url, f"/v1/sources/{source_id}")

    page = visit("/?origin=PRK&destination=ITA", base=url).page
    lines = page.locator(".chart .table-line")
    drawn = {
        lines.nth(i).get_attribute("data-series"): lines.nth(i).get_attribute("data-ids").split()
        for i in range(lines.count())
    }
    assert drawn == {key: [str(f["id"]) for f in mine] for key, mine in by_series.items()}
    for key, mine in by_series.items():
        line = page.locator(f'.chart .table-line[data-series="{key}"]')
        assert ("part" in line.get_attribute("class").split()) == is_part(mine[0])
        assert f"(series {key})" in line.get_attribute("aria-label")
    entry = page.locator("#legend li.table-key")
    assert [" ".join(t.split()) for t in entry.all_inner_texts()] == [official_statistics(source)]

    # A figure of the breakdown: its cell with the series key, period and flag as published.
    figure = next(f for f in figures if is_part(f) and f["cell"].get("flag"))
    page.locator(f'.chart .mark[data-id="{figure["id"]}"]').focus()
    page.keyboard.press("Enter")
    settled(page)
    cell = figure["cell"]
    assert page.locator("#quote").count() == 0
    assert page.locator("#cell-where").inner_text() == (
        f"Table cell: row {cell['row']}, column {cell['column']}"
    )
    keys = page.eval_on_selector_all(
        "#cell .cell-keys li", "all => all.map(li => li.textContent.replace(/\\s+/g, ' ').trim())"
    )
    assert keys == [f"{name}: {cell[name]}" for name in ("series", "period", "flag")]
    assert page.get_attribute("#cell-link", "href") == figure["cell_url"]
    table = page.request.get(url + figure["cell_url"]).body()
    assert hashlib.sha256(table).hexdigest() == source["file_sha256"]
    assert float(cell_text(table, cell)) == figure["value"]


@needs_chromium
def test_the_csv_link_downloads_the_rows_shown_breakdowns_included(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    page = visit("/").page
    rows = shown_ids(page, "#table tbody tr")
    marks = shown_ids(page, ".chart .mark")
    assert sorted(rows) == sorted(marks) == sorted(f["id"] for f in figures)

    with page.expect_download() as download:
        page.locator("#csv").click()
    downloaded = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert sorted(int(row["id"]) for row in downloaded) == sorted(rows)
    # Each breakdown with its dimensions in columns of their own.
    for figure in filter(is_part, figures):
        (row,) = [r for r in downloaded if int(r["id"]) == figure["id"]]
        assert {name: row[name] for name in figure["dimensions"]} == figure["dimensions"]


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
            # A figure read from a table (the first row may be one) shows its cell instead.
            "quote or cell": page.locator("#quote, #cell").first.inner_text(),
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
    """The day before the seed was loaded held none of it."""
    page = visit("/").page
    assert shown_ids(page, "#table tbody tr")
    yesterday = day_before_the_seed(server_url)
    page.fill("#as-of", yesterday)
    page.dispatch_event("#as-of", "change")
    settled(page)
    assert shown_ids(page, "#table tbody tr") == []
    assert f"as the API held them on {yesterday}" in page.locator("#summary").inner_text()
    assert parse_qs(urlsplit(page.url).query)["as_of"] == [yesterday]
    # The count agrees with the marks, and there is no empty CSV to download.
    assert page.locator('#region option[value=""]').text_content().endswith("(0 figures)")
    assert page.get_attribute("#csv", "href") is None
    assert page.get_attribute("#csv", "aria-disabled") == "true"
    page.click("#as-of-clear")
    settled(page)
    assert shown_ids(page, "#table tbody tr")
    assert "as_of" not in parse_qs(urlsplit(page.get_attribute("#csv", "href")).query)


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
    yesterday = day_before_the_seed(server_url)
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


@pytest.fixture(scope="module")
def empty_server_url(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server over a migrated database that holds nothing yet."""
    log = tmp_path_factory.mktemp("empty") / "server.log"
    with running_server(databases.copy(databases.migrated), log) as started:
        yield started.url


@needs_chromium
def test_an_empty_database_shows_no_backtick_and_a_disabled_download(
    visit: Any, empty_server_url: str
) -> None:
    assert api(empty_server_url, "/v1/pairs")["data"] == []
    page = visit("/", base=empty_server_url).page
    assert page.locator("#summary").inner_text().strip()
    assert "`" not in page.locator("body").inner_text()
    assert page.get_attribute("#csv", "href") is None
    assert page.get_attribute("#csv", "aria-disabled") == "true"
    assert page.locator(".chart").count() == 0


@needs_chromium
def test_a_loading_state_shows_while_the_api_is_read(visit: Any, server_url: str) -> None:
    page = visit("/").page
    status = page.locator("#status")
    assert status.is_hidden()
    held: list[Any] = []
    page.route("**/v1/series?**", lambda route: held.append(route))  # answered when let go
    page.select_option("#region", "RU-KRS")
    page.wait_for_selector("body[data-loading]")
    while not held:
        page.wait_for_timeout(20)
    assert status.is_visible()
    assert status.inner_text().strip()
    assert status.get_attribute("role") == "status"
    assert page.get_attribute("#figures", "aria-busy") == "true"
    held[0].continue_()
    settled(page)
    assert status.is_hidden()
    assert page.get_attribute("#figures", "aria-busy") == "false"


@needs_chromium
def test_on_a_phone_width_screen_nothing_is_wider_than_the_screen(
    visit: Any, server_url: str
) -> None:
    page = visit("/", **PHONE).page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator(".chart svg").first.bounding_box()["width"] <= PHONE["width"]
    # The detail sits below everything there: selecting a figure brings it into view.
    figure = south_korean_2024(server_url)
    page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot').click()
    settled(page)
    assert page.locator("#quote").is_visible()
    assert (
        page.evaluate("document.querySelector('#detail').getBoundingClientRect().top")
        < (PHONE["height"])
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.mouse.move(0, 0)
    page.locator("#figures").focus()  # no tooltip over the figures in the picture
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer-phone.png", full_page=True)


@needs_chromium
def test_on_a_phone_a_tables_line_its_legend_entry_and_its_cell_fit_the_screen(
    visit: Any, server_url: str
) -> None:
    figures, source = migrant_stock_table(server_url)
    page = visit("/", **PHONE).page
    line = page.locator(".chart .table-line")
    box = line.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    entry = page.locator("#legend li.table-key")
    assert " ".join(entry.inner_text().split()) == official_statistics(source)
    assert entry.bounding_box()["x"] + entry.bounding_box()["width"] <= PHONE["width"]
    # Every point of the line can be tapped: nothing (a neighbour's label, say) covers it.
    for figure in figures:
        dot = page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot')
        dot.scroll_into_view_if_needed()
        at = dot.bounding_box()
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('.mark')?.dataset.id",
            [at["x"] + at["width"] / 2, at["y"] + at["height"] / 2],
        )
        assert hit == str(figure["id"])
    figure = figures[-1]
    page.locator(f'.chart .mark[data-id="{figure["id"]}"] .dot').click()
    settled(page)
    for part in ("#cell-where", "#cell-link", "#file-link"):
        assert page.locator(part).is_visible(), part
    assert page.locator("#detail").evaluate("e => e.getBoundingClientRect().top") < PHONE["height"]
    assert page.locator("#cell").evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@needs_chromium
def test_on_a_phone_the_chart_comes_first_and_the_controls_are_folded_below_it(
    visit: Any, server_url: str
) -> None:
    page = visit("/", **PHONE).page
    chart = page.locator(".chart").first.bounding_box()
    controls = page.locator("#choose").bounding_box()
    assert chart["y"] < PHONE["height"]  # on the first screen
    assert chart["y"] + chart["height"] <= controls["y"]
    assert page.locator("#choose").evaluate("details => details.open") is False
    assert page.locator("#origin").is_hidden()
    page.locator("#choose summary").click()  # a native <details>: no script needed
    assert page.locator("#origin").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@needs_chromium
def test_on_a_phone_the_country_selects_show_the_name_and_the_code(
    visit: Any, server_url: str
) -> None:
    (pair,) = [
        p
        for p in api(server_url, "/v1/pairs")["data"]
        if (p["origin"], p["destination"]) == ("PRK", "RUS")
    ]
    page = visit("/", **PHONE).page
    page.locator("#choose summary").click()
    for select, code, name in (
        ("#origin", pair["origin"], pair["origin_name"]),
        ("#destination", pair["destination"], pair["destination_name"]),
    ):
        shown = page.locator(f"{select} + .select-shown")
        assert shown.is_visible()
        assert " ".join(shown.inner_text().split()) == f"{name} ({code})"
        assert shown.evaluate("e => e.scrollWidth <= e.clientWidth")  # wrapped, not cut
        inside, outside = shown.bounding_box(), page.locator(select).bounding_box()
        assert outside["x"] <= inside["x"]
        assert inside["x"] + inside["width"] <= outside["x"] + outside["width"]
        assert outside["y"] <= inside["y"]
        assert inside["y"] + inside["height"] <= outside["y"] + outside["height"] + 0.5
        assert outside["x"] + outside["width"] <= PHONE["width"]


@needs_chromium
def test_on_a_phone_the_table_is_cards_one_per_figure_every_column_readable(
    visit: Any, server_url: str
) -> None:
    figures = whole_country(server_url)
    page = visit("/", **PHONE).page
    columns = page.eval_on_selector_all("#table thead th", "all => all.map(t => t.textContent)")
    cards = page.evaluate(
        """() => [...document.querySelectorAll('#table tbody tr')].map(row => ({
            box: row.getBoundingClientRect().toJSON(),
            cells: [...row.cells].map(cell => ({
                label: getComputedStyle(cell, '::before').content.replace(/^"|"$/g, ''),
                box: cell.getBoundingClientRect().toJSON(),
                fits: cell.scrollWidth <= cell.clientWidth,
                text: cell.innerText.trim(),
            })),
        }))"""
    )
    assert len(cards) == len(figures)
    for card, following in pairwise(cards):
        assert card["box"]["bottom"] <= following["box"]["top"]  # stacked, one under another
    for card in cards:
        assert card["box"]["right"] <= PHONE["width"]
        assert [cell["label"] for cell in card["cells"]] == columns
        for cell in card["cells"]:
            assert cell["fits"], cell
            assert cell["box"]["right"] <= PHONE["width"], cell
            assert cell["text"], cell
    assert page.locator("#table thead").bounding_box()["width"] <= 1  # said on each card
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
