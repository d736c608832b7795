"""The interactive docs render in a real browser with no internet: every asset is local."""

import os
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI always runs this test",
)
def test_docs_page_renders_every_endpoint_in_headless_chromium(server_url: str, tmp_path) -> None:
    assert CHROMIUM, "CI must install Chromium"
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{server_url}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'class="swagger-ui' in dom
    for path in ("/v1/observations", "/v1/series", "/v1/metrics/{code}", "/v1/sources/{source_id}"):
        assert f'data-path="{path}"' in dom, path
