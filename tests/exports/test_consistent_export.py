"""`laborstats export` reads one snapshot while writes go on, on SQLite and on PostgreSQL:
what it writes restores into an empty database and exports again byte for byte."""

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import DataSession, create_db_engine, read_session
from app.observations import editing
from app.sources import service as sources_service
from app.sources.schemas import SourceCreate
from tests.conftest import ON_POSTGRES, load_folder
from tests.exports.test_export import laborstats
from tests.factories import add_observation
from tests.imports.test_bulk_load import observation_rows, write_folder

# Enough rows that the export takes a while: writers commit many times while it runs.
ROWS = 20_000


class Writers:
    """Threads that each create a source and an observation citing it, then revise both,
    in separate transactions, until stopped: what a busy newsroom does through the API."""

    def __init__(self, url: str, count: int = 2) -> None:
        self.url = url
        self.commits = 0
        self.errors: list[str] = []  # each failure's traceback
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(count)
        ]

    def _write(self, writer: int) -> None:
        # A lock wait far beyond the API's default: on a loaded machine a commit can stall on
        # the disk for seconds, and what this test proves is the export's snapshot.
        engine = create_db_engine(self.url, for_writes=True, busy_timeout_ms=60_000)
        try:
            n = 0
            while not self._stop.is_set():
                with DataSession(engine) as session:
                    data = SourceCreate.model_validate(
                        {"title": f"Writer {writer} source {n}", "type": "news_report"}
                    )
                    source = sources_service.create_source(session, data, actor="writer")
                    added = add_observation(  # commits the source with it
                        session,
                        metric="entries",
                        source_id=source.id,
                        attributed_to=f"Writer {writer} analyst {n}",
                        value=n,
                    )
                    source_id, observation_id = source.id, added.id
                    sources_service.edit_source(
                        session,
                        source_id,
                        {"notes": "revised"},
                        expected_revision=1,
                        actor="writer",
                        reason="more known",
                    )
                    session.commit()
                    editing.edit_observation(
                        session,
                        observation_id,
                        {"value": n + 1},
                        expected_revision=1,
                        actor="writer",
                        reason="corrected",
                    )
                    session.commit()
                with self._lock:
                    self.commits += 3
                n += 1
        except BaseException:  # reported by the test
            self.errors.append(traceback.format_exc())
        finally:
            engine.dispose()

    @contextmanager
    def running(self) -> Iterator["Writers"]:
        for thread in self._threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in self._threads:
                thread.join(timeout=60)


def test_an_export_during_writes_restores_and_exports_again_byte_for_byte(
    seeded_db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    load_folder(
        seeded_db_url,
        write_folder(tmp_path / "bulk", observation_rows(ROWS, first_id=None)),
        actor="bulk",
    )
    first, second = tmp_path / "first", tmp_path / "second"
    with Writers(seeded_db_url).running() as writers:
        while writers.commits < 6 and not writers.errors:  # writing before the export starts
            threading.Event().wait(0.01)
        before = writers.commits
        laborstats("export", str(first), database_url=seeded_db_url)
        during = writers.commits - before
    assert not writers.errors, "\n".join(writers.errors)
    assert during > 0, "no write committed while the export ran"

    laborstats("import", str(first), database_url=empty_db_url)
    laborstats("export", str(second), database_url=empty_db_url)
    names = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
    assert names, "the export wrote no files to compare"
    for name in names:  # the stored tables under files/ too
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no read-only transactions")
def test_the_export_snapshot_is_a_read_only_repeatable_read_transaction(
    seeded_db_url: str,
) -> None:
    engine = create_db_engine(seeded_db_url)
    try:
        with read_session(engine, read_only=True) as session:
            assert session.scalar(text("SHOW transaction_isolation")) == "repeatable read"
            with pytest.raises(DBAPIError, match="read-only transaction"):
                session.execute(text("UPDATE dataset_state SET data_version = 0"))
    finally:
        engine.dispose()
