"""The seed records what the source document says, as it says it, and loads idempotently."""

import csv
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.config import SEED_DIR
from app.imports.service import import_path
from app.models import Observation, Source

DOCUMENT = (SEED_DIR / "documents" / "north-korean-workers-in-russia.txt").read_text("utf-8")


def seed_rows(name: str) -> list[dict[str, str]]:
    with Path(SEED_DIR / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_every_seed_quote_is_verbatim_in_the_source_document() -> None:
    rows = seed_rows("observations.csv")
    assert rows, "the seed has no observations"
    for row in rows:
        assert row["quote"] in DOCUMENT, f"observation {row['id']}"


def test_every_seed_figure_appears_in_its_quote() -> None:
    rows = seed_rows("observations.csv")
    assert rows, "the seed has no observations"
    for row in rows:
        figures = [row["value"], row["lower_bound"], row["upper_bound"]]
        for figure in filter(None, figures):
            written = f"{int(figure):,}"
            spelled = {"2": "two"}.get(figure, written)
            assert written in row["quote"] or spelled in row["quote"], (row["id"], figure)


def test_seed_leaves_the_undated_unpublished_report_without_publisher_or_date(
    client: TestClient,
) -> None:
    report = client.get("/v1/sources/1").json()
    assert report["publisher"] is None
    assert report["published_on"] is None
    assert "names neither its publisher" in report["notes"]


def test_seed_gives_a_report_date_only_where_the_text_names_a_month_and_no_year(
    client: TestClient,
) -> None:
    observations = client.get("/v1/observations", params={"limit": 100}).json()["data"]
    dated = {o["id"]: o["reported_on"] for o in observations if o["reported_on"]}
    assert dated == {6: "--06"}
    assert "admitted in June" in DOCUMENT
    sources = client.get("/v1/sources").json()["data"]
    published = {s["id"]: s["published_on"] for s in sources if s["published_on"]}
    # Source 5, UN DESA's table: '(2019)', as its suggested citation dates it.
    assert published == {4: "--06", 5: "2019"}


def test_no_seed_note_claims_the_article_calls_2024_last_year(client: TestClient) -> None:
    observations = client.get("/v1/observations", params={"limit": 100}).json()["data"]
    sources = client.get("/v1/sources").json()["data"]
    texts = [record["notes"] or "" for record in [*observations, *sources]]
    texts.append((SEED_DIR / "README.md").read_text("utf-8"))
    assert observations, "no seed observation notes to read"
    assert sources, "no seed source notes to read"
    for text in texts:
        assert "describes 2024" not in text, text
        assert "calling 2024 'last year'" not in text, text


def test_each_seed_correction_is_a_revision_with_its_reason(client: TestClient) -> None:
    corrections = [
        json.loads(line)
        for line in (SEED_DIR / "corrections.jsonl").read_text("utf-8").splitlines()
    ]
    assert corrections
    for correction in corrections:
        url = f"/v1/{correction['record']}s/{correction['id']}/history"
        history = {r["revision"]: r for r in client.get(url).json()["data"]}
        revision = history[correction["revision"] + 1]
        assert (revision["action"], revision["reason"]) == ("edit", correction["reason"])
        state = revision[correction["record"]]
        for name, value in correction["changes"].items():
            assert state[name] == value, (correction["id"], name)


def test_observation_6_history_tells_how_its_year_and_metric_were_corrected(
    client: TestClient,
) -> None:
    history = client.get("/v1/observations/6/history").json()["data"]
    states = [(r["observation"]["reported_on"], r["observation"]["metric"]) for r in history]
    assert states == [
        ("2025-06", "workers_entered"),
        ("--06", "workers_entered"),
        ("--06", "workers_assigned"),
    ]
    assert "no year" in history[1]["reason"]
    assert "would be used" in history[2]["reason"]


def test_values_the_article_does_not_state_are_marked_inferred(client: TestClient) -> None:
    observations = client.get("/v1/observations", params={"limit": 100}).json()["data"]
    marked = {o["id"]: sorted(o["inferred"]) for o in observations if o["inferred"]}
    assert marked == {
        1: ["period"],
        2: ["attributed_to"],  # 'the same official': named in the sentence before
        5: ["destination", "period"],  # 'since 2022' gives no day: 2022-01-01 is read
        7: ["sector", "unit"],
        8: ["attributed_to"],  # North Korean, and 'told the BBC': a paragraph before
        9: ["attributed_to", "sector"],
    }
    first = next(o for o in observations if o["id"] == 1)
    assert "Inferred, not stated: period 2024 (" in first["citation"]
    assert "last year" not in first["quote"].split("over 10,000")[0]  # the words come after
    assert "last year" in first["inferred"]["period"]
    stated = client.get("/v1/observations", params={"stated": "all", "limit": 100}).json()
    from_the_table = {o["id"] for o in observations if o["cell"] is not None}
    assert {o["id"] for o in stated["data"]} == {3, 4, 6} | from_the_table


def test_seed_metrics_count_what_their_quotes_count(client: TestClient) -> None:
    observations = client.get("/v1/observations", params={"limit": 100}).json()["data"]
    metric_of = {o["id"]: (o["metric"], o["unit"]) for o in observations}
    # "around 13,000 North Koreans entered": people, not entry events.
    assert metric_of[3] == metric_of[4] == ("nationals_entered", "persons")
    # "would be used to rebuild parts of the Kursk region": put to a task, not entered.
    assert metric_of[6] == ("workers_assigned", "persons")
    entries = client.get("/v1/metrics/entries").json()
    assert "counts twice" in entries["definition"]
    assert entries["observation_count"] == 0


def test_loading_the_seed_twice_leaves_one_copy(seeded_db_url: str, session_for) -> None:
    with session_for(seeded_db_url) as session, session.begin():
        report = import_path(session, SEED_DIR)
    assert not report.changed
    table = report.counts["observations"]["unchanged"] - len(seed_rows("observations.csv"))
    assert table == 7  # the UN DESA table's years, 1990 to 2019
    with session_for(seeded_db_url) as session:
        assert (
            session.scalar(select(func.count()).select_from(Observation))
            == len(seed_rows("observations.csv")) + table
        )
        # The sources of sources.csv, and the table's own.
        assert (
            session.scalar(select(func.count()).select_from(Source))
            == len(seed_rows("sources.csv")) + 1
        )


def test_both_2024_estimates_for_prk_to_rus_stand_side_by_side(client: TestClient) -> None:
    body = client.get(
        "/v1/series",
        params={
            "metric": ["workers_entered", "nationals_entered"],
            "origin": "PRK",
            "destination": "RUS",
        },
    ).json()
    year_2024 = next(p for p in body["data"] if p["period_label"] == "2024")
    by_metric = {m["metric"]: m for m in year_2024["metrics"]}
    workers = by_metric["workers_entered"]["observations"][0]
    entries = by_metric["nationals_entered"]["observations"][0]
    assert (workers["value"], workers["qualifier"], workers["attributed_to"]) == (
        10000,
        "at_least",
        "South Korean intelligence official",
    )
    assert (entries["value"], entries["qualifier"], entries["attributed_to"]) == (
        13000,
        "approximate",
        "Russian government estimates",
    )
    assert "BBC" in workers["citation"]


def test_student_visa_breakdown_is_part_of_the_13000_entries(client: TestClient) -> None:
    [student] = client.get("/v1/observations", params={"visa_type": "student"}).json()["data"]
    total = client.get(f"/v1/observations/{student['part_of']}").json()
    assert (student["value"], total["value"]) == (8000, 13000)
    assert student["id"] in total["parts"]


def test_kursk_projection_is_a_regional_projection_by_shoigu(client: TestClient) -> None:
    [kursk] = client.get("/v1/observations", params={"region": "RU-KRS"}).json()["data"]
    assert kursk["basis"] == "projection"
    assert kursk["value"] == 5000
    assert kursk["attributed_to"].startswith("Sergei Shoigu")
    assert kursk["period_start"] is None
    assert kursk["period_label"] == "no period given"


def test_pay_is_a_range_without_an_invented_central_value(client: TestClient) -> None:
    [pay] = client.get("/v1/observations", params={"metric": "monthly_pay_usd"}).json()["data"]
    assert (pay["qualifier"], pay["value"], pay["lower_bound"], pay["upper_bound"]) == (
        "range",
        None,
        100,
        200,
    )


def test_the_seed_claims_no_more_than_its_text_and_marks_what_it_reads(client: TestClient) -> None:
    """The fact-check's findings that no rule of `laborstats check` can read in general:
    each corrected, and kept so."""
    projection = client.get("/v1/observations/2").json()
    # 'more' says more than what it does not: not 'in addition to those already there'.
    assert "already there" not in projection["notes"]
    assert "'more'" in projection["notes"]
    ban = client.get("/v1/events/1").json()
    # The report names no place where the ban applies.
    assert "wherever" not in ban["notes"]
    assert ban["destination"] is None
    estimates = client.get("/v1/sources/3").json()
    # 'Russian government estimates' says who made them, not who published them.
    assert estimates["publisher"] == "Russian government"
    assert "publisher" in estimates["inferred"]
    assert "[Russian government]" in estimates["description"]
