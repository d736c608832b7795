"""Imports check every row, report each problem by line, and write all rows or none."""

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.errors import ImportFailed
from app.imports.service import import_path
from app.models import DatasetState, Observation
from tests.factories import observation_fields

COLUMNS = [
    *("metric", "origin", "destination", "period_start", "period_end", "value", "qualifier"),
    *("basis", "attributed_to", "source_id", "quote", "visa_type", "part_of"),
]


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def count_observations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Observation)) or 0


def import_fails(session_for, url: str, path: Path) -> list[dict]:
    with session_for(url) as session, pytest.raises(ImportFailed) as failure, session.begin():
        import_path(session, path)
    return failure.value.extra["problems"]


def test_a_bad_row_at_the_end_imports_nothing_and_names_its_line(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    rows = [
        observation_fields(value=1000 + n) | {"attributed_to": f"Analyst {n}"} for n in range(5)
    ]
    rows.append(observation_fields(origin="XXX"))
    with session_for(seeded_db_url) as session:
        seeded = count_observations(session)
    problems = import_fails(session_for, seeded_db_url, write_csv(tmp_path / "obs.csv", rows))
    assert [(p["line"], "XXX" in p["message"]) for p in problems] == [(7, True)]
    with session_for(seeded_db_url) as session:
        assert count_observations(session) == seeded
        assert session.get(DatasetState, 1).data_version == 1


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (observation_fields(metric="migrants"), ["migrants", "workers_entered"]),
        (observation_fields(source_id=99), ["source_id 99"]),
        (observation_fields(qualifier="range"), ["lower_bound", "upper_bound"]),
        (observation_fields(qualifier="at_least", value=None), ["at_least", "value"]),
        (observation_fields(period_start="2024-12-31", period_end="2024-01-01"), ["after"]),
        (observation_fields(metric="entries", part_of=999), ["part_of", "999", "does not exist"]),
        (
            observation_fields(metric="nationals_entered", value=20000, part_of=3),
            ["larger than its whole"],
        ),
        (observation_fields(part_of=3), ["same metric"]),
        (observation_fields(visa_type="student"), ["workers_entered", "visa_type"]),
        (observation_fields(quote=""), ["quote"]),
    ],
)
def test_a_row_breaking_a_rule_is_refused_with_a_message_naming_it(
    seeded_db_url: str, session_for, tmp_path: Path, row: dict, words: list[str]
) -> None:
    [problem] = import_fails(session_for, seeded_db_url, write_csv(tmp_path / "bad.csv", [row]))
    assert problem["line"] == 2
    for word in words:
        assert word in problem["message"], (word, problem["message"])


def test_json_lines_import_and_reimport_changes_nothing(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    path = tmp_path / "obs.ndjson"
    rows = [observation_fields(metric="entries", dimensions={"visa_type": "work"}, value=3000)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with session_for(seeded_db_url) as session, session.begin():
        assert import_path(session, path).counts["observations"]["created"] == 1
    with session_for(seeded_db_url) as session, session.begin():
        report = import_path(session, path)
        assert report.counts["observations"]["unchanged"] == 1
        assert not report.changed
        assert session.get(DatasetState, 1).data_version == 2


def test_a_broken_json_line_is_reported_by_number(
    seeded_db_url: str, session_for, tmp_path: Path
) -> None:
    path = tmp_path / "obs.jsonl"
    path.write_text(json.dumps(observation_fields()) + "\n{not json\n")
    [problem] = import_fails(session_for, seeded_db_url, path)
    assert "line 2" in problem["message"]
