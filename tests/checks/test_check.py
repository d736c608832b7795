"""`laborstats check`: each rule on plain values (the seed's own sentences, and made-up ones
for what the article does not say), then the real command on databases made to have every
kind of problem, none, or the seed."""

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.checks.dates import dates_beyond_quote
from app.checks.quotes import quote_not_in_text
from app.checks.service import (
    ATTRIBUTION,
    BASIS_WORDING,
    BEYOND_RECORD,
    DATE_BEYOND_QUOTE,
    METRIC_NOT_COUNTED,
    MISQUOTED,
    OPEN_PERIOD,
    POSITION_ORDER,
    QUALIFIER_WORDING,
    QUOTE_NOT_IN_TEXT,
    RULES,
    TABLE_RULES,
    UNQUOTED_POSITION,
    find_problems,
    iter_problems,
)
from app.checks.wording import basis_wording, qualifier_wording
from app.config import SEED_DIR
from app.db import create_db_engine, read_session
from app.models import Observation
from app.sources.texts import HeldText
from tests.conftest import load_folder

LABORSTATS = Path(sys.executable).parent / "laborstats"
ARTICLE = (SEED_DIR / "documents" / "north-korean-workers-in-russia.txt").read_text("utf-8")

# The seed's quotes, each a sentence of the article.
OVER_10000 = (
    "However, a South Korean intelligence official told the BBC that over 10,000 North Korean "
    "laborers flowed into Russia just last year."
)
EXPECTED_50000 = (
    "According to the same official, Pyongyang is expected to send 50,000 more workers to Russia."
)
AROUND_13000 = (
    "Russian government estimates suggest that around 13,000 North Koreans entered the country "
    "in 2024, with 8,000 of them with student visas."
)
SINCE_2022 = (
    "Estimates suggest that North Korea has sent around 12,000 troops to the region since 2022."
)
IN_JUNE = (
    "Sergei Shoigu, head of the Russian Security Council, admitted in June that around 5,000 "
    "North Korean workers would be used to rebuild parts of the Kursk region, which had been "
    "occupied by Ukrainian forces."
)
PAY_RANGE = (
    "Workers receive compensation only after their contract expires, and even then it amounts "
    "to $100-$200 a month."
)
SHIFTS = (
    "The ex-laborers said North Korean workers typically work 18-hour shifts building "
    "high-rise apartment blocks."
)
TWO_DAYS = (
    "The workers are given only two days off a year and are typically not provided adequate "
    "safety equipment."
)
SEED_SENTENCES = (
    OVER_10000, EXPECTED_50000, AROUND_13000, SINCE_2022, IN_JUNE, PAY_RANGE, SHIFTS, TWO_DAYS,
)  # fmt: skip


def test_the_seed_sentences_here_are_the_articles_own() -> None:
    for sentence in SEED_SENTENCES:
        assert sentence in ARTICLE, sentence


# quote-not-in-text


def test_a_quote_in_its_text_is_no_finding() -> None:
    assert quote_not_in_text(OVER_10000, HeldText(1, ARTICLE)) == []


def test_a_quote_with_no_text_to_check_is_no_finding() -> None:
    assert quote_not_in_text("Words no text holds.", None) == []


def test_a_quote_not_in_its_text_says_where_it_stops_matching() -> None:
    altered = OVER_10000.replace("just last year", "in 2024")
    [message] = quote_not_in_text(altered, HeldText(1, ARTICLE))
    matched = len(OVER_10000.split("just last year")[0])
    assert f"not in the text of source 1: the text has its first {matched} characters" in message
    assert "('in 2024.')" in message
    assert "GET /v1/sources/1/text" in message


def test_a_quote_sharing_nothing_with_its_text_says_so() -> None:
    [message] = quote_not_in_text("Zzz", HeldText(7, ARTICLE))
    assert "source 7: the text has not even its first character" in message


# qualifier-wording


def qualifier_findings(
    quote: str,
    qualifier: str,
    value: float | None = None,
    lower: float | None = None,
    upper: float | None = None,
) -> list[str]:
    return qualifier_wording(
        quote, qualifier=qualifier, value=value, lower_bound=lower, upper_bound=upper
    )


@pytest.mark.parametrize(
    ("quote", "qualifier", "value", "lower", "upper"),
    [
        (OVER_10000, "at_least", 10000, 10000, None),
        (AROUND_13000, "approximate", 13000, None, None),
        (AROUND_13000, "exact", 8000, None, None),  # the total is hedged, the part is not
        (SINCE_2022, "approximate", 12000, None, None),
        (EXPECTED_50000, "exact", 50000, None, None),  # "50,000 more" is no hedge
        (IN_JUNE, "approximate", 5000, None, None),
        (PAY_RANGE, "range", None, 100, 200),
        (SHIFTS, "exact", 18, None, None),  # "typically" is no hedge on a typical shift
        (TWO_DAYS, "exact", 2, None, None),
        ("Up to 5,000 workers may be sent.", "at_most", 5000, None, 5000),
        ("No more than 40 were seen.", "at_most", 40, None, 40),
        ("Some 2,000 left.", "approximate", 2000, None, None),
        ("About 1.5 million people moved.", "approximate", 1_500_000, None, None),
        ("It sent 10,000 workers or more.", "at_least", 10000, 10000, None),
        ("Between 100 and 200 arrived.", "range", None, 100, 200),
        ("Pay is 100 to 200 dollars.", "range", None, 100, 200),
        ("Arrivals rose from 5,000 to 10,000.", "exact", 10000, None, None),
        ("Nothing here gives the figure.", "approximate", 7000, None, None),  # not found
        ("In 2024, 20 came.", "exact", 20, None, None),  # 2024 holds no 20
    ],
)
def test_a_qualifier_the_wording_allows_is_no_finding(
    quote: str, qualifier: str, value: float | None, lower: float | None, upper: float | None
) -> None:
    assert qualifier_findings(quote, qualifier, value, lower, upper) == []


@pytest.mark.parametrize(
    ("quote", "qualifier", "value", "lower", "upper", "says"),
    [
        (SHIFTS, "approximate", 18, None, None, "states 18 with no hedge"),
        (OVER_10000, "exact", 10000, None, None, "says 'over' of 10000"),
        (OVER_10000, "approximate", 10000, None, None, "store at_least"),
        (AROUND_13000, "exact", 13000, None, None, "says 'around' of 13000"),
        (AROUND_13000, "approximate", 8000, None, None, "states 8000 with no hedge"),
        (TWO_DAYS, "at_least", 2, 2, None, "states 2 with no hedge"),
        (PAY_RANGE, "at_least", None, 100, None, "100 as one end of a range"),
        ("No more than 40 were seen.", "at_least", 40, 40, None, "store at_most"),
        ("Fewer than 300 left.", "approximate", 300, None, None, "says 'fewer than' of 300"),
        ("It sent 10,000 workers or more.", "exact", 10000, None, None, "store at_least"),
        ("Nearly 900 came.", "exact", 900, None, None, "store approximate or at_most"),
        ("Pay was $100 in May and $200 in June.", "range", None, 100, 200, "as no range"),
    ],
)
def test_a_qualifier_the_wording_contradicts_is_a_finding(
    quote: str,
    qualifier: str,
    value: float | None,
    lower: float | None,
    upper: float | None,
    says: str,
) -> None:
    [message] = qualifier_findings(quote, qualifier, value, lower, upper)
    assert message.startswith(f"qualifier {qualifier}, but the quote")
    assert says in message


# basis-wording


@pytest.mark.parametrize(
    ("quote", "figure", "word"),
    [
        (EXPECTED_50000, 50000, "expected"),
        (IN_JUNE, 5000, "would"),
        ("The ministry will send 3,000 next year.", 3000, "will"),
        ("It plans to hire 400.", 400, "plans to"),
        ("The plant is to take 250 workers.", 250, "is to"),
    ],
)
def test_a_figure_spoken_of_in_the_future_is_a_projection(
    quote: str, figure: float, word: str
) -> None:
    [message] = basis_wording(quote, basis="estimate", figures=[figure])
    assert f"basis estimate, but the quote speaks of the future ('{word}'" in message
    assert message.endswith("store projection")
    assert basis_wording(quote, basis="projection", figures=[figure]) == []


@pytest.mark.parametrize(
    ("quote", "figure"),
    [
        (OVER_10000, 10000),
        (AROUND_13000, 13000),
        (PAY_RANGE, 100),
        (TWO_DAYS, 2),
        ("They were held against their will, 300 of them.", 300),
        # The future is in another sentence than the figure's.
        ("Over 10,000 came last year. Many more are expected.", 10000),
    ],
)
def test_a_figure_of_the_past_or_present_is_no_projection(quote: str, figure: float) -> None:
    assert basis_wording(quote, basis="estimate", figures=[figure]) == []


# date-beyond-quote


def date_findings(
    quote: str,
    *,
    reported_on: str | None = None,
    period: tuple[str, str | None] | None = None,
    label: str | None = None,
    inferred: dict[str, str] | None = None,
) -> list[str]:
    start, end = period or (None, None)
    return dates_beyond_quote(
        quote,
        reported_on=reported_on,
        period_start=date.fromisoformat(start) if start else None,
        period_end=date.fromisoformat(end) if end else None,
        period_label=label,
        inferred=inferred or {},
    )


def test_a_year_the_quote_does_not_give_is_a_finding_with_the_yearless_form() -> None:
    assert date_findings(IN_JUNE, reported_on="2025-06") == [
        'reported_on 2025-06 gives a year; the quote gives none ("... admitted in June that '
        'around ..."): store --06, or mark reported_on as inferred with its reason'
    ]


def test_a_yearless_date_or_an_inferred_year_is_no_finding() -> None:
    assert date_findings(IN_JUNE, reported_on="--06") == []
    assert date_findings(IN_JUNE, reported_on="--06-17") == []
    why = {"reported_on": "The article calls 2024 'last year'."}
    assert date_findings(IN_JUNE, reported_on="2025-06", inferred=why) == []


def test_a_year_the_quote_gives_is_no_finding() -> None:
    assert date_findings("In June 2025 he said 5,000 would come.", reported_on="2025-06") == []
    assert date_findings("He spoke in 2025.", reported_on="2025") == []


def test_a_month_other_than_the_one_the_quote_names_is_a_finding() -> None:
    [message] = date_findings(IN_JUNE, reported_on="--07")
    assert message.startswith("reported_on --07 gives July; the quote names June")
    assert date_findings("The ministry may send 3,000.", reported_on="--07") == []
    [both] = date_findings("It was said in May.", reported_on="--07")
    assert "the quote names May" in both


def test_a_period_year_the_quote_does_not_give_is_a_finding_unless_inferred() -> None:
    assert date_findings(OVER_10000, period=("2024-01-01", "2024-12-31"), label="2024") == [
        "period 2024 (2024-01-01 to 2024-12-31) gives the year 2024; the quote gives none "
        '("... Russia just last year."): mark period as inferred with its reason, or leave '
        "it empty"
    ]
    why = {"period": "'Last year' read as 2024."}
    assert date_findings(OVER_10000, period=("2024-01-01", "2024-12-31"), inferred=why) == []


@pytest.mark.parametrize(
    ("quote", "period", "label"),
    [
        (AROUND_13000, ("2024-01-01", "2024-12-31"), "2024"),
        (SINCE_2022, ("2022-01-01", None), "since 2022"),
        (EXPECTED_50000, None, "no period given"),
        ("Pay rose in 2023-24.", ("2023-01-01", "2024-12-31"), "2023-01-01/2024-12-31"),
    ],
)
def test_a_period_the_quote_gives_is_no_finding(
    quote: str, period: tuple[str, str | None] | None, label: str
) -> None:
    assert date_findings(quote, period=period, label=label) == []


def test_a_period_naming_a_year_of_another_sentence_says_which_the_quote_gives() -> None:
    [message] = date_findings(AROUND_13000, period=("2023-01-01", "2023-12-31"), label="2023")
    assert "gives the year 2023; the quote gives only 2024" in message


# The real command


def run_check(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(LABORSTATS), "check"], env=env, capture_output=True, text=True, timeout=120
    )


def add_rows(session_for, url: str, rows: list[dict[str, Any]]) -> list[int]:
    """Rows written straight to the table, as an import from an older version or a row
    written around the API would have left them: nothing checks them on the way in."""
    base: dict[str, Any] = {
        "metric": "workers_entered",
        "origin": "PRK",
        "destination": "RUS",
        "dimensions": {},
        "period_label": "no period given",
        "qualifier": "exact",
        "basis": "estimate",
        "attributed_to": "A check test",
        "source_id": 2,
        "updated_at": datetime(2026, 11, 30, tzinfo=UTC),
    }
    with session_for(url) as session:
        added = [Observation(**{**base, **row}) for row in rows]
        session.add_all(added)
        session.commit()
        return [observation.id for observation in added]


AT_LEAST = {"qualifier": "at_least"}
YEAR_2024 = {
    **{"period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31)},
    "period_label": "2024",
}


def problem_rows() -> dict[str, dict[str, Any]]:
    """One row per kind of problem, each with that problem alone."""
    return {
        QUOTE_NOT_IN_TEXT: {
            "quote": OVER_10000.replace("just last year", "in 2024"),
            **{"value": 10000, "lower_bound": 10000, "qualifier": "at_least"},
            **YEAR_2024,
        },
        QUALIFIER_WORDING: {
            "quote": AROUND_13000,
            **{"metric": "entries", "value": 13000, "source_id": 3},
            **YEAR_2024,
        },
        BASIS_WORDING: {"quote": EXPECTED_50000, "value": 50000},
        DATE_BEYOND_QUOTE: {
            "quote": IN_JUNE,
            **{"value": 5000, "qualifier": "approximate", "basis": "projection"},
            **{"source_id": 4, "reported_on": "2025-06"},
        },
        OPEN_PERIOD: {
            "quote": SINCE_2022,
            **{"metric": "troops_deployed", "value": 12000, "qualifier": "approximate"},
            **{"period_start": date(2022, 1, 1), "period_label": "since 2022", "source_id": 1},
        },
        ATTRIBUTION: {
            "quote": SHIFTS,
            **{"metric": "shift_hours", "value": 18},
            "attributed_to": "Former laborers, speaking to the BBC",
        },
        MISQUOTED: {
            "quote": OVER_10000,
            **{"value": 10000, "lower_bound": 10000, **AT_LEAST},
            "notes": "'Over 10,000' is recorded as at least 10,000.",
        },
        BEYOND_RECORD: {
            "quote": EXPECTED_50000,
            **{"value": 50000, "basis": "projection"},
            "notes": "Expected by 2027.",
        },
        UNQUOTED_POSITION: {
            "quote": TWO_DAYS,
            **{"metric": "days_off_per_year", "value": 2},
            "notes": "Read from the sentence before.",
        },
        POSITION_ORDER: {
            "quote": SHIFTS,
            **{"metric": "shift_hours", "value": 18},
            "notes": "The sentence follows 'The workers are given only two days off a year'.",
        },
        METRIC_NOT_COUNTED: {
            "quote": OVER_10000,
            **{"value": 10000, "lower_bound": 10000, **AT_LEAST, "destination": "CHN"},
            "notes": "To compare with the monthly pay.",
        },
    }


def live_rows(session_for, url: str) -> int:
    """The figures not retracted: those the audit reads."""
    with session_for(url) as session:
        query = select(func.count()).select_from(Observation)
        return session.scalar(query.where(Observation.retracted_at.is_(None))) or 0


def test_check_finds_every_kind_of_problem_and_exits_1(seeded_db_url: str, session_for) -> None:
    seeded = live_rows(session_for, seeded_db_url)
    kinds = problem_rows()
    ids = add_rows(session_for, seeded_db_url, list(kinds.values()))
    last_year = {"quote": OVER_10000, "value": 10000, "lower_bound": 10000, **AT_LEAST}
    [month_id, period_id, *clean_ids] = add_rows(
        session_for,
        seeded_db_url,
        [
            {**kinds[DATE_BEYOND_QUOTE], "reported_on": "--07"},
            {**last_year, **YEAR_2024},
            # The same dates, marked inferred with their reasons: no finding.
            {**last_year, **YEAR_2024, "inferred": {"period": "'last year' read as 2024."}},
            {**kinds[DATE_BEYOND_QUOTE], "inferred": {"reported_on": "Read as 2025."}},
            {
                "quote": "Words the article never had, retracted since.",
                "value": 1,
                "retracted_at": datetime(2026, 11, 30, tzinfo=UTC),
                "retraction_reason": "Not in the source.",
            },
        ],
    )
    result = run_check(seeded_db_url)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    found = [(int(line.split(":")[0].removeprefix("observation ")), line) for line in lines]
    assert [key for key, _ in found] == sorted(key for key, _ in found)
    by_id: dict[int, list[str]] = {}
    for observation_id, line in found:
        by_id.setdefault(observation_id, []).append(line.split(": ", 2)[1])
    for observation_id, rule in zip(ids, kinds, strict=True):
        assert by_id[observation_id] == [rule]
    assert by_id[month_id] == by_id[period_id] == [DATE_BEYOND_QUOTE]
    assert f"observation {month_id}: date-beyond-quote: reported_on --07 gives July;" in (
        result.stdout
    )
    assert f"observation {period_id}: date-beyond-quote: period 2024 (" in result.stdout
    assert not set(clean_ids) & by_id.keys()
    # A table's rules, on its figures and its stored file: tests/tables/test_table_commands.py.
    assert set(RULES) - TABLE_RULES <= {rule for rules in by_id.values() for rule in rules}
    checked = seeded + len(kinds) + 4  # not the retracted one
    assert result.stderr.strip().endswith(f"problems found in {checked} observations.")


def test_findings_are_the_same_read_a_page_at_a_time(seeded_db_url: str, session_for) -> None:
    add_rows(session_for, seeded_db_url, list(problem_rows().values()))
    engine = create_db_engine(seeded_db_url)
    try:
        with read_session(engine) as session:
            whole = find_problems(session)
            paged = list(iter_problems(session, page_size=2))
    finally:
        engine.dispose()
    assert len(whole) >= 4
    assert paged == whole


def test_check_of_a_clean_database_exits_0_and_says_how_many_it_read(
    empty_db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "clean"
    shutil.copytree(SEED_DIR / "documents", folder / "documents")
    for name in ("metrics.csv", "sources.csv"):
        shutil.copyfile(SEED_DIR / name, folder / name)
    with (SEED_DIR / "observations.csv").open(newline="", encoding="utf-8") as seed:
        reader = csv.DictReader(seed)
        # The seed's total and part of 2024 entries, and the troops since 2022: each says
        # its year, and its figures as stored.
        kept = [row for row in reader if row["id"] in {"3", "4", "5"}]
        header = reader.fieldnames or []
    with (folder / "observations.csv").open("w", newline="", encoding="utf-8") as clean:
        writer = csv.DictWriter(clean, header)
        writer.writeheader()
        writer.writerows(kept)
    # With the seed's corrections of what is kept (the first edition's notes had problems
    # the check finds: a quote in the wrong case, an unmarked reading).
    corrections = (SEED_DIR / "corrections.jsonl").read_text("utf-8").splitlines()
    (folder / "corrections.jsonl").write_text(
        "".join(
            f"{line}\n"
            for line in corrections
            if (json.loads(line)["record"], json.loads(line)["id"])
            in {("source", 1), ("source", 2), ("source", 3), ("source", 4)}
            | {("observation", 3), ("observation", 4), ("observation", 5)}
        ),
        "utf-8",
    )
    load_folder(empty_db_url, folder, actor="test")
    result = run_check(empty_db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "No problems found in 3 observations.\n"


def test_check_of_a_database_it_cannot_read_is_one_line_and_exits_2(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"This is not a database, only a file that says so. " * 100)
    result = run_check(f"sqlite:///{garbage}")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "The database refused this: DatabaseError: file is not a database"
    ]


def test_the_seed_has_no_findings(seeded_db_url: str) -> None:
    engine = create_db_engine(seeded_db_url)
    try:
        with read_session(engine) as session:
            findings = [str(finding) for finding in find_problems(session)]
    finally:
        engine.dispose()
    assert findings == []
