"""What `laborstats serve` says as it starts: which database, at which data version, and a
warning when that database holds no observations (a newcomer in the wrong folder)."""

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from tests.conftest import Databases
from tests.e2e.conftest import running_server

pytestmark = pytest.mark.e2e


def startup_lines(log: Path) -> list[dict]:
    """The application's own lines (logger `laborstats`) of a JSON log."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "laborstats"]


@pytest.mark.parametrize("seeded", [False, True], ids=["empty", "seeded"])
def test_serve_logs_its_database_and_data_version_and_warns_when_it_is_empty(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded: bool
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    url = databases.copy(databases.seeded if seeded else databases.migrated)
    with running_server(url, tmp_path / "server.log", "--workers", "1") as server:
        served_version = httpx.get(f"{server.url}/v1", timeout=10).json()["data_version"]
    lines = startup_lines(server.log)
    shown = make_url(url).render_as_string(hide_password=True)
    serving = [line for line in lines if shown in line["message"]]
    assert len(serving) == 1, lines
    assert serving[0]["level"] == "info"
    assert f"data version {served_version}" in serving[0]["message"]
    warnings = [line for line in lines if "holds no observations" in line["message"]]
    assert len(warnings) == (0 if seeded else 1), lines
    assert all(line["level"] == "warning" for line in warnings)
