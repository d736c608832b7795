"""Restoring an export checks sources.csv and observations.csv against the revision files:
each record there must be its latest revision, as the export writes it, or nothing is
restored and the problem is named by file and line."""

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from app.db import DataSession, create_db_engine
from app.errors import ImportFailed
from app.exports.service import export_database
from app.imports.service import import_path
from tests.conftest import table_contents
from tests.exports.test_export import add_history
from tests.factories import seeded_revision

Edit = Callable[[list[list[str]]], None]


def export_to(url: str, folder: Path) -> Path:
    engine = create_db_engine(url)
    try:
        export_database(engine, folder)
    finally:
        engine.dispose()
    return folder


def edit_csv(path: Path, edit: Edit) -> None:
    with path.open(encoding="utf-8", newline="") as stream:
        records = list(csv.reader(stream))
    edit(records)
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows(records)


def restore(url: str, folder: Path) -> None:
    engine = create_db_engine(url, for_writes=True)
    try:
        with DataSession(engine) as session, session.begin():
            import_path(session, folder, actor="restore")
    finally:
        engine.dispose()


@pytest.fixture
def exported(seeded_db_url: str, session_for, tmp_path: Path) -> Path:
    with session_for(seeded_db_url) as session:
        add_history(session)
    return export_to(seeded_db_url, tmp_path / "export")


def set_cell(row: int, column: str, value: str) -> Edit:
    def edit(records: list[list[str]]) -> None:
        records[row][records[0].index(column)] = value

    return edit


LAST = -1  # the file's last line


def drop_row(row: int) -> Edit:
    def edit(records: list[list[str]]) -> None:
        del records[row]

    return edit


def repeat_last_row_as(new_id: str) -> Edit:
    def edit(records: list[list[str]]) -> None:
        records.append([new_id, *records[-1][1:]])

    return edit


@pytest.mark.parametrize(
    ("file", "edit", "line", "message"),
    [
        ("observations.csv", set_cell(2, "value", "99999"), 3, "value: '99999' here, but"),
        (
            "observations.csv",
            set_cell(1, "revision", "1"),
            2,
            # Observation 1: the seed's revisions, and the test's edit.
            f"revision: '1' here, but '{seeded_revision('observation', 1) + 1}'",
        ),
        ("observations.csv", set_cell(4, "citation", "Someone else"), 5, "citation:"),
        ("observations.csv", drop_row(3), 4, "observation 3 is in observation_revisions.csv"),
        ("observations.csv", repeat_last_row_as("500"), LAST, "observation 500 has no revision"),
        ("sources.csv", set_cell(2, "published_on", "2024"), 3, "published_on: '2024' here"),
        # Found where sources.csv goes on with source 5 (the seed's table) instead.
        ("sources.csv", drop_row(4), 5, "source 4 is in source_revisions.csv but not"),
    ],
)
def test_restore_refuses_current_files_that_disagree_with_the_history(
    exported: Path, empty_db_url: str, file: str, edit: Edit, line: int, message: str
) -> None:
    edit_csv(exported / file, edit)
    if line == LAST:
        line = len((exported / file).read_text(encoding="utf-8").splitlines())
    before = table_contents(empty_db_url)
    with pytest.raises(ImportFailed) as refused:
        restore(empty_db_url, exported)
    [problem] = refused.value.extra["problems"]
    assert (problem["file"], problem["line"]) == (file, line), problem
    assert message in problem["message"]
    assert table_contents(empty_db_url) == before


def test_restore_refuses_a_history_without_its_observations_file(
    exported: Path, empty_db_url: str
) -> None:
    (exported / "observations.csv").unlink()
    with pytest.raises(ImportFailed) as refused:
        restore(empty_db_url, exported)
    [problem] = refused.value.extra["problems"]
    assert problem["file"] == "observations.csv"
    assert "observation 1 is in observation_revisions.csv but not" in problem["message"]


def test_restore_refuses_an_observations_file_with_other_columns(
    exported: Path, empty_db_url: str
) -> None:
    edit_csv(exported / "observations.csv", set_cell(0, "sector", "industry"))
    with pytest.raises(ImportFailed) as refused:
        restore(empty_db_url, exported)
    [problem] = refused.value.extra["problems"]
    assert (problem["file"], problem["line"]) == ("observations.csv", 1)
    assert "columns id," in problem["message"]
    assert "industry" in problem["message"]


def test_an_untouched_export_restores(exported: Path, empty_db_url: str) -> None:
    restore(empty_db_url, exported)
    assert export_to(empty_db_url, exported.parent / "again")
