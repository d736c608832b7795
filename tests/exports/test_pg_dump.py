"""On PostgreSQL, backups are pg_dump's: the documented pg_dump and pg_restore commands (README
or docs/) bring back a database that serves and exports the very same dataset."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.exports.backup import PG_DUMP, PG_RESTORE
from tests.conftest import ON_POSTGRES
from tests.exports.test_export import add_history, laborstats

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is PostgreSQL's")
ROOT = Path(__file__).parents[2]
# Where the commands are written: the README, and the pages of docs/ it links to.
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def libpq_url(url: str) -> str:
    """DATABASE_URL as pg_dump takes it: without SQLAlchemy's "+psycopg"."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def command(template: str, url: str, dump: Path) -> list[str]:
    return [
        part.replace("postgresql://USER@HOST:5432/DBNAME", libpq_url(url)).replace(
            "laborstats.dump", str(dump)
        )
        for part in template.split()
    ]


def test_the_readme_pg_dump_and_pg_restore_commands_restore_the_same_dataset(
    seeded_db_url: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    docs = "\n".join(path.read_text("utf-8") for path in DOCUMENTS)
    assert PG_DUMP in docs
    assert PG_RESTORE in docs
    with session_for(seeded_db_url) as session:
        add_history(session)
    dump = tmp_path / "laborstats.dump"
    subprocess.run(command(PG_DUMP, seeded_db_url, dump), check=True, timeout=120)
    # Into a database laborstats already migrated: --clean replaces what is there.
    subprocess.run(command(PG_RESTORE, empty_db_url, dump), check=True, timeout=120)

    first, second = tmp_path / "first", tmp_path / "second"
    laborstats("export", str(first), database_url=seeded_db_url)
    laborstats("export", str(second), database_url=empty_db_url)
    # Every file, the stored tables' files/ included.
    names = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
    assert names, "the export wrote no files to compare"
    assert names == sorted(path.relative_to(second) for path in second.rglob("*") if path.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    laborstats("migrate", database_url=empty_db_url)  # the schema is the current one
