"""A dataset folder's corrections.jsonl: each correction a revision with its reason, applied
once, through the same edits (and rules) as the API's PATCH."""

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.errors import ImportFailed
from app.imports.report import ImportReport
from app.imports.service import import_path
from app.observations import editing
from tests.conftest import table_contents
from tests.test_cli import run

METRICS = [
    {"code": "toy_entries", "name": "Toy entries", "unit": "entries", "kind": "flow"},
    {"code": "toy_arrivals", "name": "Toy arrivals", "unit": "persons", "kind": "flow"},
]
SOURCES = [
    {"id": 1, "title": "A made-up gazette", "type": "news_report"},
    {"id": 2, "title": "A made-up ministry", "type": "government_statistics"},
]
YEAR = {"origin": "PRK", "destination": "RUS", "period_start": "2024-01-01"}
YEAR |= {"period_end": "2024-12-31", "basis": "estimate", "attributed_to": "A made-up ministry"}
OBSERVATIONS = [
    {"id": 1, "metric": "toy_entries", **YEAR, "value": 1000, "qualifier": "approximate"},
    {"id": 2, "metric": "toy_entries", **YEAR, "value": 400, "qualifier": "exact"}
    | {"part_of": 1, "visa_type": "student"},
    {"id": 3, "metric": "toy_arrivals", **YEAR, "value": 50, "qualifier": "at_least"},
]
for _row in OBSERVATIONS:
    _row |= {"source_id": 2, "quote": f"Made-up words {_row['id']}."}


def correction(record: str, record_id: int, revision: int, reason: str, **changes: Any) -> dict:
    return {
        "record": record,
        "id": record_id,
        "revision": revision,
        "reason": reason,
        "changes": changes,
    }


# A whole and its part moved to another metric: the whole first, then its part.
CORRECTIONS = [
    correction("observation", 3, 1, "The ministry gives the month.", reported_on="2025-06"),
    correction("source", 2, 1, "The ministry's own name.", publisher="Ministry of Toys"),
    correction("observation", 3, 2, "Over fifty is at least 51.", value=51),
    correction("observation", 1, 1, "These are arrivals, not entries.", metric="toy_arrivals"),
    correction("observation", 2, 1, "As its whole: arrivals.", metric="toy_arrivals"),
]


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_folder(
    folder: Path,
    corrections: list[dict] | None = None,
    *,
    lines: list[str] | None = None,
    observations: list[dict] = OBSERVATIONS,
) -> Path:
    """The made-up first edition, and its corrections (JSON, or `lines` as written)."""
    folder.mkdir(exist_ok=True)
    metrics = [m | {"definition": m["name"], "dimensions": "visa_type"} for m in METRICS]
    write_csv(folder / "metrics.csv", metrics)
    write_csv(folder / "sources.csv", SOURCES)
    write_csv(folder / "observations.csv", observations)
    if corrections is not None or lines is not None:
        written = lines if lines is not None else [json.dumps(c) for c in corrections or []]
        (folder / "corrections.jsonl").write_text("".join(f"{line}\n" for line in written))
    return folder


def load(session_for, url: str, folder: Path) -> ImportReport:
    with session_for(url) as session, session.begin():
        return import_path(session, folder, actor="seed")


def load_fails(session_for, url: str, folder: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(ImportFailed) as failure:
        load(session_for, url, folder)
    return [(p["file"], p["line"], p["message"]) for p in failure.value.extra["problems"]]


def history(client: TestClient, observation_id: int) -> list[dict]:
    return client.get(f"/v1/observations/{observation_id}/history").json()["data"]


def test_each_correction_is_a_revision_with_its_reason_in_file_order(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    report = load(session_for, empty_db_url, write_folder(tmp_path / "data", CORRECTIONS))
    assert "corrections: 5 applied, 0 unchanged" in report.summary()
    client = client_for(empty_db_url)
    revisions = history(client, 3)
    assert [(r["revision"], r["action"], r["reason"]) for r in revisions] == [
        (1, "create", "import"),
        (2, "edit", "The ministry gives the month."),
        (3, "edit", "Over fifty is at least 51."),
    ]
    assert {r["recorded_by"] for r in revisions} == {"seed"}
    assert [(r["observation"]["reported_on"], r["observation"]["value"]) for r in revisions] == [
        (None, 50),
        ("2025-06", 50),
        ("2025-06", 51),
    ]
    current = client.get("/v1/observations/3").json()
    assert (current["revision"], current["reported_on"], current["value"]) == (3, "2025-06", 51)
    source = client.get("/v1/sources/2").json()
    assert (source["revision"], source["publisher"]) == (2, "Ministry of Toys")


def test_a_whole_and_its_part_move_to_another_metric_whole_first(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    load(session_for, empty_db_url, write_folder(tmp_path / "data", CORRECTIONS))
    client = client_for(empty_db_url)
    whole, part = (client.get(f"/v1/observations/{n}").json() for n in (1, 2))
    assert (whole["metric"], whole["unit"], whole["revision"]) == ("toy_arrivals", "persons", 2)
    assert (part["metric"], part["part_of"], part["revision"]) == ("toy_arrivals", 1, 2)
    assert client.get("/v1/observations/1").json()["parts"] == [2]
    assert history(client, 2)[1]["reason"] == "As its whole: arrivals."


def test_moving_the_part_before_its_whole_is_refused_by_the_part_of_rule(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    before = table_contents(empty_db_url)
    part_first = [CORRECTIONS[4], CORRECTIONS[3]]
    folder = write_folder(tmp_path / "data", part_first)
    [(file, line, message)] = load_fails(session_for, empty_db_url, folder)
    assert (file, line) == ("corrections.jsonl", 1)
    assert message.startswith("part_of: part_of 1 is toy_entries")
    assert table_contents(empty_db_url) == before


def test_loading_the_folder_again_changes_nothing(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "data", CORRECTIONS)
    load(session_for, empty_db_url, folder)
    before = table_contents(empty_db_url)
    again = load(session_for, empty_db_url, folder)
    assert not again.changed
    assert again.summary() == (
        "metrics: 0 created, 0 updated, 2 unchanged; "
        "sources: 0 created, 0 updated, 2 unchanged; "
        "observations: 0 created, 0 updated, 3 unchanged; "
        "corrections: 0 applied, 5 unchanged"
    )
    assert table_contents(empty_db_url) == before  # the data version and revisions too


def test_a_database_at_the_first_edition_catches_up(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    first_edition = write_folder(tmp_path / "first")
    load(session_for, empty_db_url, first_edition)
    caught_up = load(session_for, empty_db_url, write_folder(tmp_path / "now", CORRECTIONS))
    assert caught_up.counts["corrections"] == {"applied": 5, "unchanged": 0}
    assert caught_up.counts["observations"] == {"unchanged": 3}
    client = client_for(empty_db_url)
    assert [r["reason"] for r in history(client, 3)] == [
        "import",
        "The ministry gives the month.",
        "Over fifty is at least 51.",
    ]
    assert client.get("/v1/observations/2").json()["metric"] == "toy_arrivals"


def test_a_first_edition_row_never_undoes_a_correction(
    empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "data", CORRECTIONS[:1])
    load(session_for, empty_db_url, folder)
    edited = [
        row | {"notes": "Edited in the CSV."} if row["id"] == 3 else row for row in OBSERVATIONS
    ]
    load(session_for, empty_db_url, write_folder(folder, CORRECTIONS[:1], observations=edited))
    current = client_for(empty_db_url).get("/v1/observations/3").json()
    assert (current["revision"], current["reported_on"], current["notes"]) == (2, "2025-06", None)


def test_a_record_edited_since_fails_the_import_naming_it_and_writes_nothing(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    load(session_for, empty_db_url, write_folder(tmp_path / "first"))
    with session_for(empty_db_url) as session, session.begin():
        changes = {"notes": "An editor's note."}
        editing.edit_observation(
            session, 3, changes, expected_revision=1, actor="newsdesk", reason="A fix."
        )
    before = table_contents(empty_db_url)
    problems = load_fails(session_for, empty_db_url, write_folder(tmp_path / "now", CORRECTIONS))
    [(file, line, message)] = problems
    assert (file, line) == ("corrections.jsonl", 1)
    assert "Observation 3 is at revision 2" in message
    assert "edited after revision 1" in message
    assert table_contents(empty_db_url) == before


GOOD = json.dumps(CORRECTIONS[0])


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (
            '{"record": "metric", "id": 1, "revision": 1, "reason": "x", "changes": {"a": 1}}',
            "record",
        ),
        (
            json.dumps({k: v for k, v in CORRECTIONS[0].items() if k != "reason"}),
            "reason: Field required",
        ),
        (json.dumps(CORRECTIONS[0] | {"reason": ""}), "reason"),
        ('{"record": "observation", "id": 3,', "not JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps(CORRECTIONS[0] | {"colour": "red"}), "colour: a correction has no such field"),
        (
            json.dumps(correction("observation", 3, 1, "x", colour="red")),
            "changes.colour: a observation",
        ),
        (json.dumps(correction("source", 2, 1, "x", colour="red")), "changes.colour"),
        (json.dumps(correction("observation", 3, 1, "x", origin="XXX")), "changes.origin: 'XXX'"),
        (
            json.dumps(correction("observation", 3, 1, "x", value="51")),
            "changes.value: give a JSON number",
        ),
        (
            json.dumps(CORRECTIONS[0] | {"changes": {"reason": "y"}}),
            "changes: give reason beside",
        ),
        (json.dumps(correction("observation", 3, 1, "x")), "changes"),
        (json.dumps(CORRECTIONS[0] | {"id": "3"}), "id"),
        (json.dumps(CORRECTIONS[0] | {"revision": 0}), "revision"),
    ],
)
def test_a_bad_line_is_a_problem_naming_the_file_and_line(
    line: str, words: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    before = table_contents(empty_db_url)
    folder = write_folder(tmp_path / "data", lines=[GOOD, "", line])
    [(file, number, message)] = load_fails(session_for, empty_db_url, folder)
    assert (file, number) == ("corrections.jsonl", 3)
    assert words in message
    assert table_contents(empty_db_url) == before


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (correction("observation", 99, 1, "x", notes="n"), "Observation 99 does not exist"),
        (correction("observation", 1, 1, "x", value=1000), "already has these values"),
        (correction("observation", 1, 1, "x", qualifier="range"), "lower_bound"),
        (correction("observation", 3, 4, "x", notes="n"), "which it has not reached"),
        (correction("source", 1, 1, "x", relayed_through=1), "relayed_through"),
    ],
)
def test_a_correction_the_rules_refuse_fails_the_import_naming_its_line(
    bad: dict, words: str, empty_db_url: str, session_for, tmp_path: Path
) -> None:
    before = table_contents(empty_db_url)
    folder = write_folder(tmp_path / "data", [CORRECTIONS[0], bad])
    [(file, line, message)] = load_fails(session_for, empty_db_url, folder)
    assert (file, line) == ("corrections.jsonl", 2)
    assert words in message
    assert table_contents(empty_db_url) == before


def test_a_folder_with_corrections_needs_an_id_on_every_row(
    empty_db_url: str, session_for, tmp_path: Path
) -> None:
    without_id = [*OBSERVATIONS, OBSERVATIONS[2] | {"id": "", "attributed_to": "Someone"}]
    folder = write_folder(tmp_path / "data", CORRECTIONS, observations=without_id)
    [(file, line, message)] = load_fails(session_for, empty_db_url, folder)
    assert (file, line) == ("observations.csv", 5)
    assert "needs an id on every row" in message


def test_laborstats_import_prints_the_corrections_applied(
    empty_db_url: str, tmp_path: Path
) -> None:
    result = run(
        "import", str(write_folder(tmp_path / "data", CORRECTIONS)), database_url=empty_db_url
    )
    assert result.returncode == 0, result.stderr
    assert "corrections: 5 applied, 0 unchanged" in result.stdout
