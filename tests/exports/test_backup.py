"""`laborstats backup` copies the SQLite database while writes go on, one consistent moment
of it; `laborstats restore` puts a backup back only once it is sure the file is a sound
laborstats database this version can serve, and a running server then serves it."""

import os
import sqlite3
import subprocess
import threading
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES, table_contents
from tests.e2e.conftest import running_server
from tests.exports.test_consistent_export import Writers
from tests.exports.test_export import LABORSTATS
from tests.factories import add_observation

on_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="backup and restore of a SQLite file")


def run(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LABORSTATS), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(*args: str, database_url: str) -> str:
    result = run(*args, database_url=database_url)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(*args: str, database_url: str) -> str:
    """The one line of stderr (unwrapped) of a command that must fail."""
    result = run(*args, database_url=database_url)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return " ".join(result.stderr.split())


def query(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def file_of(url: str) -> Path:
    return Path(make_url(url).database or "")


@on_sqlite
def test_a_backup_during_writes_is_one_consistent_moment(
    seeded_db_url: str, tmp_path: Path
) -> None:
    seed_version = query(file_of(seeded_db_url), "SELECT data_version FROM dataset_state")[0][0]
    backup = tmp_path / "backup.db"
    with Writers(seeded_db_url).running() as writers:
        while writers.commits < 30 and not writers.errors:
            threading.Event().wait(0.01)
        before = writers.commits
        ok("backup", str(backup), database_url=seeded_db_url)
        during = writers.commits - before
    assert not writers.errors, writers.errors
    assert during > 0, "no write committed while the backup ran"
    assert writers.commits > 30

    assert query(backup, "PRAGMA integrity_check") == [("ok",)]
    assert query(backup, "PRAGMA foreign_key_check") == []
    assert query(backup, "PRAGMA journal_mode") == [("delete",)]  # one file, no -wal
    assert not Path(f"{backup}-wal").exists()
    # Each writer's transaction bumped the data version once: the backup holds exactly the
    # transactions its version counts, each whole (a record and all its revisions).
    version = query(backup, "SELECT data_version FROM dataset_state")[0][0]
    created = query(backup, "SELECT count(*) FROM source WHERE title LIKE 'Writer %'")[0][0]
    revised_sources = query(
        backup,
        "SELECT count(*) FROM source_revision WHERE revision = 2 AND id IN "
        "(SELECT id FROM source WHERE title LIKE 'Writer %')",
    )[0][0]
    revised_observations = query(
        backup,
        "SELECT count(*) FROM observation_revision WHERE revision = 2 "
        "AND attributed_to LIKE 'Writer %'",
    )[0][0]
    assert created > 0
    assert version - seed_version == created + revised_sources + revised_observations
    for table in ("source", "observation"):
        assert query(
            backup,
            f"SELECT count(*) FROM {table} AS t WHERE t.revision != "
            f"(SELECT max(r.revision) FROM {table}_revision AS r WHERE r.id = t.id)",
        ) == [(0,)]


@on_sqlite
def test_a_backup_never_replaces_a_file_unless_forced(seeded_db_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    backup.write_text("precious")
    assert "exists; pass --force" in refused("backup", str(backup), database_url=seeded_db_url)
    assert backup.read_text() == "precious"
    ok("backup", str(backup), "--force", database_url=seeded_db_url)
    assert query(backup, "PRAGMA integrity_check") == [("ok",)]
    assert [p.name for p in tmp_path.iterdir()] == ["backup.db"]  # no partial file left


def _corrupt_page(path: Path) -> None:
    """Overwrite part of the observation table's first page with bytes no page holds."""
    page = query(path, "SELECT rootpage FROM sqlite_master WHERE name = 'observation'")[0][0]
    page_size = query(path, "PRAGMA page_size")[0][0]
    with path.open("r+b") as stream:
        stream.seek((page - 1) * page_size + 8)
        stream.write(b"\xff" * 200)


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _stamp_unknown_revision(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE alembic_version SET version_num = 'f00dfeedf00d'")
        db.commit()


def _another_application(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
        db.commit()


def _not_sqlite(path: Path) -> None:
    path.write_text("id,title\n1,not a database\n")


@on_sqlite
@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_corrupt_page, "fails PRAGMA integrity_check:"),
        (_truncate, "fails PRAGMA integrity_check"),
        (_another_application, "is a SQLite database, but not a laborstats one"),
        (_stamp_unknown_revision, "has a newer schema (revision f00dfeedf00d)"),
        (_not_sqlite, "is not a SQLite database"),
    ],
)
def test_restore_refuses_a_file_it_cannot_trust_and_leaves_the_database_alone(
    spoil, message: str, seeded_db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    ok("backup", str(backup), database_url=seeded_db_url)
    spoil(backup)
    before = table_contents(empty_db_url)
    error = refused("restore", str(backup), "--force", database_url=empty_db_url)
    assert f"{backup} {message}" in error
    assert table_contents(empty_db_url) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db"]  # no copy left


@on_sqlite
def test_restore_replaces_the_database_under_a_running_server(
    seeded_db_url: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session:
        added_id = add_observation(
            session, metric="entries", value=4321, attributed_to="Backed up"
        ).id
    backup = tmp_path / "backup.db"
    ok("backup", str(backup), database_url=seeded_db_url)
    with running_server(empty_db_url, tmp_path / "server.log") as server:
        assert httpx.get(f"{server.url}/v1/observations/{added_id}").status_code == 404
        version_before = httpx.get(f"{server.url}/v1").json()["data_version"]
        assert "holds a database; pass --force" in refused(
            "restore", str(backup), database_url=empty_db_url
        )
        ok("restore", str(backup), "--force", database_url=empty_db_url)

        served = httpx.get(f"{server.url}/v1/observations/{added_id}")
        assert served.status_code == 200, served.text
        assert served.json()["attributed_to"] == "Backed up"
        version_after = httpx.get(f"{server.url}/v1").json()["data_version"]
        backup_version = query(backup, "SELECT data_version FROM dataset_state")[0][0]
        assert version_after > max(version_before, backup_version)
    assert query(file_of(empty_db_url), "PRAGMA integrity_check") == [("ok",)]
    restored = table_contents(empty_db_url)
    original = table_contents(seeded_db_url)
    restored.pop("dataset_state"), original.pop("dataset_state")
    assert restored == original


def test_on_postgresql_backup_and_restore_point_to_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/laborstats"
    assert "use its own tools: pg_dump --format=custom" in refused(
        "backup", str(tmp_path / "b.db"), database_url=url
    )
    (tmp_path / "b.db").write_text("")
    assert "pg_restore --clean" in refused("restore", str(tmp_path / "b.db"), database_url=url)


@on_sqlite
def test_restore_over_a_file_that_is_no_database_says_to_move_it_away(
    seeded_db_url: str, tmp_path: Path
) -> None:
    backup, broken = tmp_path / "backup.db", tmp_path / "broken.db"
    ok("backup", str(backup), database_url=seeded_db_url)
    broken.write_text("not a database")
    url = f"sqlite:///{broken}"
    assert "move it (with its -wal and -shm) away" in refused(
        "restore", str(backup), "--force", database_url=url
    )
    assert broken.read_text() == "not a database"
    broken.unlink()
    ok("restore", str(backup), database_url=url)
    count = "SELECT count(*) FROM observation"
    assert query(broken, count) == query(backup, count) != [(0,)]
