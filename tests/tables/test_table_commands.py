"""The documented ways to load a table, end to end: `laborstats import TABLE --mapping
MAPPING` (its dry run naming file, line and column), POST /v1/imports with the table and
its mapping as two parts; `laborstats check` on the loaded tables, and on a stored table
whose bytes changed; an export that keeps each table byte for byte."""

import json
import subprocess
from pathlib import Path

from sqlalchemy import text

from app.db import create_db_engine
from tests.conftest import table_contents
from tests.tables.conftest import (
    EUROSTAT,
    EUROSTAT_MAPPING,
    OECD,
    OECD_MAPPING,
    TABLES,
    write_mapping,
)
from tests.test_cli import run

PERMITS = "eurostat_tps00170_first_permits_labels.csv"
# Eurostat's labelled download names countries (geo: 'Austria'), and its `citizen` is a
# total ('Total'): no country of origin to give the figures.
PERMITS_MAPPING = {
    "format": "sdmx-csv",
    "source": {
        "title": "First permits by reason",
        "publisher": "Eurostat",
        "type": "international_statistics",
    },
    "attributed_to": "Eurostat",
    "metric": "foreign_inflows",
    "origin": {"column": "citizen", "codes": "names"},
    "destination": {"column": "geo", "codes": "names"},
}


def test_a_dry_run_names_the_file_line_and_column_of_every_problem_and_writes_nothing(
    tables_db: str, tmp_path: Path
) -> None:
    before = table_contents(tables_db)
    mapping = write_mapping(tmp_path, PERMITS_MAPPING)
    result = run(
        "import",
        "--dry-run",
        str(TABLES / PERMITS),
        "--mapping",
        str(mapping),
        database_url=tables_db,
    )
    assert result.returncode == 1
    said = " ".join(result.stderr.split())
    assert f"{PERMITS}:2: column 5: origin: 'Total' names no country in names" in said
    assert f"{PERMITS}:166: column 5:" in said or "... and" in said
    assert table_contents(tables_db) == before


def test_the_three_documented_commands_load_a_table_and_check_it(
    tables_db: str, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path, OECD_MAPPING)
    dry = run(
        "import", "--dry-run", str(TABLES / OECD), "--mapping", str(mapping), database_url=tables_db
    )
    assert dry.returncode == 0, dry.stderr
    assert "observations: 228 created" in dry.stdout
    loaded = run("import", str(TABLES / OECD), "--mapping", str(mapping), database_url=tables_db)
    assert loaded.returncode == 0, loaded.stderr
    assert "observations: 228 created" in loaded.stdout
    checked = run("check", database_url=tables_db)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No problems found" in checked.stdout


def test_check_reports_a_stored_table_whose_bytes_changed(tables_db: str, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, OECD_MAPPING)
    assert (
        run(
            "import", str(TABLES / OECD), "--mapping", str(mapping), database_url=tables_db
        ).returncode
        == 0
    )
    engine = create_db_engine(tables_db, for_writes=True)
    with engine.begin() as connection:  # a fault the API never makes: a byte changed on disk
        content = connection.execute(
            text("SELECT content FROM stored_file WHERE size = :size"),
            {"size": (TABLES / OECD).stat().st_size},
        ).scalar_one()
        changed = bytes(content).replace(b",52,", b",53,", 1)
        connection.execute(
            text("UPDATE stored_file SET content = :content WHERE size = :size"),
            {"content": changed, "size": len(content)},
        )
    engine.dispose()
    checked = run("check", database_url=tables_db)
    assert checked.returncode == 1
    said = " ".join((checked.stdout + checked.stderr).split())
    assert "file-not-as-stored: its stored table is not the file it was stored as" in said
    assert "cell-not-in-table" in said  # the figure whose cell now holds 53


def test_a_table_and_its_mapping_load_as_two_parts_of_post_imports(desk, tmp_path: Path) -> None:
    from tests.tables.conftest import add_table_metrics

    add_table_metrics(desk.url, tmp_path)
    parts = {
        "table": (EUROSTAT, (TABLES / EUROSTAT).read_bytes(), "application/vnd.sdmx.data+csv"),
        "mapping": ("mapping.json", json.dumps(EUROSTAT_MAPPING).encode(), "application/json"),
    }
    dry = desk.client.post(
        "/v1/imports", params={"dry_run": True}, files=parts, headers=desk.editor
    )
    assert dry.status_code == 200, dry.text
    assert (dry.json()["valid"], dry.json()["created"]) == (True, 120)
    answer = desk.client.post("/v1/imports", files=parts, headers=desk.editor)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 120
    again = desk.client.post("/v1/imports", files=parts, headers=desk.editor)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 120)
    missing = desk.client.post("/v1/imports", files={"table": parts["table"]}, headers=desk.editor)
    assert missing.status_code == 400
    assert "mapping" in missing.json()["detail"]


def test_a_bad_mapping_is_refused_naming_its_field(desk) -> None:
    mapping = {**EUROSTAT_MAPPING, "format": "xlsx"}
    parts = {
        "table": (EUROSTAT, (TABLES / EUROSTAT).read_bytes(), "text/csv"),
        "mapping": ("mapping.json", json.dumps(mapping).encode(), "application/json"),
    }
    answer = desk.client.post("/v1/imports", files=parts, headers=desk.editor)
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert problem["file"] == "mapping"
    assert problem["message"].startswith("mapping: format: ")


def test_an_export_keeps_each_table_byte_for_byte_and_restores_it(
    tables_db: str, empty_db_url: str, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path, OECD_MAPPING)
    assert (
        run(
            "import", str(TABLES / OECD), "--mapping", str(mapping), database_url=tables_db
        ).returncode
        == 0
    )
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("export", str(first), database_url=tables_db).returncode == 0
    kept = {path.read_bytes() for path in (first / "files").iterdir()}
    assert (TABLES / OECD).read_bytes() in kept
    restored = run("import", str(first), database_url=empty_db_url)
    assert restored.returncode == 0, restored.stderr
    assert run("check", database_url=empty_db_url).returncode == 0
    assert run("export", str(second), database_url=empty_db_url).returncode == 0
    differences = subprocess.run(
        ["diff", "-r", str(first), str(second)], capture_output=True, text=True
    )
    assert differences.returncode == 0, differences.stdout
