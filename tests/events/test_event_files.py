"""Events as files: the seed's events.csv (loaded once, however often), a folder's
corrections of events, and the export, which writes events.csv and event_revisions.csv and
restores them, history included."""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from app.config import SEED_DIR
from app.errors import ImportFailed
from app.imports.service import import_path
from app.models import Event, EventRevision
from tests.conftest import Desk, table_contents
from tests.exports.test_export import LABORSTATS, laborstats
from tests.factories import seeded_revision

DOCUMENT = (SEED_DIR / "documents" / "north-korean-workers-in-russia.txt").read_text("utf-8")

# The revision the seed leaves event 1 at (its corrections included).
SEEDED = seeded_revision("event", 1)


def seed_events() -> list[dict[str, str]]:
    with (SEED_DIR / "events.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_seed_event_quotes_the_article_verbatim_and_adds_no_month() -> None:
    [row] = seed_events()
    assert row["quote"] in DOCUMENT
    assert row["occurred_on"] == "2019"  # the text gives the year only
    assert (row["origin"], row["destination"]) == ("PRK", "")
    assert "resolution" in row["notes"]


def test_loading_the_seed_twice_leaves_one_un_ban(seeded_db_url: str, session_for) -> None:
    before = table_contents(seeded_db_url)
    with session_for(seeded_db_url) as session, session.begin():
        report = import_path(session, SEED_DIR)
    assert "events: 0 created, 0 updated, 1 unchanged" in report.summary()
    assert not report.changed
    assert table_contents(seeded_db_url) == before
    with session_for(seeded_db_url) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        assert session.scalar(select(func.count()).select_from(EventRevision)) == SEEDED


def test_the_seed_reports_the_event_it_created(empty_db_url: str, session_for) -> None:
    with session_for(empty_db_url) as session, session.begin():
        report = import_path(session, SEED_DIR, actor="seed")
    assert "events: 1 created, 0 updated, 0 unchanged" in report.summary()


def test_a_folder_corrects_an_event_once(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(SEED_DIR, folder)
    correction = {
        "record": "event",
        "id": 1,
        "revision": SEEDED,
        "reason": "Shorter notes.",
        "changes": {"notes": "The report gives only the year."},
    }
    with (folder / "corrections.jsonl").open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(correction) + "\n")
    for _ in range(2):
        with session_for(empty_db_url) as session, session.begin():
            import_path(session, folder, actor="seed")
    history = client_for(empty_db_url).get("/v1/events/1/history").json()["data"]
    written = [(r["revision"], r["reason"]) for r in history]
    assert written[0] == (1, None)
    assert written[SEEDED:] == [(SEEDED + 1, "Shorter notes.")]


def test_an_events_row_whose_quote_is_not_in_its_source_fails_the_import(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(SEED_DIR, folder)
    text = (folder / "events.csv").read_text("utf-8")
    (folder / "events.csv").write_text(text.replace("in 2019.", "in 2018."), "utf-8")
    with session_for(empty_db_url) as session, session.begin():
        try:
            import_path(session, folder, actor="seed")
        except ImportFailed as failure:
            problems = failure.extra["problems"]
        else:
            raise AssertionError("the import should fail")
    assert [(p["file"], p["line"]) for p in problems] == [("events.csv", 2)]
    assert problems[0]["message"].startswith("quote: ")


def test_the_export_writes_events_and_restores_them_with_their_history(
    desk: Desk, empty_db_url: str, client_for, tmp_path: Path
) -> None:
    desk.client.patch(
        "/v1/events/1",
        json={"occurred_on": "2019-12", "reason": "Dated.", "revision": SEEDED},
        headers=desk.editor,
    )
    added = desk.client.post(
        "/v1/events",
        json={
            "occurred_on": "2024",
            "title": "=A title a spreadsheet would run",
            "destination": "RUS",
            "source_id": 2,
            "quote": "Russia is facing a massive worker shortage",
        },
        headers=desk.editor,
    ).json()
    retracted = desk.client.post(
        f"/v1/events/{added['id']}/retract",
        json={"reason": "Withdrawn.", "revision": 1},
        headers=desk.editor,
    )
    assert retracted.status_code == 200, retracted.text
    first, second = tmp_path / "first", tmp_path / "second"
    laborstats("export", str(first), database_url=desk.url)
    package = json.loads((first / "datapackage.json").read_text())
    names = [resource["path"] for resource in package["resources"]]
    assert {"events.csv", "event_revisions.csv"} <= set(names)
    with (first / "events.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["id"], r["occurred_on"], r["retracted"]) for r in rows] == [
        ("1", "2019-12", "false"),
        (str(added["id"]), "2024", "true"),
    ]
    assert rows[1]["title"].startswith("'=")  # neutralised for spreadsheets
    laborstats("import", str(first), database_url=empty_db_url)
    laborstats("export", str(second), database_url=empty_db_url)
    for name in [*names, "datapackage.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    restored = client_for(empty_db_url)
    assert len(restored.get("/v1/events/1/history").json()["data"]) == SEEDED + 1
    assert restored.get(f"/v1/events/{added['id']}").json()["retraction_reason"] == "Withdrawn."


def test_a_restore_refuses_an_events_file_its_history_contradicts(
    seeded_db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    laborstats("export", str(folder), database_url=seeded_db_url)
    text = (folder / "events.csv").read_text("utf-8")
    (folder / "events.csv").write_text(text.replace(",2019,", ",2018,"), "utf-8")
    result = subprocess.run(
        [str(LABORSTATS), "import", str(folder)],
        env={**os.environ, "DATABASE_URL": empty_db_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "events.csv" in result.stderr
    assert "occurred_on" in result.stderr
