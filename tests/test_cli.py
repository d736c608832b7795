"""The `laborstats` command as a user runs it: a real process on a real database."""

import csv
import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app
from app.cli.server import shown_database
from app.config import SEED_DIR
from app.models import Observation
from tests.conftest import table_contents

LABORSTATS = Path(sys.executable).parent / "laborstats"
# The seed's figures: a row each in observations.csv, and the 7 years its UN DESA table gives.
with (SEED_DIR / "observations.csv").open(encoding="utf-8", newline="") as _seed:
    SEED_FIGURES = sum(1 for _ in csv.DictReader(_seed)) + 7


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
    with session_for(empty_db_url) as session:
        loaded = session.scalar(select(func.count()).select_from(Observation))
    assert loaded == SEED_FIGURES
    assert f"observations: {loaded} created" in first.stdout
    second = run("seed", "--if-empty", database_url=empty_db_url)
    assert "seed not loaded" in second.stdout
    with session_for(empty_db_url) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == loaded


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


# What typer prints beside an option when it is left to itself, and which reads as noise:
# `<bool>`, `<str>`, `<int range> [x>=1]`, `<path>`, `<editor|admin>`; click's TEXT, INTEGER...
TYPE_MARKER = re.compile(
    r"<[a-z][^<>\n]*>|\[[^\]\n]*\bx\s*[<>]=?[^\]\n]*\]|\b(?:TEXT|INTEGER|FLOAT|BOOLEAN|FILENAME)\b"
)
SOURCE_PATH = re.compile(r"\b(?:app|tests|migrations)/|\b\w+\.py\b")
HELP_WIDTH = 70


def command_paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group of the CLI, by the words that name it."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


def help_of(*path: str) -> str:
    """`laborstats PATH --help` as the installed typer and click render it, HELP_WIDTH wide."""
    result = CliRunner().invoke(
        app,
        [*path, "--help"],
        prog_name="laborstats",
        terminal_width=HELP_WIDTH,
        env={"COLUMNS": str(HELP_WIDTH), "TERMINAL_WIDTH": str(HELP_WIDTH)},
        color=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def every_help() -> dict[str, str]:
    paths = list(command_paths(typer.main.get_command(app)))
    assert len(paths) > 10, paths  # the group, its commands, `token` and its three
    return {" ".join(["laborstats", *path]): help_of(*path) for path in paths}


def early_breaks(text: str, width: int) -> list[str]:
    """Lines of a paragraph broken though the next line's first word would have fit: a
    docstring's hard line break shown as it is, rather than the paragraph reflowed. A line
    continues the one above when it starts where that one's text does (a paragraph's
    indent, or a definition list's second column); box drawing counts as blank."""
    lines = [re.sub(r"[\u2500-\u257f]", " ", line).rstrip() for line in text.splitlines()]
    found = []
    for line, following in pairwise(lines):
        if not line.strip() or not following.strip():
            continue
        starts = [column.start(1) for column in re.finditer(r"(?:^ *|\S {2,})(\S)", line)][-1]
        if len(following) - len(following.lstrip()) != starts:
            continue
        if len(line) + 1 + len(following.split()[0]) <= width:
            found.append(f"{line!r} before {following.strip()!r}")
    return found


def test_every_commands_help_shows_no_type_markers_and_no_source_paths() -> None:
    found = {
        command: TYPE_MARKER.findall(text) + SOURCE_PATH.findall(text)
        for command, text in every_help().items()
    }
    assert not {command: seen for command, seen in found.items() if seen}


def test_every_commands_help_reflows_its_paragraphs_to_the_terminal_width() -> None:
    # click writes help two columns narrower than the terminal, and at most 78 wide.
    for command, text in every_help().items():
        assert not early_breaks(text, HELP_WIDTH - 2), (command, early_breaks(text, 68), text)


def test_import_help_names_every_file_of_a_dataset_folder_and_the_dry_run() -> None:
    text = " ".join(help_of("import").split())
    for named in ("metrics.csv", "sources.csv", "events.csv", "observations.csv"):
        assert named in text
    assert "corrections.jsonl" in text
    assert "--dry-run" in text


def test_import_dry_run_reports_what_it_would_import_and_writes_nothing(
    empty_db_url: str,
) -> None:
    before = table_contents(empty_db_url)
    result = run("import", "--dry-run", str(SEED_DIR), database_url=empty_db_url)
    assert result.returncode == 0, result.stderr
    assert f"observations: {SEED_FIGURES} created" in result.stdout
    assert "dry run" in result.stdout.lower()
    assert "nothing was written" in result.stdout.lower()
    assert table_contents(empty_db_url) == before
    really = run("import", str(SEED_DIR), database_url=empty_db_url)
    assert really.returncode == 0, really.stderr
    assert f"observations: {SEED_FIGURES} created" in really.stdout
    assert table_contents(empty_db_url) != before


def test_import_dry_run_of_a_bad_file_exits_non_zero_naming_each_line_and_writes_nothing(
    seeded_db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "metric,origin,destination,value,qualifier,basis,attributed_to,source_id,quote\n"
        "entries,PRK,RUS,5,exact,estimate,Someone,1,Russia is facing a massive worker shortage\n"
        "entries,PRK,XXX,5,exact,estimate,Someone,1,Russia is facing a massive worker shortage\n"
    )
    before = table_contents(seeded_db_url)
    result = run("import", "--dry-run", str(bad), database_url=seeded_db_url)
    assert result.returncode == 1
    assert "bad.csv:3: destination: 'XXX'" in result.stderr
    assert table_contents(seeded_db_url) == before


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_first_line(database_url: str, *, log_format: str | None, on_terminal: bool) -> str:
    """The line `laborstats serve` logs naming its database, its standard error a terminal
    (a pseudo-terminal) or a pipe; the server is stopped as soon as it is written."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("LOG_FORMAT", None)
    if log_format is not None:
        env["LOG_FORMAT"] = log_format
    command = [str(LABORSTATS), "serve", "--workers", "1", "--port", str(free_port())]
    if on_terminal:
        reader, writer = pty.openpty()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=writer)
        os.close(writer)
        stream = os.fdopen(reader, "rb", buffering=0)
    else:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        stream = process.stderr
    try:
        deadline, output = time.monotonic() + 60, b""
        while not re.search(rb"Serving [^\n]*\n", output) and time.monotonic() < deadline:
            try:
                chunk = stream.read(1) if on_terminal else stream.readline()
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            output += chunk
        text = output.decode(errors="replace").replace("\r", "")
        return next(line for line in text.splitlines() if "Serving " in line)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stream.close()


@pytest.mark.parametrize(
    ("log_format", "on_terminal", "json_line"),
    [
        (None, True, False),
        (None, False, True),
        ("json", True, True),
        ("text", False, False),
    ],
    ids=["terminal-text", "pipe-json", "terminal-explicit-json", "pipe-explicit-text"],
)
def test_serve_logs_text_to_a_terminal_and_json_elsewhere_unless_log_format_says(
    seeded_db_url: str, log_format: str | None, on_terminal: bool, json_line: bool
) -> None:
    line = serve_first_line(seeded_db_url, log_format=log_format, on_terminal=on_terminal)
    if json_line:
        assert json.loads(line)["logger"] == "laborstats", line
    else:
        assert not line.startswith("{"), line
        assert " INFO laborstats Serving " in line, line
