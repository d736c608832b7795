"""`laborstats check` reads what people wrote about the data: each original wording the
seed's fact-check found (restored here, one at a time) is a finding of the rule that
catches it, and the corrected seed and documents have none."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.checks.documents import described_part, document_findings
from app.checks.service import (
    ATTRIBUTION,
    BEYOND_RECORD,
    DESCRIBED,
    METRIC_NOT_COUNTED,
    MISQUOTED,
    OPEN_PERIOD,
    UNQUOTED_POSITION,
    find_problems,
)
from app.config import PROJECT_ROOT, SEED_DIR
from app.db import create_db_engine, read_session
from tests.conftest import Desk
from tests.factories import seeded_revision

README = PROJECT_ROOT / "README.md"
SEED_README = SEED_DIR / "README.md"
LABORSTATS = Path(sys.executable).parent / "laborstats"

# The wordings the fact-check found, as the seed held them: (record, id, changes, the rule
# that finds it, words of the finding).
ORIGINAL_NOTES = [
    (
        "observation",
        1,
        {"notes": "'Over 10,000' is recorded as at least 10,000."},
        MISQUOTED,
        "'Over 10,000'",
    ),
    (
        "observation",
        1,
        {
            "inferred": {
                "period": "The report says 'last year' and is undated; 2024 is the year it "
                "gives for the Russian estimate of entries, but it does not say the two are "
                "the same year."
            }
        },
        METRIC_NOT_COUNTED,
        "entries",
    ),
    (
        "source",
        1,
        {
            "notes": "It says 'last year' without saying which year that is, and gives 2024 "
            "only as the year of the Russian estimate of entries."
        },
        METRIC_NOT_COUNTED,
        "entries",
    ),
    ("observation", 2, {"inferred": {}}, ATTRIBUTION, "Korean"),
    (
        "observation",
        5,
        {"inferred": {"destination": "The report says 'to the region'; read as Russia."}},
        OPEN_PERIOD,
        "2022-01-01",
    ),
    (
        "observation",
        5,
        {
            "inferred": {
                "destination": "The report says 'to the region', right after speaking of "
                "Russia's invasion of Ukraine; read as Russia, which that sentence does not "
                "name.",
                "period": "'since 2022' gives the year only.",
            }
        },
        BEYOND_RECORD,
        "Ukraine",
    ),
    (
        "observation",
        7,
        {
            "inferred": {
                "unit": "'$' is read as US dollars.",
                "sector": "The sentence before speaks of the pay workers receive from their "
                "construction work; this one does not name the sector.",
            }
        },
        UNQUOTED_POSITION,
        "sentence before",
    ),
    (
        "observation",
        8,
        {"notes": "'Typically' is what the metric measures, not a hedge on the figure."},
        MISQUOTED,
        "'Typically'",
    ),
    ("observation", 8, {"inferred": {}}, ATTRIBUTION, "BBC"),
    (
        "observation",
        9,
        {
            "notes": "Read as the ex-laborers' testimony about construction work, from the "
            "sentence before."
        },
        UNQUOTED_POSITION,
        "sentence before",
    ),
]


def findings_of(url: str) -> list[str]:
    engine = create_db_engine(url)
    try:
        with read_session(engine) as session:
            return [str(finding) for finding in find_problems(session)]
    finally:
        engine.dispose()


def test_the_corrected_seed_has_no_finding(seeded_db_url: str) -> None:
    assert findings_of(seeded_db_url) == []


@pytest.mark.parametrize(
    ("record", "record_id", "changes", "rule", "words"),
    ORIGINAL_NOTES,
    ids=[f"{r}-{i}-{rule}" for r, i, _, rule, _ in ORIGINAL_NOTES],
)
def test_each_original_wording_of_the_seed_is_a_finding_again(
    desk: Desk, record: str, record_id: int, changes: dict, rule: str, words: str
) -> None:
    response = desk.client.patch(
        f"/v1/{record}s/{record_id}",
        json={
            **changes,
            "reason": "The original wording, restored.",
            "revision": seeded_revision(record, record_id),
        },
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    found = [line for line in findings_of(desk.url) if line.startswith(f"{record} {record_id}:")]
    assert any(f": {rule}: " in line and words in line for line in found), found


# The README's description of the data and the seed README's, as the fact-check read them.
ORIGINAL_DOCUMENTS = [
    (
        "The first data is a news report on North Korean workers sent to Russia: for 2024 "
        "alone it gives 'over 10,000' laborers (a South Korean intelligence official, via the "
        "BBC) and 'around 13,000' entries, 8,000 of them on student visas (Russian government "
        "estimates).",
        {DESCRIBED: "gives 2024 for observation 1", METRIC_NOT_COUNTED: "entries"},
    ),
    (
        "The explorer: the two competing 2024 figures for North Korea to Russia, the South "
        "Korean estimate selected, its quote and citation beside the chart.",
        {DESCRIBED: "competing"},
    ),
    (
        "'$100-$200' is read as US dollars, and the two sentences after the account of "
        "building work (pay, days off) as being about construction.",
        {UNQUOTED_POSITION: "sentences after"},
    ),
    (
        "'Last year' is read as 2024 for observation 1, and marked as inferred: the report is "
        "undated and gives 2024 only for the Russian estimate of entries.",
        {MISQUOTED: "'Last year'", METRIC_NOT_COUNTED: "entries"},
    ),
]


def document_findings_of(url: str, name: str, text: str) -> list[str]:
    engine = create_db_engine(url)
    try:
        with read_session(engine) as session:
            return [str(finding) for finding in document_findings(session, name, text)]
    finally:
        engine.dispose()


@pytest.mark.parametrize(("wording", "expected"), ORIGINAL_DOCUMENTS)
def test_each_original_wording_of_the_documents_is_a_finding_again(
    seeded_db_url: str, wording: str, expected: dict[str, str]
) -> None:
    found = document_findings_of(seeded_db_url, "README.md", wording)
    for rule, words in expected.items():
        assert any(f": {rule}: " in line and words in line for line in found), (rule, found)


@pytest.mark.parametrize("document", [README, SEED_README], ids=["README", "seed-README"])
def test_the_documents_that_describe_the_data_have_no_finding(
    seeded_db_url: str, document: Path
) -> None:
    described = described_part(document.read_text("utf-8"))
    assert len(described) > 200  # the part that describes the data is found
    assert document_findings_of(seeded_db_url, document.name, described) == []


def run_check(url: str, *documents: Path) -> subprocess.CompletedProcess[str]:
    command = [str(LABORSTATS), "check", *(f"--document={document}" for document in documents)]
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_the_command_reads_the_documents_it_is_given(seeded_db_url: str, tmp_path: Path) -> None:
    clean = run_check(seeded_db_url, README, SEED_README)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    restored = tmp_path / "README.md"
    restored.write_text(f"# The data\n\n{ORIGINAL_DOCUMENTS[0][0]}\n", "utf-8")
    found = run_check(seeded_db_url, README, restored)
    assert found.returncode == 1
    assert f"{restored}: {DESCRIBED}: gives 2024 for observation 1" in found.stdout
