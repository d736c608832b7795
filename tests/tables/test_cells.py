"""A figure read from a table names its cell, which must hold it: a write or an import whose
cell does not is refused with a 422 naming `cell`, as a quote not in its text is refused
naming `quote`; a figure has a quote or a cell, never neither."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.tables.conftest import SEED_MAPPING

# The seed's table: its 2019 row holds 10,621 persons born in North Korea living in Russia.
ROW_2019, KOREA_COLUMN, STOCK_2019 = 23, 67, 10621


def seed_table_id(client) -> int:
    title = json.loads(SEED_MAPPING.read_text())["source"]["title"]
    sources = client.get("/v1/sources", params={"limit": 100}).json()["data"]
    return next(s["id"] for s in sources if s["title"] == title)


def table_figure(source_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "metric": "migrant_stock",
        "origin": "PRK",
        "destination": "RUS",
        "period_start": "2019-01-01",
        "period_end": "2019-12-31",
        "value": STOCK_2019,
        "qualifier": "exact",
        "basis": "official",
        "attributed_to": "A reader of the table",
        "source_id": source_id,
        "cell": {"row": ROW_2019, "column": KOREA_COLUMN},
    } | overrides


def test_a_figure_whose_cell_holds_it_is_saved_and_links_to_its_cell(desk) -> None:
    source_id = seed_table_id(desk.client)
    answer = desk.client.post("/v1/observations", json=table_figure(source_id), headers=desk.editor)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["cell"] == {"row": ROW_2019, "column": KOREA_COLUMN}
    assert body["cell_url"] == f"/v1/sources/{source_id}/file#cell={ROW_2019},{KOREA_COLUMN}"
    assert body["quote"] is None


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"value": STOCK_2019 + 1}, "holds '10,621' at row 23, column 67, not 10,622"),
        ({"cell": {"row": 9999, "column": KOREA_COLUMN}}, "no cell at row 9999"),
        ({"cell": {"row": ROW_2019, "column": 5}}, "holds '643'"),
    ],
    ids=["changed-value", "wrong-row", "wrong-column"],
)
def test_a_cell_that_does_not_hold_the_figure_is_refused_naming_the_cell(
    desk, overrides: dict[str, Any], words: str
) -> None:
    before = desk.tables()
    answer = desk.client.post(
        "/v1/observations",
        json=table_figure(seed_table_id(desk.client), **overrides),
        headers=desk.editor,
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["field"] == "cell"
    assert words in problem["detail"]
    assert desk.tables() == before


def test_a_figure_with_neither_quote_nor_cell_is_refused_naming_the_quote(desk) -> None:
    body = table_figure(seed_table_id(desk.client))
    del body["cell"]
    answer = desk.client.post("/v1/observations", json=body, headers=desk.editor)
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["name"] == "quote"
    assert "or its cell" in error["message"]


def test_a_cell_in_a_source_that_keeps_no_table_is_refused(desk) -> None:
    answer = desk.client.post("/v1/observations", json=table_figure(1), headers=desk.editor)
    assert answer.status_code == 422
    assert answer.json()["field"] == "cell"
    assert "source 1 keeps no table" in answer.json()["detail"]


def test_correcting_a_table_figure_away_from_its_cell_is_refused(desk) -> None:
    figure = desk.client.get("/v1/observations", params={"metric": "migrant_stock"}).json()["data"][
        0
    ]
    etag = desk.client.get(f"/v1/observations/{figure['id']}").headers["etag"]
    answer = desk.client.patch(
        f"/v1/observations/{figure['id']}",
        json={"value": figure["value"] + 100, "reason": "A test of the cell check."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "cell"


def test_an_import_row_whose_cell_does_not_hold_it_is_refused_by_line(desk, tmp_path: Path) -> None:
    source_id = seed_table_id(desk.client)
    rows = [
        table_figure(source_id, attributed_to="First reader"),
        table_figure(source_id, attributed_to="Second reader", value=999),
    ]
    body = "\n".join(json.dumps(row | {"cell": row["cell"]}) for row in rows).encode()
    before = desk.tables()
    answer = desk.client.post(
        "/v1/imports",
        content=body,
        headers={**desk.editor, "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert problem["line"] == 2
    assert problem["message"].startswith("cell: ")
    assert desk.tables() == before


def test_a_source_cannot_name_a_file_that_is_not_stored(desk) -> None:
    etag = desk.client.get("/v1/sources/1").headers["etag"]
    answer = desk.client.patch(
        "/v1/sources/1",
        json={"file_sha256": "0" * 64, "file_name": "made-up.csv", "reason": "A test."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "file_sha256"
