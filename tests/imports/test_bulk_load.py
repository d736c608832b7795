"""An import's fast path: into an empty table it drops the indexes and builds them again in
its own transaction, so that a failed import leaves the schema as it was; the rows it sends
straight through the driver are stored exactly as the ORM stores them; and importing the
same file again writes nothing."""

import csv
import shutil
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from app.config import SEED_DIR
from app.dataset import history
from app.db import (
    DataSession,
    create_db_engine,
    gather_outdated_statistics,
    refresh_statistics,
    statistics_outdated,
    sync_id_sequences,
)
from app.errors import ImportFailed
from app.imports.reading import BATCH_SIZE
from app.imports.service import import_path
from app.models import Observation, metadata
from app.observations import editing
from app.observations.bulk import statements
from app.observations.bulk.saver import STALE_ROWS
from app.observations.schemas import ObservationCreate, ObservationImport
from tests.conftest import ON_POSTGRES, table_contents
from tests.factories import ARTICLE_QUOTE, add_observation

COLUMNS = [
    *("id", "metric", "origin", "destination", "region", "period_start", "period_end"),
    *("value", "lower_bound", "upper_bound", "qualifier", "basis", "attributed_to"),
    *("source_id", "reported_on", "quote", "notes", "part_of", "sector", "visa_type"),
]
BREAKDOWNS = ("sector", "visa_type")
OBSERVATION_TABLES = ("observation", "observation_revision", "observation_dimension")
MOMENT = datetime(2026, 11, 30, 12, 34, 56, 789012, tzinfo=UTC)


def observation_rows(
    count: int, *, first_id: int | None, claimant: str = "Analyst", one_claim: bool = False
) -> list[dict]:
    """Rows of every shape: ranges, stated minimums, regions, open periods, partial report
    dates, breakdowns, notes with non-ASCII text, and (with ids) parts of totals. Each row
    has a claimant of its own, or with `one_claim` they all cite one source and one
    claimant (as an official table's rows do), and a period of their own."""
    rows = []
    for n in range(count):
        year = 1990 + n % 35
        row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
        row |= {
            "id": "" if first_id is None else first_id + n,
            "metric": "entries",
            "origin": "PRK",
            "destination": "RUS",
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "value": 1000 + n,
            "qualifier": "approximate",
            "basis": "estimate",
            "attributed_to": f"{claimant} {n}",
            "source_id": 1 + n % 4,
            "quote": ARTICLE_QUOTE,
        }
        if one_claim:
            day = (date(1990, 1, 1) + timedelta(days=n)).isoformat()
            row |= {"attributed_to": claimant, "source_id": 1}
            row |= {"period_start": day, "period_end": day}
        match n % 7:
            case 1:
                row |= {"qualifier": "range", "value": "", "lower_bound": 10, "upper_bound": 20.5}
            case 2:
                row |= {"qualifier": "at_least", "basis": "official"}
            case 3:
                row |= {"metric": "workers_entered", "region": "RU-KRS", "sector": "construction"}
            case 4:
                row |= {"period_end": "", "reported_on": "2025-06", "value": 0.1}
            case 5:
                notes = 'From a table;\tünïcode, "quoted", a back\\slash,\nand a second line.'
                row |= {"visa_type": "student", "notes": notes}
            case 6 if first_id is not None:  # a part of the row before, a total
                row |= {"visa_type": "work", "value": 10, "part_of": first_id + n - 1}
        rows.append(row)
    return rows


def write_folder(folder: Path, rows: list[dict] | None) -> Path:
    """The seed's metrics and sources, and these observations (none: no observations.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("metrics.csv", "sources.csv"):
        shutil.copy(SEED_DIR / name, folder / name)
    shutil.copytree(
        SEED_DIR / "documents", folder / "documents", dirs_exist_ok=True
    )  # source 1's text_file
    if rows is not None:
        with (folder / "observations.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def import_folder(session_for, url: str, folder: Path):
    with session_for(url) as session, session.begin():
        return import_path(session, folder)


def described_index(index: Mapping[str, Any]) -> str:
    """An index as text; a partial index's condition by its SQL, not its object's address."""
    options = {name: str(value) for name, value in index.get("dialect_options", {}).items()}
    return repr(sorted({**index, "dialect_options": options}.items()))


TRIGGERS = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    "postgresql": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal ORDER BY tgname",
}


def schema(url: str) -> dict[str, list[str]]:
    """Each table's indexes and foreign keys, and the triggers, as the database describes
    them."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            described = {
                table: sorted(
                    [described_index(index) for index in inspector.get_indexes(table)]
                    + [repr(sorted(key.items())) for key in inspector.get_foreign_keys(table)]
                )
                for table in inspector.get_table_names()
            }
            triggers = connection.exec_driver_sql(TRIGGERS[connection.dialect.name])
            return {**described, "triggers": [repr(tuple(row)) for row in triggers]}
    finally:
        engine.dispose()


def stored_rows(url: str) -> dict[str, list[tuple]]:
    """The observation tables as the driver reads them: the stored form of each value."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            stored = {}
            for name in OBSERVATION_TABLES:
                table = metadata.tables[name]
                key = ", ".join(column.name for column in table.primary_key)
                select = f"SELECT {', '.join(table.columns.keys())} FROM {name} ORDER BY {key}"
                stored[name] = [tuple(row) for row in connection.exec_driver_sql(select)]
            return stored
    finally:
        engine.dispose()


def test_a_failed_import_into_an_empty_database_leaves_every_table_and_index(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    rows = observation_rows(BATCH_SIZE * 2 + 10, first_id=1)
    rows[-1]["origin"] = "XXX"
    folder = write_folder(tmp_path / "bad", rows)
    tables, indexes = table_contents(empty_db_url), schema(empty_db_url)
    with pytest.raises(ImportFailed) as failure:
        import_folder(session_for, empty_db_url, folder)
    last_line = (folder / "observations.csv").read_text(encoding="utf-8").count("\n")
    assert [p["line"] for p in failure.value.extra["problems"]] == [last_line]
    assert table_contents(empty_db_url) == tables
    assert schema(empty_db_url) == indexes


def test_an_import_into_an_empty_database_builds_the_same_indexes_again(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    indexes = schema(empty_db_url)
    report = import_folder(
        session_for, empty_db_url, write_folder(tmp_path / "good", observation_rows(50, first_id=1))
    )
    assert report.counts["observations"]["created"] == 50
    assert schema(empty_db_url) == indexes


def test_an_import_into_an_empty_database_is_found_by_search_and_kept_current_after(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    rows = observation_rows(BATCH_SIZE + 20, first_id=1, claimant="Quarrier")
    import_folder(session_for, empty_db_url, write_folder(tmp_path / "good", rows))
    client = client_for(empty_db_url)
    found = client.get("/v1/observations", params={"q": "quarrier", "count": "true"})
    assert found.json()["meta"]["total"] == len(rows)
    numbered = client.get("/v1/observations", params={"q": f"quarrier {len(rows) - 1}"})
    assert [o["id"] for o in numbered.json()["data"]] == [len(rows)]
    with session_for(empty_db_url) as session:
        add_observation(session, attributed_to="Stonemason after the load")
    assert client.get("/v1/observations", params={"q": "stonemason"}).json()["data"]


def test_a_broken_file_half_way_into_an_empty_database_leaves_it_as_it_was(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    """A row with more cells than the header stops the file after a batch was written."""
    folder = write_folder(tmp_path / "broken", observation_rows(BATCH_SIZE + 5, first_id=1))
    with (folder / "observations.csv").open("a", encoding="utf-8") as stream:
        stream.write("1,2,3" + "," * len(COLUMNS) + "\n")
    tables, indexes = table_contents(empty_db_url), schema(empty_db_url)
    with pytest.raises(ImportFailed) as failure:
        import_folder(session_for, empty_db_url, folder)
    assert "more cells than the header" in failure.value.extra["problems"][0]["message"]
    assert table_contents(empty_db_url) == tables
    assert schema(empty_db_url) == indexes


def test_a_dry_run_into_an_empty_table_changes_nothing(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    from tests.factories import bearer, make_token

    import_folder(session_for, empty_db_url, write_folder(tmp_path / "references", None))
    with session_for(empty_db_url) as session:
        editor = bearer(make_token(session, "loader", "editor"))
    rows = observation_rows(30, first_id=1)
    rows[4]["source_id"] = 99
    body = tmp_path / "body.csv"
    write_folder(tmp_path / "body", rows)
    shutil.copy(tmp_path / "body" / "observations.csv", body)
    tables, indexes = table_contents(empty_db_url), schema(empty_db_url)
    response = client_for(empty_db_url).post(
        "/v1/imports",
        params={"dry_run": "true"},
        content=body.read_bytes(),
        headers={**editor, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200
    assert [(p["line"], p["message"].split(":")[0]) for p in response.json()["problems"]] == [
        (6, "source_id")
    ]
    assert table_contents(empty_db_url) == tables
    assert schema(empty_db_url) == indexes


def _create_one_by_one(session: DataSession, rows: list[dict]) -> None:
    """The rows saved as POST /v1/observations saves one: through the ORM, one at a time."""
    for row in rows:
        fields = {
            name: (value if value != "" else None)
            for name, value in row.items()
            if name not in ("id", *BREAKDOWNS)
        }
        fields["dimensions"] = {name: row[name] for name in BREAKDOWNS if row[name]}
        if row["id"] == "":  # the database's next id: past those the file gave (PostgreSQL)
            sync_id_sequences(session)
        data = ObservationCreate.model_validate(fields)
        editing.create_observation(session, data, actor="cli", observation_id=row["id"] or None)
    sync_id_sequences(session)  # as an import does, after ids given by a file


@pytest.mark.parametrize("into", ["an empty table", "a table with observations"])
def test_imported_rows_are_stored_as_the_orm_stores_them(
    into: str, empty_db_url: str, databases, session_for, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(statements, "utc_now", lambda: MOMENT)
    monkeypatch.setattr(editing, "utc_now", lambda: MOMENT)
    imported, saved = empty_db_url, databases.copy(databases.migrated)
    first = observation_rows(40, first_id=1)
    more = observation_rows(30, first_id=None, claimant="Another analyst")
    if into == "a table with observations":
        import_folder(session_for, imported, write_folder(tmp_path / "first", first))
        import_folder(session_for, saved, write_folder(tmp_path / "references", None))
        with session_for(saved) as session, session.begin():
            _create_one_by_one(session, first)
        first = []
    import_folder(session_for, imported, write_folder(tmp_path / "rows", first + more))
    import_folder(session_for, saved, write_folder(tmp_path / "references", None))
    with session_for(saved) as session, session.begin():
        _create_one_by_one(session, first + more)

    by_import, by_orm = stored_rows(imported), stored_rows(saved)
    assert len(by_import["observation"]) == 70
    assert by_import["observation"] == by_orm["observation"]
    assert by_import["observation_dimension"] == by_orm["observation_dimension"]
    # A revision records why: an import gives its reason, a single create none; and the
    # data version of its own transaction (`change_version`), which differs by database.
    names = metadata.tables["observation_revision"].columns.keys()
    reason = names.index("reason")
    assert {row[reason] for row in by_import["observation_revision"]} == {"import"}
    kept = [i for i, name in enumerate(names) if name not in ("reason", "change_version")]
    assert [[row[i] for i in kept] for row in by_import["observation_revision"]] == [
        [row[i] for i in kept] for row in by_orm["observation_revision"]
    ]


class FrozenClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> "FrozenClock":
        return cls.fromtimestamp(MOMENT.timestamp(), tz)


def audited_edits(url: str) -> list[tuple]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT actor, action, target, reason FROM audit_entry "
                "WHERE action = 'observation.edit' ORDER BY id"
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_revisions_an_import_writes_are_those_editing_writes(
    empty_db_url: str, databases, session_for, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(statements, "utc_now", lambda: MOMENT)
    monkeypatch.setattr(editing, "utc_now", lambda: MOMENT)
    monkeypatch.setattr(history, "datetime", FrozenClock)
    imported, edited = empty_db_url, databases.copy(databases.migrated)
    rows = observation_rows(40, first_id=1)
    for url in (imported, edited):
        import_folder(session_for, url, write_folder(tmp_path / "first", rows))
    revised = [dict(row) for row in rows]
    for n, row in enumerate(revised):
        if n % 3 == 0 and row["qualifier"] in ("approximate", "at_least"):
            row |= {"value": row["value"] + 1, "notes": "Revised."}
        if n % 7 == 5:
            row["visa_type"] = "work"  # a breakdown changes
    report = import_folder(session_for, imported, write_folder(tmp_path / "revised", revised))
    changed = [new for new, old in zip(revised, rows, strict=True) if new != old]
    assert report.counts["observations"]["updated"] == len(changed) > 5
    with session_for(edited) as session, session.begin():
        for row in changed:  # one by one, as an import did before it saved in batches
            fields = {k: (v if v != "" else None) for k, v in row.items() if k not in BREAKDOWNS}
            fields["dimensions"] = {name: row[name] for name in BREAKDOWNS if row[name]}
            data = ObservationImport.model_validate(fields)
            editing.save_observation(session, data, actor="cli", reason="import")
    assert stored_rows(imported) == stored_rows(edited)
    assert audited_edits(imported) == audited_edits(edited)


def test_rows_sharing_one_claim_are_found_again_by_their_natural_keys_and_revised(
    empty_db_url: str, databases, session_for, monkeypatch, tmp_path: Path
) -> None:
    """Every row cites one source and one claimant and has no id: a later import finds each
    stored figure by its whole natural key, revises those whose values changed (keeping
    their ids), adds those whose key is new (another breakdown), and duplicates none; as
    editing them one by one does."""
    monkeypatch.setattr(statements, "utc_now", lambda: MOMENT)
    monkeypatch.setattr(editing, "utc_now", lambda: MOMENT)
    monkeypatch.setattr(history, "datetime", FrozenClock)
    imported, edited = empty_db_url, databases.copy(databases.migrated)
    rows = observation_rows(BATCH_SIZE * 2 + 10, first_id=None, claimant="Office", one_claim=True)
    for url in (imported, edited):
        import_folder(session_for, url, write_folder(tmp_path / "first", rows))
    revised = [dict(row) for row in rows]
    for n, row in enumerate(revised):
        if n % 3 == 0 and row["qualifier"] in ("approximate", "at_least"):
            row |= {"value": row["value"] + 1, "notes": "Revised."}
        elif n % 7 == 5:
            row["visa_type"] = "work"  # another breakdown: another figure
    changed = [n for n, (new, old) in enumerate(zip(revised, rows, strict=True)) if new != old]
    new_keys = [n for n in changed if revised[n]["visa_type"] != rows[n]["visa_type"]]
    report = import_folder(session_for, imported, write_folder(tmp_path / "revised", revised))
    counts = report.counts["observations"]
    assert counts["created"] == len(new_keys) > 5
    assert counts["updated"] == len(changed) - len(new_keys) > 5
    assert counts["unchanged"] == len(rows) - len(changed)
    with session_for(edited) as session, session.begin():
        for n in changed:  # one by one, as editing saves each
            row = revised[n]
            fields = {k: (v if v != "" else None) for k, v in row.items() if k not in BREAKDOWNS}
            fields["dimensions"] = {name: row[name] for name in BREAKDOWNS if row[name]}
            data = ObservationImport.model_validate(fields | {"id": None})
            editing.save_observation(session, data, actor="cli", reason="import")
    stored, by_editing = stored_rows(imported), stored_rows(edited)
    for name in ("observation", "observation_dimension"):
        assert stored[name] == by_editing[name]
    # A revision records why: an import gives its reason, a single create none.
    revisions = metadata.tables["observation_revision"].columns.keys()
    reason, action = revisions.index("reason"), revisions.index("action")
    for ours, theirs in zip(
        stored["observation_revision"], by_editing["observation_revision"], strict=True
    ):
        if ours[action] == "create" and theirs[reason] is None:
            theirs = (*theirs[:reason], "import", *theirs[reason + 1 :])
        assert ours == theirs
    assert audited_edits(imported) == audited_edits(edited)
    # The first import gave the rows ids 1, 2... in file order; revised, each kept its own.
    table = metadata.tables["observation"].columns.keys()
    key, value, revision = table.index("id"), table.index("value"), table.index("revision")
    by_id = {row[key]: row for row in stored["observation"]}
    assert len(by_id) == len(rows) + len(new_keys)
    for n in changed:
        if n not in new_keys:
            assert (by_id[n + 1][value], by_id[n + 1][revision]) == (revised[n]["value"], 2)


@pytest.mark.parametrize("ids", [True, False])
def test_importing_the_same_file_again_writes_nothing(
    ids: bool, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    rows = observation_rows(BATCH_SIZE * 2 + 10, first_id=1 if ids else None)
    folder = write_folder(tmp_path / "rows", rows)
    first = import_folder(session_for, empty_db_url, folder)
    assert first.counts["observations"]["created"] == len(rows)
    tables = table_contents(empty_db_url)
    again = import_folder(session_for, empty_db_url, folder)
    assert not again.changed
    assert again.counts["observations"]["unchanged"] == len(rows)
    assert table_contents(empty_db_url) == tables


def test_statistics_count_as_out_of_date_when_the_rows_moved_a_tenth_past_them(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session, session.begin():
        assert statistics_outdated(session, "observation", rows_beyond=0)  # never gathered
        refresh_statistics(session)
        assert not statistics_outdated(session, "observation", rows_beyond=0)
        counted = session.scalar(select(func.count()).select_from(Observation)) or 0
    rows = observation_rows(counted // 10 + 1, first_id=None, claimant="One more analyst")
    import_folder(session_for, seeded_db_url, write_folder(tmp_path / "one", rows))
    with session_for(seeded_db_url) as session:  # more than a tenth past those counted
        assert statistics_outdated(session, "observation", rows_beyond=0)
        assert not statistics_outdated(session, "observation", rows_beyond=1)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's lookups name their index: no ANALYZE")
def test_statistics_gathered_for_an_import_that_fails_are_kept(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    """The import's transaction may fail (PostgreSQL stopped, a disk full) after it gathered
    statistics. Rolled back with it, the column statistics would be lost while the row
    count ANALYZE writes in place, and the activity record of an ANALYZE, stay: no later
    import would gather them again, and each would search an index most rows share."""
    rows = observation_rows(
        STALE_ROWS * 2, first_id=None, claimant="A later analyst", one_claim=True
    )
    import_folder(session_for, seeded_db_url, write_folder(tmp_path / "rows", rows))
    with session_for(seeded_db_url) as session:
        gather_outdated_statistics(session, "observation", rows_beyond=STALE_ROWS)
        session.rollback()  # as the import's failure does
    with session_for(seeded_db_url) as session:
        common = session.scalar(
            text(
                "SELECT most_common_vals::text FROM pg_stats "
                "WHERE tablename = 'observation' AND attname = 'attributed_to'"
            )
        )
    assert "A later analyst" in (common or "")
