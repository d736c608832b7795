"""The unit of work: a write that fails half-way leaves every table as it was, and a write
that commits moves the data version on exactly once, whoever made it."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.auth.service import create_token
from app.db import DataSession, create_db_engine, sync_id_sequences
from app.domain.roles import Role
from app.models import DatasetState
from app.observations import editing
from app.observations.schemas import ObservationCreate
from tests.conftest import ON_POSTGRES, Desk, table_contents
from tests.factories import ARTICLE_QUOTE, add_observation, observation_fields, seeded_revision

LABORSTATS = Path(sys.executable).parent / "laborstats"
COLUMNS = [
    *("metric", "origin", "destination", "period_start", "period_end", "value"),
    *("qualifier", "basis", "attributed_to", "source_id", "quote"),
]


def good_row(n: int) -> dict:
    return {
        "metric": "entries",
        "origin": "PRK",
        "destination": "RUS",
        "period_start": f"{1990 + n % 30}-01-01",
        "period_end": f"{1990 + n % 30}-12-31",
        "value": n,
        "qualifier": "exact",
        "basis": "estimate",
        "attributed_to": f"Analyst {n}",
        "source_id": 3,
        "quote": ARTICLE_QUOTE,
    }


def write_rows(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def data_version(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with DataSession(engine) as session:
            return session.scalars(select(DatasetState.data_version)).one()
    finally:
        engine.dispose()


def test_an_import_failing_after_a_written_batch_leaves_every_table_as_it_was(
    desk: Desk, tmp_path: Path
) -> None:
    """1,000 rows are inserted before the bad last row is read: all are rolled back."""
    rows = [good_row(n) for n in range(1500)] + [good_row(1500) | {"origin": "XXX"}]
    body = write_rows(tmp_path / "rows.csv", rows).read_bytes()
    before = desk.tables()
    response = desk.client.post(
        "/v1/imports", content=body, headers={**desk.editor, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    assert [p["line"] for p in response.json()["problems"]] == [1502]
    assert desk.tables() == before


def test_a_folder_import_failing_in_its_last_file_leaves_every_table_as_it_was(
    seeded_db_url: str, tmp_path: Path
) -> None:
    """Metrics and sources are written before observations.csv fails: none stay."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "metrics.csv").write_text(
        "code,name,unit,definition,kind,dimensions\n"
        "remittances_usd,Remittances,USD,Money sent home.,flow,\n"
    )
    (folder / "sources.csv").write_text("title,type\nA new statement,testimony\n")
    write_rows(folder / "observations.csv", [good_row(1), good_row(2) | {"source_id": 99}])
    before = table_contents(seeded_db_url)
    result = subprocess.run(
        [str(LABORSTATS), "import", str(folder)],
        env={**os.environ, "DATABASE_URL": seeded_db_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "observations.csv:3: source_id" in result.stderr
    assert table_contents(seeded_db_url) == before


def test_a_committed_write_bumps_the_data_version_once(seeded_db_url: str, session_for) -> None:
    before = data_version(seeded_db_url)
    with session_for(seeded_db_url) as session:
        add_observation(session, attributed_to="First")  # several tables, one commit
    assert data_version(seeded_db_url) == before + 1
    with session_for(seeded_db_url) as session:
        editing.edit_observation(
            session,
            1,
            {"value": 10500},
            expected_revision=seeded_revision("observation", 1),
            actor="test",
            reason="Recount.",
        )
        editing.edit_observation(
            session,
            2,
            {"notes": "Checked."},
            expected_revision=seeded_revision("observation", 2),
            actor="test",
            reason="Note.",
        )
        session.commit()
    assert data_version(seeded_db_url) == before + 2


def test_writes_outside_the_dataset_and_rolled_back_writes_leave_the_version(
    seeded_db_url: str, session_for
) -> None:
    before = data_version(seeded_db_url)
    with session_for(seeded_db_url) as session:
        create_token(session, name="reader", role=Role.editor)  # a token and its audit entry
        session.commit()
    with session_for(seeded_db_url) as session:
        editing.edit_observation(
            session,
            1,
            {"value": 1},
            expected_revision=seeded_revision("observation", 1),
            actor="test",
            reason="Try.",
        )
        session.rollback()
        session.commit()  # nothing left to commit
    with session_for(seeded_db_url) as session:
        session.scalars(select(DatasetState)).all()
        session.commit()  # a read committed
    assert data_version(seeded_db_url) == before


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite gives the next rowid: no sequence")
def test_an_import_finishing_never_moves_the_id_sequence_back_under_another_in_progress(
    seeded_db_url: str, session_for
) -> None:
    """Found by the soak run: an import's finish set the sequence past the largest id its
    own snapshot saw, behind the ids another import in progress had drawn; a third then
    drew one of those, and failed on the primary key once the second committed."""
    with session_for(seeded_db_url) as in_progress, session_for(seeded_db_url) as finishing:
        fields = ObservationCreate.model_validate(observation_fields())
        created = editing.create_observation(in_progress, fields, actor="test")
        drawn = created.id  # drawn from the sequence, not committed
        with finishing.begin():
            sync_id_sequences(finishing)
        with session_for(seeded_db_url) as next_import:
            following = next_import.scalar(
                text("SELECT nextval(pg_get_serial_sequence('observation', 'id'))")
            )
        in_progress.rollback()
    assert following > drawn
