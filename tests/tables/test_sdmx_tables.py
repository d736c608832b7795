"""Real SDMX-CSV files load through `laborstats import TABLE --mapping MAPPING`, and every
figure served from them stands where its cell says: the value pysdmx reads there, and the
value Python's csv module reads at that row and column, are the value served."""

import calendar
import csv
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.tables.conftest import (
    EUROSTAT,
    EUROSTAT_MAPPING,
    ISTAT,
    ISTAT_MAPPING,
    OECD,
    OECD_MAPPING,
    TABLES,
    load_table,
    sdmx_rows,
    write_mapping,
)

CASES = [(OECD, OECD_MAPPING), (EUROSTAT, EUROSTAT_MAPPING), (ISTAT, ISTAT_MAPPING)]


def served_from(client, source_id: int) -> list[dict[str, Any]]:
    answer = client.get("/v1/observations", params={"source": source_id, "limit": 1000})
    assert answer.status_code == 200
    return answer.json()["data"]


def table_source(client, title: str) -> dict[str, Any]:
    sources = client.get("/v1/sources", params={"limit": 100}).json()["data"]
    (source,) = [s for s in sources if s["title"] == title]
    return source


def expected_rows(frame: pd.DataFrame, mapping: dict[str, Any]) -> pd.DataFrame:
    """The records the mapping loads, read with pandas: those it keeps, with a figure."""
    kept = frame[~frame["OBS_VALUE"].astype(str).str.strip().isin(["", "NaN", "nan"])]
    for column, codes in mapping.get("keep", {}).items():
        kept = kept[kept[column].isin(codes)]
    for column, codes in mapping.get("skip", {}).items():
        kept = kept[~kept[column].isin(codes)]
    return kept


@pytest.mark.parametrize(("file", "mapping"), CASES, ids=["oecd-2.0", "eurostat-2.0", "istat-1.0"])
def test_every_figure_of_an_sdmx_table_is_the_value_pysdmx_reads_at_its_cell(
    tables_db: str, session_for, client_for, tmp_path: Path, file: str, mapping: dict[str, Any]
) -> None:
    report = load_table(session_for(tables_db), TABLES / file, write_mapping(tmp_path, mapping))
    assert not report.problems
    client = client_for(tables_db)
    source = table_source(client, mapping["source"]["title"])
    served = served_from(client, source["id"])
    frame = sdmx_rows(TABLES / file)
    assert len(served) == len(expected_rows(frame, mapping)) > 20
    with (TABLES / file).open(encoding="utf-8-sig", newline="") as stream:
        records = list(csv.reader(stream))
    dimensions = list(frame.columns[: list(frame.columns).index("TIME_PERIOD")])
    for figure in served:
        cell = figure["cell"]
        assert figure["quote"] is None
        assert (
            figure["cell_url"]
            == f"/v1/sources/{source['id']}/file#cell={cell['row']},{cell['column']}"
        )
        read = frame.iloc[cell["row"] - 2]  # row 1 is the header
        assert float(read["OBS_VALUE"]) == figure["value"]
        assert read["TIME_PERIOD"] == cell["period"]
        assert ".".join(str(read[name]) for name in dimensions) == cell["series"]
        assert float(records[cell["row"] - 1][cell["column"] - 1]) == figure["value"]
        assert records[0][cell["column"] - 1] == "OBS_VALUE"


def test_an_sdmx_table_keeps_its_flags_and_its_monthly_periods(
    tables_db: str, session_for, client_for, tmp_path: Path
) -> None:
    load_table(session_for(tables_db), TABLES / EUROSTAT, write_mapping(tmp_path, EUROSTAT_MAPPING))
    client = client_for(tables_db)
    served = served_from(client, table_source(client, EUROSTAT_MAPPING["source"]["title"])["id"])
    frame = sdmx_rows(TABLES / EUROSTAT)
    for figure in served:
        read = frame.iloc[figure["cell"]["row"] - 2]
        year, month = map(int, read["TIME_PERIOD"].split("-"))
        assert figure["period_start"] == date(year, month, 1).isoformat()
        last = calendar.monthrange(year, month)[1]
        assert figure["period_end"] == date(year, month, last).isoformat()
        assert figure["cell"].get("flag", "") == read["OBS_FLAG"]
        assert figure["origin"] == "UKR"
        assert figure["basis"] == "official"  # 'd' and 'b' say nothing of an estimate
    assert {figure["cell"].get("flag") for figure in served} >= {None, "b", "d"}


def test_a_table_is_served_byte_for_byte_with_its_digest_as_etag(
    tables_db: str, session_for, client_for, tmp_path: Path
) -> None:
    load_table(session_for(tables_db), TABLES / OECD, write_mapping(tmp_path, OECD_MAPPING))
    client = client_for(tables_db)
    source = table_source(client, OECD_MAPPING["source"]["title"])
    answer = client.get(f"/v1/sources/{source['id']}/file")
    assert answer.status_code == 200
    assert answer.content == (TABLES / OECD).read_bytes()
    assert answer.headers["content-type"] == "application/vnd.sdmx.data+csv; version=2.0.0"
    assert answer.headers["etag"] == f'"{source["file_sha256"]}"'
    assert source["file_name"] == OECD
    again = client.get(
        f"/v1/sources/{source['id']}/file", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304
    assert client.get("/v1/sources/1/file").status_code == 404


def test_loading_the_same_table_again_changes_nothing(
    tables_db: str, session_for, tmp_path: Path
) -> None:
    from tests.conftest import table_contents

    mapping = write_mapping(tmp_path, OECD_MAPPING)
    load_table(session_for(tables_db), TABLES / OECD, mapping)
    before = table_contents(tables_db)
    report = load_table(session_for(tables_db), TABLES / OECD, mapping)
    assert not report.changed
    assert report.counts["observations"]["unchanged"] > 0
    assert table_contents(tables_db) == before
