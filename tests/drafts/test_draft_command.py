"""`laborstats draft` as an editor runs it: a real process prints a text's figures as an
observations file, which `laborstats import` takes once an editor has completed it."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from app.config import SEED_DIR
from tests.conftest import table_contents

LABORSTATS = Path(sys.executable).parent / "laborstats"
ARTICLE = SEED_DIR / "documents" / "north-korean-workers-in-russia.txt"


def run(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(LABORSTATS), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_drafts_of_a_text_print_as_a_file_the_import_takes(
    seeded_db_url: str, tmp_path: Path
) -> None:
    before = table_contents(seeded_db_url)
    printed = run("draft", str(ARTICLE), "--source-id", "1", database_url=seeded_db_url)
    assert printed.returncode == 0, printed.stderr
    assert table_contents(seeded_db_url) == before  # drafting stores nothing
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert len(rows) >= 9
    text = ARTICLE.read_text(encoding="utf-8")
    assert all(row["quote"] in text and row["source_id"] == "1" for row in rows)
    over = next(row for row in rows if "over 10,000" in row["quote"])
    assert (over["value"], over["qualifier"], over["metric"]) == (
        "10000",
        "at_least",
        "workers_entered",
    )
    assert "demonym" in over["inferred"]  # what was inferred, and why
    assert "'over' before the figure" in over["notes"]

    # The editor keeps the rows that name who gave them, but the 8,000 (a breakdown of the
    # 13,000, as the seed has it), and dates 'last year' as the seed does: else 'over 10,000'
    # and '50,000 more' from the same official would be one figure by their natural keys.
    over |= {"period_start": "2024-01-01", "period_end": "2024-12-31"}
    kept = [row for row in rows if row["attributed_to"] and "8,000" not in row["quote"]]
    reviewed = tmp_path / "reviewed.csv"
    with reviewed.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    imported = run("import", str(reviewed), database_url=seeded_db_url)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert f"observations: {len(kept)} created" in imported.stdout


def test_a_date_that_is_no_date_is_refused_naming_the_option(seeded_db_url: str) -> None:
    refused = run("draft", str(ARTICLE), "--published-on", "last year", database_url=seeded_db_url)
    assert refused.returncode == 2
    assert "--published-on" in refused.stderr


def test_a_source_that_does_not_exist_is_named(seeded_db_url: str) -> None:
    refused = run("draft", str(ARTICLE), "--source-id", "999", database_url=seeded_db_url)
    assert refused.returncode == 1
    assert "999" in refused.stderr
