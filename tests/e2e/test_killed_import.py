"""A `laborstats import` killed half-way (SIGKILL) leaves all rows or none, and on SQLite
a database that passes PRAGMA integrity_check."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.models import Observation
from tests.conftest import ON_POSTGRES
from tests.e2e.conftest import write_made_up_entries
from tests.factories import add_source_without_text

pytestmark = pytest.mark.e2e
LABORSTATS = Path(sys.executable).parent / "laborstats"
ROWS = 500_000  # many seconds of work, even for a fast import


def write_large_file(path: Path, source_id: int) -> None:
    write_made_up_entries(
        path,
        count=ROWS,
        source_id=source_id,
        row=lambda n: (1990 + n % 30, f"Analyst {n}", f"Quote {n}."),
    )


def test_an_import_killed_midway_leaves_all_rows_or_none(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    with session_for(seeded_db_url) as session:  # made-up quotes: a source without a text
        write_large_file(big, add_source_without_text(session))
        before = session.scalar(select(func.count()).select_from(Observation))
    process = subprocess.Popen(
        [str(LABORSTATS), "import", str(big)],
        env={**os.environ, "DATABASE_URL": seeded_db_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.5)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    with session_for(seeded_db_url) as session:
        count = session.scalar(select(func.count()).select_from(Observation))
        assert count in (before, before + ROWS)
        if not ON_POSTGRES:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
