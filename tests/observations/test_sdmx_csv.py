"""GET /v1/observations?format=sdmx-csv: SDMX-CSV 2.0 that pysdmx reads with the values the
API serves, and that the import (with docs/sdmx-export.mapping.json) reads back changing
nothing."""

import csv
import io
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.imports.table_mapping import TableMapping
from app.observations.sdmx import reimport_mapping
from app.tables.periods import sdmx_period, time_period
from tests.conftest import table_contents
from tests.factories import add_observation, add_source_without_text
from tests.observations.sdmx_reading import (
    MAPPING,
    MEDIA_TYPE,
    assert_row_holds,
    breakdown_names,
    document_key,
    import_export,
    read_with_pysdmx,
    rows_by_key,
)

SDMX = {"format": "sdmx-csv"}
ALL = {"format": "sdmx-csv", "limit": "all"}


def _served(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/v1/observations", params={"limit": 1000}).json()["data"]


def _records(response_text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response_text, newline="")))


def _assert_pysdmx_reads_every_observation(client: TestClient, served: str | Path) -> None:
    breakdowns = breakdown_names(client)
    rows = rows_by_key(read_with_pysdmx(served), breakdowns)
    served = _served(client)
    assert len(rows) == len(served)
    for document in served:
        assert_row_holds(rows[document_key(document, breakdowns)], document)


def test_sdmx_csv_has_its_media_type_and_the_header_of_sdmx_csv_2(client: TestClient) -> None:
    response = client.get("/v1/observations", params=SDMX)
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["content-disposition"] == (
        'attachment; filename="observations.sdmx.csv"'
    )
    header, *rows = _records(response.text)
    assert header == [
        *("STRUCTURE", "STRUCTURE_ID", "ACTION"),
        *("METRIC", "ORIGIN", "DESTINATION", "REGION", "sector", "visa_type"),
        *("SOURCE_ID", "ATTRIBUTED_TO", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"),
        *("UNIT", "PERIOD_LABEL", "QUALIFIER", "LOWER_BOUND", "UPPER_BOUND", "REPORTED_ON"),
        *("QUOTE", "CELL", "NOTES", "INFERRED", "PART_OF", "CITATION"),
    ]
    assert response.text.startswith(",".join(header) + "\r\n")  # RFC 4180 line ends
    assert len(rows) == len(_served(client))
    assert {tuple(row[:3]) for row in rows} == {("dataflow", "LABORSTATS:OBSERVATIONS(1.0)", "I")}


def test_the_accept_header_asks_for_sdmx_csv_and_gets_an_etag_of_its_own(
    client: TestClient,
) -> None:
    for accept in ("application/vnd.sdmx.data+csv", MEDIA_TYPE, f"{MEDIA_TYPE}, */*;q=0.1"):
        response = client.get("/v1/observations", headers={"Accept": accept})
        assert response.headers["content-type"] == MEDIA_TYPE
        assert response.content == client.get("/v1/observations", params=SDMX).content
    as_json = client.get("/v1/observations")
    as_sdmx = client.get("/v1/observations", headers={"Accept": MEDIA_TYPE})
    assert as_json.headers["etag"] != as_sdmx.headers["etag"]
    assert "Accept" in as_sdmx.headers["vary"]
    # A list that serves no SDMX-CSV answers in its default.
    sources = client.get("/v1/sources", headers={"Accept": MEDIA_TYPE})
    assert sources.headers["content-type"] == "application/json"


def test_pysdmx_reads_every_observation_with_its_value_status_and_attributes(
    client: TestClient, tmp_path: Path
) -> None:
    whole = client.get("/v1/observations", params=ALL)
    assert whole.headers["content-type"] == MEDIA_TYPE
    assert whole.headers["x-total-count"] == str(len(_served(client)))
    path = tmp_path / "observations.sdmx.csv"
    path.write_bytes(whole.content)
    _assert_pysdmx_reads_every_observation(client, path)  # as a file, as users read it
    _assert_pysdmx_reads_every_observation(client, whole.text)
    page = client.get("/v1/observations", params=SDMX)
    assert page.content == whole.content  # the seed fits a page


def test_a_whole_export_gives_back_its_place_however_it_ends(client: TestClient) -> None:
    """Read to its end, stopped at its head (HEAD), or left after its first chunk: each
    export's read ends, so more of them than there are places all get one."""
    places = client.app.state.settings.exports_per_process
    for _ in range(places + 2):
        assert client.head("/v1/observations", params=ALL).status_code == 200
        with client.stream("GET", "/v1/observations", params=ALL) as stream:
            next(stream.iter_bytes())
        assert client.get("/v1/observations", params=ALL).status_code == 200


def test_periods_are_written_as_sdmx_writes_them_and_an_open_or_missing_one_too(
    client: TestClient,
) -> None:
    header, *rows = _records(client.get("/v1/observations", params=ALL).text)
    at = header.index
    periods = {(row[at("METRIC")], row[at("PERIOD_LABEL")]): row[at("TIME_PERIOD")] for row in rows}
    assert periods[("workers_entered", "2024")] == "2024"
    assert periods[("migrant_stock", "1990")] == "1990"
    assert periods[("troops_deployed", "since 2022")] == "2022-01-01/.."
    assert periods[("workers_entered", "no period given")] == ""
    statuses = {row[at("OBS_STATUS")] for row in rows}
    assert statuses == {"A", "E", "F"}
    [range_only] = [row for row in rows if row[at("QUALIFIER")] == "range"]
    assert (range_only[at("OBS_VALUE")], range_only[at("LOWER_BOUND")]) == ("", "100")


def test_pages_follow_the_next_link_and_count_as_csv_does(client: TestClient) -> None:
    first = client.get("/v1/observations", params={**SDMX, "limit": 4, "count": "true"})
    total = len(_served(client))
    assert first.headers["x-total-count"] == str(total)
    rows = _records(first.text)[1:]
    assert len(rows) == 4
    link = first.headers["link"]
    while link:
        url = link.split(">", 1)[0].lstrip("<")
        page = client.get(url)
        assert page.headers["content-type"] == MEDIA_TYPE
        rows += _records(page.text)[1:]
        link = page.headers.get("link", "")
    assert rows == _records(client.get("/v1/observations", params=ALL).text)[1:]
    assert len(rows) == total


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/v1/observations", {**SDMX, "facet": "origin"}, "facet"),
        ("/v1/observations", {**SDMX, "fields": "id,value"}, "fields"),
        ("/v1/observations", {**SDMX, "include_retracted": "true"}, "include_retracted"),
        ("/v1/observations", {**ALL, "cursor": "WyJpZCIsMywzXQ"}, "cursor"),
        ("/v1/observations", {"format": "sdmx"}, "format"),
        ("/v1/sources", SDMX, "format"),
        ("/v1/events", SDMX, "format"),
        ("/v1/metrics", SDMX, "format"),
    ],
)
def test_what_sdmx_csv_cannot_serve_is_a_problem_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, str], parameter: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    named = problem.get("parameter") or [error["name"] for error in problem.get("errors", [])]
    assert parameter in named, problem
    assert problem["detail"]


def test_reimporting_the_seeds_export_changes_nothing(
    seeded_db_url: str, client_for, tmp_path: Path
) -> None:
    client = client_for(seeded_db_url)
    export = client.get("/v1/observations", params=ALL).content
    before = table_contents(seeded_db_url)
    report = import_export(seeded_db_url, export, tmp_path)
    assert not report.problems
    assert dict(report.counts["observations"]) == {"unchanged": len(_served(client))}
    assert not report.changed
    assert table_contents(seeded_db_url) == before


def _add_every_kind_of_figure(session) -> None:
    """Figures beside the seed's: competing claims for one thing, every shape of period,
    ranges, bounds, fractions, breakdowns and parts, and text that needs quoting."""
    source = add_source_without_text(session)
    common = {"source_id": source, "metric": "workers_entered", "qualifier": "exact"}
    periods = [
        ("2023-01-01", "2023-06-30"),  # a semester
        ("2023-05-01", "2023-08-31"),  # a trimester
        ("2023-07-01", "2023-09-30"),  # a quarter
        ("2023-02-01", "2023-02-28"),  # a month
        ("2024-12-30", "2025-01-05"),  # ISO week 2025-W01
        ("2023-06-17", "2023-06-17"),  # a day
        ("2021-03-01", "2023-02-28"),  # any other span
        ("2023-03-15", None),  # open
    ]
    for number, (start, end) in enumerate(periods):
        add_observation(
            session,
            **common,
            period_start=start,
            period_end=end,
            value=100 + number,
            basis="official",
            attributed_to="Ministry of Labour",
            quote=f'Figure {number}: =SUM(A1) -5 +1 @x, said "someone"\nover two lines.',
        )
    # Competing claims for the seed's 2024 figure: other claimants, other sources.
    add_observation(
        session,
        period_start="2024-01-01",
        period_end="2024-12-31",
        value=12000.5,
        qualifier="approximate",
        attributed_to='Analysts, "unnamed", in Seoul',
        source_id=source,
        quote="-about 12,000",
        reported_on="--06-17",
        notes="A note,\r\nwith a comma and a line break; and 'quotes'.",
        period_label="calendar 2024",
        inferred={"period": "Read from 'last year'."},
    )
    add_observation(
        session,
        period_start="2024-01-01",
        period_end="2024-12-31",
        value=None,
        lower_bound=9000,
        upper_bound=11000,
        qualifier="range",
        attributed_to="South Korean intelligence official",
        source_id=source,
        quote="9,000 to 11,000",
        reported_on="2025-06",
    )
    add_observation(
        session,
        period_start="2024-01-01",
        period_end="2024-12-31",
        value=0.1 + 0.2,
        upper_bound=0.1 + 0.2,
        qualifier="at_most",
        basis="projection",
        metric="monthly_pay_usd",
        attributed_to="Économistes à Paris",
        source_id=source,
        region="RU-KRS",
        quote="at most 0.3",
        dimensions={"sector": "construction"},
    )
    total = add_observation(
        session,
        metric="entries",
        period_start="2024-04-01",
        period_end="2024-06-30",
        value=3000,
        source_id=source,
        quote="3,000 entries",
    )
    add_observation(
        session,
        metric="entries",
        period_start="2024-04-01",
        period_end="2024-06-30",
        value=1000,
        source_id=source,
        quote="1,000 on student visas",
        dimensions={"visa_type": "student"},
        part_of=total.id,
    )


def test_every_kind_of_figure_reads_back_the_same_in_pysdmx_and_in_the_import(
    seeded_db_url: str, client_for, session_for, tmp_path: Path
) -> None:
    with session_for(seeded_db_url) as session:
        _add_every_kind_of_figure(session)
    client = client_for(seeded_db_url)
    export = client.get("/v1/observations", params=ALL)
    _assert_pysdmx_reads_every_observation(client, export.text)
    header, *rows = _records(export.text)
    periods = {row[header.index("TIME_PERIOD")] for row in rows}
    assert {"2023-S1", "2023-T2", "2023-Q3", "2023-02", "2025-W01", "2023-06-17"} <= periods
    assert {"2021-03-01/2023-02-28", "2023-03-15/.."} <= periods
    before = table_contents(seeded_db_url)
    report = import_export(seeded_db_url, export.content, tmp_path)
    assert not report.problems
    assert dict(report.counts["observations"]) == {"unchanged": len(rows)}
    assert table_contents(seeded_db_url) == before


def test_an_export_changed_in_one_figure_changes_that_figure_alone(
    seeded_db_url: str, client_for, tmp_path: Path
) -> None:
    client = client_for(seeded_db_url)
    header, *rows = _records(client.get("/v1/observations", params=ALL).text)
    at = header.index
    [row] = [r for r in rows if r[at("METRIC")] == "nationals_entered" and not r[at("visa_type")]]
    row[at("OBS_VALUE")] = "13500"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    report = import_export(seeded_db_url, buffer.getvalue().encode(), tmp_path)
    assert dict(report.counts["observations"]) == {"updated": 1, "unchanged": len(rows) - 1}
    [changed] = client.get("/v1/observations", params={"metric": "nationals_entered"}).json()[
        "data"
    ][:1]
    assert (changed["value"], changed["dimensions"]) == (13500, {})


def test_the_mapping_kept_in_docs_reads_the_seeds_export(client: TestClient) -> None:
    kept = json.loads(MAPPING.read_text("utf-8"))
    assert kept == reimport_mapping(breakdown_names(client))
    mapping = TableMapping.model_validate(kept)
    assert (mapping.format, mapping.cells) == ("sdmx-csv", False)


def test_the_openapi_document_lists_sdmx_csv_for_observations_and_series(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/observations", "/v1/series"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content["application/vnd.sdmx.data+csv"]["schema"]["type"] == "string"
        [format_parameter] = [p for p in paths[path]["get"]["parameters"] if p["name"] == "format"]
        assert "sdmx-csv" in json.dumps(format_parameter) or "FigureFormat" in json.dumps(
            format_parameter
        )


@pytest.mark.parametrize(
    ("start", "end", "written"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), "2024"),
        (date(2024, 7, 1), date(2024, 12, 31), "2024-S2"),
        (date(2024, 9, 1), date(2024, 12, 31), "2024-T3"),
        (date(2024, 4, 1), date(2024, 6, 30), "2024-Q2"),
        (date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        (date(2024, 1, 29), date(2024, 2, 4), "2024-W05"),
        (date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        (date(2024, 6, 17), date(2024, 6, 17), "2024-06-17"),
        (date(2024, 2, 1), date(2024, 3, 31), "2024-02-01/2024-03-31"),
        (date(2022, 1, 1), date(2024, 12, 31), "2022-01-01/2024-12-31"),
        (date(2022, 1, 1), None, "2022-01-01/.."),
        (None, None, ""),
    ],
)
def test_a_period_is_written_in_sdmx_notation_and_read_back_to_the_same_days(
    start: date | None, end: date | None, written: str
) -> None:
    assert time_period(start, end) == written
    if start is not None:
        period = sdmx_period(written)
        assert (period.start, period.end) == (start, end)


def test_any_span_reads_back_to_the_same_days() -> None:
    spans = random.Random(9)
    for _ in range(5000):
        start = date(1990, 1, 1) + timedelta(days=spans.randrange(15000))
        if spans.random() < 0.3:
            start = start.replace(day=1)
        end = start + timedelta(days=spans.choice([0, 6, 27, 29, 30, spans.randrange(800)]))
        period = sdmx_period(time_period(start, end))
        assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("written", ["2024-01-01/2023-12-31", "2024-02-30/..", "2024/2025"])
def test_a_bad_interval_is_refused_in_words(written: str) -> None:
    with pytest.raises(ValueError, match=r"period|swap"):
        sdmx_period(written)
