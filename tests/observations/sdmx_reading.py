"""SDMX-CSV as the API serves it, read back by pysdmx and by the import, and what each
served observation must be in it (tests/observations and tests/series use these)."""

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient
from pysdmx.io import read_sdmx

from app.config import PROJECT_ROOT
from app.db import DataSession, create_db_engine
from app.imports.report import ImportReport
from app.imports.service import import_path
from app.tables.periods import sdmx_period

MEDIA_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0"
MAPPING = PROJECT_ROOT / "docs" / "sdmx-export.mapping.json"
DATAFLOW = "Dataflow=LABORSTATS:OBSERVATIONS(1.0)"
STATUS = {"official": "A", "estimate": "E", "projection": "F"}
Key = tuple[Any, ...]


def breakdown_names(client: TestClient) -> list[str]:
    """Every breakdown dimension the metrics have, as the export's columns name them."""
    metrics = client.get("/v1/metrics").json()["data"]
    return sorted({name for metric in metrics for name in metric["dimensions"]})


def read_with_pysdmx(served: str | Path) -> pd.DataFrame:
    """The served file (its text, or a file holding it) as pysdmx reads it: one dataset, of
    the API's dataflow. From a file, pysdmx reads with universal newlines: a CR LF inside
    a cell comes back as LF; from the text, as written."""
    [dataset] = read_sdmx(served).data
    assert dataset.short_urn == DATAFLOW
    return dataset.data


def text(cell: Any) -> str:
    """A cell as text: pandas may read an empty one as NaN or None."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell)


def _period(written: str) -> tuple[str | None, str | None]:
    if not written:
        return None, None
    period = sdmx_period(written)
    return period.start.isoformat(), None if period.end is None else period.end.isoformat()


def row_key(row: Mapping[str, Any], breakdowns: Sequence[str]) -> Key:
    """A row's series key and period, as the observation's natural key reads."""
    return (
        *(text(row[c]) for c in ("METRIC", "ORIGIN", "DESTINATION", "REGION")),
        *(text(row[name]) for name in breakdowns),
        text(row["SOURCE_ID"]),
        text(row["ATTRIBUTED_TO"]),
        _period(text(row["TIME_PERIOD"])),
    )


def document_key(document: Mapping[str, Any], breakdowns: Sequence[str]) -> Key:
    return (
        document["metric"],
        document["origin"],
        document["destination"],
        document["region"] or "",
        *(document["dimensions"].get(name, "") for name in breakdowns),
        str(document["source_id"]),
        document["attributed_to"],
        (document["period_start"], document["period_end"]),
    )


def rows_by_key(frame: pd.DataFrame, breakdowns: Sequence[str]) -> dict[Key, dict[str, Any]]:
    """Each row by its key; no two rows share one."""
    rows = frame.to_dict("records")
    keyed = {row_key(row, breakdowns): row for row in rows}
    assert len(keyed) == len(rows), "two rows share a series key and period"
    return keyed


def _figure(cell: Any) -> float | None:
    written = text(cell)
    return None if written == "" else float(written)


def assert_row_holds(row: Mapping[str, Any], document: Mapping[str, Any]) -> None:
    """The row says what the served observation says: its value, status and attributes."""
    assert _figure(row["OBS_VALUE"]) == document["value"]
    assert text(row["OBS_STATUS"]) == STATUS[document["basis"]]
    assert text(row["UNIT"]) == document["unit"]
    assert text(row["PERIOD_LABEL"]) == document["period_label"]
    assert text(row["QUALIFIER"]) == document["qualifier"]
    assert _figure(row["LOWER_BOUND"]) == document["lower_bound"]
    assert _figure(row["UPPER_BOUND"]) == document["upper_bound"]
    assert text(row["REPORTED_ON"]) == (document["reported_on"] or "")
    assert text(row["QUOTE"]) == (document["quote"] or "")
    cell = text(row["CELL"])
    assert (json.loads(cell) if cell else None) == document["cell"]
    assert text(row["NOTES"]) == (document["notes"] or "")
    inferred = text(row["INFERRED"])
    assert (json.loads(inferred) if inferred else {}) == document["inferred"]
    part_of = document["part_of"]
    assert text(row["PART_OF"]) == ("" if part_of is None else str(part_of))
    assert text(row["CITATION"]) == document["citation"]


def import_export(url: str, content: bytes, folder: Path) -> ImportReport:
    """Import a served SDMX-CSV file into the database at `url` with the repository's
    mapping, as `laborstats import FILE --mapping docs/sdmx-export.mapping.json` does."""
    path = folder / "export.sdmx.csv"
    path.write_bytes(content)
    engine = create_db_engine(url, for_writes=True)
    try:
        with DataSession(engine) as session, session.begin():
            return import_path(session, path, mapping=MAPPING)
    finally:
        engine.dispose()
