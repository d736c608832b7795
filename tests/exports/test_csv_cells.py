"""CSV cells as a spreadsheet reads them: text that a spreadsheet would run as a formula is
written with a leading `'` (OWASP's advice on CSV injection) by `format=csv` and by
`laborstats export`, and read back exactly by `laborstats import`; numbers stay numbers;
booleans are `true` / `false`, as in JSON."""

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import Session

from app.dataset.files import neutralised, restored
from app.observations import editing
from app.sources import service as sources_service
from app.sources.schemas import SourceCreate
from tests.conftest import Desk
from tests.exports.test_export import laborstats
from tests.factories import add_observation

# What a cell may start with that a spreadsheet runs, and what is already quoted.
FORMULA_TEXTS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1 more than announced",
    "-5 workers, by one count",
    "@SUM(A1:A9)",
    "\tindented",
    "\rafter a carriage return",
    "'=already quoted once",
    "''+quoted twice",
]
PLAIN_TEXTS = ["", "'", "''", "'plain", "plain = not a formula", "x-5", "'-", "-", "="]


@pytest.mark.parametrize("text", FORMULA_TEXTS + PLAIN_TEXTS)
def test_the_rule_is_reversible_and_leaves_no_cell_a_spreadsheet_would_run(text: str) -> None:
    written = neutralised(text)
    assert restored(written) == text
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_rule_quotes_only_what_a_spreadsheet_would_run() -> None:
    assert neutralised("=1+1") == "'=1+1"
    assert neutralised("'=1+1") == "''=1+1"  # or it would read back as "=1+1"
    assert neutralised("'plain") == "'plain"
    assert neutralised("plain") == "plain"
    assert restored("'plain") == "'plain"


def add_formula_texts(session: Session) -> int:
    """A source and an observation whose texts start like formulas, a negative figure, an
    edit whose reason does too, and a retraction; the observation's id."""
    source = sources_service.create_source(
        session,
        SourceCreate(title="=cmd|' /C calc'!A0", type="news_report", notes="@risky notes"),
        actor="desk",
    )
    observation = add_observation(
        session,
        metric="entries",
        source_id=source.id,
        attributed_to=FORMULA_TEXTS[0],
        quote=FORMULA_TEXTS[2],
        notes=FORMULA_TEXTS[6],
        value=-5,
        qualifier="exact",
        dimensions={"visa_type": "+work"},
    )
    editing.edit_observation(
        session,
        observation.id,
        {"notes": FORMULA_TEXTS[7]},
        expected_revision=1,
        actor="desk",
        reason="-corrected",
    )
    editing.retract_observation(
        session, observation.id, expected_revision=2, actor="desk", reason="=withdrawn"
    )
    session.commit()
    return observation.id


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_format_csv_quotes_formula_texts_but_not_numbers(desk: Desk) -> None:
    observation_id = add_formula_texts(desk.session)
    served = desk.client.get(
        "/v1/observations", params={"format": "csv", "include_retracted": "true", "limit": 1000}
    ).text
    row = next(r for r in records(served) if r["id"] == str(observation_id))
    assert row["attributed_to"] == "'" + FORMULA_TEXTS[0]
    assert row["quote"] == "'-5 workers, by one count"
    assert row["notes"] == "'''+quoted twice"
    assert row["visa_type"] == "'+work"
    assert row["value"] == "-5"  # a number, not a formula
    assert row["retracted"] == "true"
    assert row["citation"].startswith("'=HYPERLINK")
    streamed = desk.client.get(
        "/v1/observations", params={"format": "csv", "include_retracted": "true", "limit": "all"}
    ).text
    assert next(r for r in records(streamed) if r["id"] == str(observation_id)) == row
    assert {r["retracted"] for r in records(streamed)} == {"true", "false"}


def test_an_export_quotes_formula_texts_and_restores_them_exactly(
    seeded_db_url: str, empty_db_url: str, session_for, client_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session:
        observation_id = add_formula_texts(session)
    first, second = tmp_path / "first", tmp_path / "second"
    laborstats("export", str(first), database_url=seeded_db_url)
    observations = records((first / "observations.csv").read_text(encoding="utf-8"))
    row = next(r for r in observations if r["id"] == str(observation_id))
    assert row["attributed_to"] == "'" + FORMULA_TEXTS[0]
    assert row["value"] == "-5"
    assert row["retracted"] == "true"
    revisions = (first / "observation_revisions.csv").read_text(encoding="utf-8")
    assert ",'-corrected" in revisions
    assert ",'=withdrawn" in revisions
    sources = (first / "sources.csv").read_text(encoding="utf-8")
    assert "'=cmd|' /C calc'!A0" in sources
    for path in first.glob("*.csv"):
        for record in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in record:
                if cell[:1] in ("=", "+", "@", "\t", "\r"):
                    pytest.fail(f"{path.name}: {cell!r}")

    laborstats("import", str(first), database_url=empty_db_url)
    laborstats("export", str(second), database_url=empty_db_url)
    for path in (path for path in first.rglob("*") if path.is_file()):
        name = path.relative_to(first)
        assert (second / name).read_bytes() == path.read_bytes(), name
    original = client_for(seeded_db_url).get(f"/v1/observations/{observation_id}").json()
    restored_copy = client_for(empty_db_url).get(f"/v1/observations/{observation_id}").json()
    assert restored_copy == original
    assert restored_copy["notes"] == FORMULA_TEXTS[7]
    assert restored_copy["attributed_to"] == FORMULA_TEXTS[0]
    assert restored_copy["dimensions"] == {"visa_type": "+work"}


def test_an_observations_file_with_quoted_cells_and_either_boolean_form_imports(
    desk: Desk, tmp_path: Path
) -> None:
    observation_id = add_formula_texts(desk.session)
    served = desk.client.get("/v1/observations", params={"format": "csv", "limit": 1000}).text
    assert ",false," in served
    old_form = tmp_path / "old.csv"
    old_form.write_text(served.replace(",false,", ",False,"), encoding="utf-8")
    for path in (old_form,):
        result = laborstats("import", str(path), database_url=desk.url)
        assert "0 created" in result.stdout, result.stdout
    # A file a desk wrote: its quoted cells are read as the export means them.
    text = served.splitlines()
    header = text[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        metric="entries",
        origin="PRK",
        destination="RUS",
        value="-7",
        qualifier="exact",
        basis="official",
        attributed_to="'=a formula-like claimant",
        # A source without a text, as the quote is checked against none.
        source_id=str(desk.client.get(f"/v1/observations/{observation_id}").json()["source_id"]),
        quote="'@a quote",
        retracted="False",
    )
    row.pop("id")
    one = tmp_path / "one.csv"
    with one.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    result = laborstats("import", str(one), database_url=desk.url)
    assert "1 created" in result.stdout, result.stdout
    listed = desk.client.get("/v1/observations", params={"limit": 1000}).json()["data"]
    added = next(d for d in listed if d["attributed_to"] == "=a formula-like claimant")
    assert added["quote"] == "@a quote"
    assert added["value"] == -7
    assert observation_id != added["id"]
