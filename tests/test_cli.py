"""The `laborstats` command as a user runs it: a real process on a real database."""

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli.server import shown_database
from app.models import Observation

LABORSTATS = Path(sys.executable).parent / "laborstats"


def run(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(LABORSTATS), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_help_explains_every_command() -> None:
    result = subprocess.run([str(LABORSTATS), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("serve", "migrate", "seed", "import", "export"):
        assert command in result.stdout


def test_seed_if_empty_loads_once_and_then_leaves_the_data_alone(
    empty_db_url: str, session_for
) -> None:
    first = run("seed", "--if-empty", database_url=empty_db_url)
    assert first.returncode == 0, first.stderr
    assert "observations: 9 created" in first.stdout
    second = run("seed", "--if-empty", database_url=empty_db_url)
    assert "seed not loaded" in second.stdout
    with session_for(empty_db_url) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 9


def test_import_of_a_bad_file_exits_non_zero_naming_each_line(
    seeded_db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "metric,origin,destination,value,qualifier,basis,attributed_to,source_id,quote\n"
        "entries,PRK,RUS,5,exact,estimate,Someone,1,Russia is facing a massive worker shortage\n"
        "entries,PRK,XXX,5,exact,estimate,Someone,1,Russia is facing a massive worker shortage\n"
    )
    result = run("import", str(bad), database_url=seeded_db_url)
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "bad.csv:3: destination: 'XXX'" in result.stderr


def test_version_prints_the_installed_package_version() -> None:
    result = subprocess.run([str(LABORSTATS), "--version"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"laborstats {version('laborstats')}"


def test_shown_database_hides_the_password_of_a_database_url() -> None:
    shown = shown_database("postgresql+psycopg://editor:s3cret@db.example:5432/laborstats")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://editor:***@db.example:5432/laborstats"


def test_shown_database_names_a_relative_sqlite_file_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown_database("sqlite:///laborstats.db") == f"sqlite:///{tmp_path / 'laborstats.db'}"
