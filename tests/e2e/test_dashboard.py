"""The README's dashboard, rendered for real: docs/dashboard.vl.json is drawn by vl-convert
(Vega-Lite itself, run in vl-convert's own JavaScript engine, not code of ours), which
reads the series CSV over HTTP from a running server, as any dashboard would. The drawing
must hold the two figures the API gives for 2024, each a bar of its own beside the other,
never summed. Every expectation is read from the API, never written into the test.

The SVG drawn is left in ARTIFACTS_DIR (default: artifacts/). docs/dashboard.svg, the
README's image, is redrawn only by running this module, over a fresh copy of the seed:
`.venv/bin/python -m tests.e2e.test_dashboard` (a path as argument writes there instead)."""

import json
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.conftest import Databases
from tests.e2e.conftest import running_server

pytestmark = pytest.mark.e2e

vl_convert = pytest.importorskip("vl_convert")

SPEC = PROJECT_ROOT / "docs" / "dashboard.vl.json"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", PROJECT_ROOT / "artifacts"))
# Where the spec reads its data: the Quick start's server, which a reader has running.
QUICK_START = "http://127.0.0.1:8000"
IMAGE = PROJECT_ROOT / "docs" / "dashboard.svg"
# A bar as Vega draws it in SVG: M x,y h width v height h -width Z.
BAR_PATH = re.compile(r"^M([\d.e-]+),([\d.e-]+)h([\d.e-]+)v([\d.e-]+)h-[\d.e-]+Z$")


def spec_for(server_url: str) -> dict[str, Any]:
    """The spec as the README gives it, reading from the test's server instead."""
    spec: dict[str, Any] = json.loads(SPEC.read_text("utf-8"))
    url: str = spec["data"]["url"]
    assert url.startswith(f"{QUICK_START}/v1/"), url
    spec["data"]["url"] = server_url + url.removeprefix(QUICK_START)
    return spec


def render(server_url: str) -> str:
    """The dashboard as SVG, its data read from `server_url` and from nowhere else."""
    return vl_convert.vegalite_to_svg(spec_for(server_url), allowed_base_urls=[f"{server_url}/"])


def figures_of_2024(server_url: str, data_url: str) -> list[dict[str, Any]]:
    """The pair's figures (totals, as the series serves them) whose period is 2024."""
    query = dict(httpx.URL(data_url).params)
    query.pop("format")
    query |= {"period_from": "2024", "period_to": "2024"}
    response = httpx.get(f"{server_url}/v1/series", params=query, timeout=10)
    response.raise_for_status()
    return [
        figure
        for period in response.json()["data"]
        if period["period_label"] == "2024"
        for group in period["metrics"]
        for figure in group["observations"]
    ]


def described(element: ET.Element) -> dict[str, str]:
    """A mark's ARIA label ('Period: 2024; Figure: ~13,000; ...') as fields."""
    label = element.get("aria-label", "")
    return dict(part.split(": ", 1) for part in label.split("; ") if ": " in part)


def test_the_dashboard_draws_the_two_2024_figures_side_by_side(server_url: str) -> None:
    spec = spec_for(server_url)
    figures = figures_of_2024(server_url, spec["data"]["url"])
    # The README's two figures: the laborers an official counted, the North Koreans Russian
    # estimates counted, each of its own metric.
    assert len(figures) == 2, figures
    assert len({figure["metric"] for figure in figures}) == 2

    svg = render(server_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard.svg").write_text(svg, "utf-8")
    tree = ET.fromstring(svg)

    labels = [text.text or "" for text in tree.iter("{http://www.w3.org/2000/svg}text")]
    bars = {
        int(fields["Observation"]): (fields, element.get("d", ""))
        for element in tree.iter()
        if element.get("aria-roledescription") == "bar"
        for fields in [described(element)]
    }
    drawn = []
    for figure in figures:
        value = f"{figure['value']:,.0f}"
        assert any(label.endswith(value) for label in labels), (value, labels)
        fields, path = bars[figure["id"]]
        assert fields["Period"] == "2024"
        geometry = BAR_PATH.match(path)
        assert geometry, path
        x, y, width, height = map(float, geometry.groups())
        drawn.append((x, width, y + height, height, figure["value"]))

    (x1, w1, base1, h1, v1), (x2, _, base2, h2, v2) = sorted(drawn)
    assert x1 + w1 <= x2, "the two figures overlap"  # side by side
    assert base1 == pytest.approx(base2)  # both from zero: neither stacked on the other
    assert h1 / h2 == pytest.approx(v1 / v2, rel=1e-3)  # each as tall as its own figure
    summed = f"{v1 + v2:,.0f}"
    assert not any(label.endswith(summed) for label in labels)


def test_the_dashboard_reads_nothing_but_the_server_it_is_given(server_url: str) -> None:
    """Its only data is the API's CSV: with only another host allowed, it cannot draw."""
    spec = spec_for(server_url)
    with pytest.raises(ValueError, match="not allowed"):
        vl_convert.vegalite_to_svg(spec, allowed_base_urls=["https://example.org/"])


def redraw(target: Path) -> None:
    """Draws the dashboard over a fresh copy of the seed, served by a real server, into
    `target`. A chart with no bar (its data unread) is refused, never written."""
    with tempfile.TemporaryDirectory() as folder:
        databases = Databases(Path(folder))
        try:
            with running_server(databases.seeded, Path(folder) / "server.log") as server:
                svg = render(server.url)
        finally:
            databases.drop_all()
    if 'aria-roledescription="bar"' not in svg:
        raise SystemExit("the dashboard drew no figure: its data was not read")
    target.write_text(svg, "utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    redraw(Path(sys.argv[1]) if len(sys.argv) > 1 else IMAGE)
