"""`laborstats export DIR` writes everything, revisions included; `laborstats import DIR`
restores it into an empty database; exporting again gives the same bytes."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from app.observations import editing
from app.sources import service as sources_service
from app.sources.schemas import SourceCreate
from tests.factories import add_observation, seeded_revision

LABORSTATS = Path(sys.executable).parent / "laborstats"


def laborstats(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(LABORSTATS), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def add_history(session: Session) -> None:
    """Edits, a retraction and a source correction, so the export has real revisions."""
    editing.edit_observation(
        session,
        1,
        {"value": 11000},
        expected_revision=seeded_revision("observation", 1),
        actor="desk",
        reason='a, "quoted"\nline',
    )
    added = add_observation(session, metric="entries", dimensions={"visa_type": "work"}, value=500)
    editing.retract_observation(
        session, added.id, expected_revision=1, actor="desk", reason="withdrawn"
    )
    sources_service.edit_source(
        session,
        2,
        {"published_on": "2025-06"},
        expected_revision=seeded_revision("source", 2),
        actor="desk",
        reason="dated",
    )
    session.commit()


def test_export_restores_into_an_empty_database_and_exports_byte_for_byte(
    seeded_db_url: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session:
        add_history(session)
    first, second = tmp_path / "first", tmp_path / "second"
    laborstats("export", str(first), database_url=seeded_db_url)
    laborstats("import", str(first), database_url=empty_db_url)
    laborstats("export", str(second), database_url=empty_db_url)

    package = json.loads((first / "datapackage.json").read_text())
    names = [resource["path"] for resource in package["resources"]]
    assert names == [
        *("metrics.csv", "sources.csv", "events.csv", "observations.csv"),
        *("source_revisions.csv", "event_revisions.csv", "observation_revisions.csv"),
        "stored_files.csv",
    ]
    stored = sorted(path.relative_to(first) for path in (first / "files").iterdir())
    assert stored, "the seed's table is not in the export"
    for name in [*names, "datapackage.json", *stored]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    revisions = (first / "observation_revisions.csv").read_text()
    assert ",retract," in revisions
    assert '"a, ""quoted""\nline"' in revisions


def test_a_folder_with_history_restores_only_into_an_empty_database(
    seeded_db_url: str, tmp_path: Path
) -> None:
    laborstats("export", str(tmp_path / "out"), database_url=seeded_db_url)
    result = subprocess.run(
        [str(LABORSTATS), "import", str(tmp_path / "out")],
        env={**os.environ, "DATABASE_URL": seeded_db_url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "empty database only" in result.stderr


# What POST /v1/observations accepts in a quote: a body of MAX_BODY_BYTES (1 MiB) holds it.
LARGE_QUOTE = "A quote as long as a body may be. " * 29_000  # 986,000 characters


def test_a_field_as_large_as_the_api_accepts_restores_and_imports(
    seeded_db_url: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session:
        untexted = SourceCreate(title="A source without a text", type="news_report")
        source = sources_service.create_source(session, untexted, actor="desk")
        add_observation(session, metric="entries", quote=LARGE_QUOTE, value=12, source_id=source.id)
    first, second = tmp_path / "first", tmp_path / "second"
    laborstats("export", str(first), database_url=seeded_db_url)
    laborstats("import", str(first), database_url=empty_db_url)
    laborstats("export", str(second), database_url=empty_db_url)
    for name in ("observations.csv", "observation_revisions.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert LARGE_QUOTE in (second / "observations.csv").read_text()

    # The observations file alone, merged into a database that lacks the row.
    alone = tmp_path / "alone.csv"
    alone.write_bytes((first / "observations.csv").read_bytes())
    result = laborstats("import", str(alone), database_url=seeded_db_url)
    assert "unchanged" in result.stdout


def test_a_cell_longer_than_any_field_is_refused_with_its_line(
    seeded_db_url: str, tmp_path: Path
) -> None:
    too_long = tmp_path / "too_long.csv"
    too_long.write_text(f"metric,quote\r\nentries,short\r\nentries,{'x' * 2_000_000}\r\n")
    result = subprocess.run(
        [str(LABORSTATS), "import", str(too_long)],
        env={**os.environ, "DATABASE_URL": seeded_db_url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "line 3: a cell is longer than 1048576 characters" in result.stderr
