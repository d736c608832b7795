"""POST /v1/imports: the same path as `laborstats import`, over HTTP, for editors."""

import csv
import io
import json

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import Desk
from tests.factories import observation_fields

HEADER = (
    "metric,origin,destination,period_start,period_end,value,qualifier,basis,"
    "attributed_to,source_id,quote\n"
)
GOOD = (
    "entries,PRK,RUS,2023-01-01,2023-12-31,9000,approximate,estimate,Analyst {n},3,"
    "Russia is facing a massive worker shortage\n"
)


def post_csv(desk: Desk, body: str, **params: str):
    return desk.client.post(
        "/v1/imports",
        params=params,
        content=body.encode(),
        headers={**desk.editor, "Content-Type": "text/csv"},
    )


def test_a_dry_run_names_each_bad_row_by_line_and_changes_nothing(desk: Desk) -> None:
    before, tables = desk.data_version(), desk.tables()
    body = (
        HEADER
        + GOOD.format(n=1)
        + GOOD.format(n=2).replace("PRK", "XXX")
        + GOOD.format(n=3).replace(",3,", ",99,")
    )
    response = post_csv(desk, body, dry_run="true")
    assert response.status_code == 200
    report = response.json()
    assert report["dry_run"] is True
    assert report["valid"] is False
    assert [(p["line"], p["message"].split(":")[0]) for p in report["problems"]] == [
        (3, "origin"),
        (4, "source_id"),
    ]
    assert desk.data_version() == before
    assert desk.tables() == tables


def test_an_import_with_a_bad_last_row_imports_nothing(desk: Desk) -> None:
    before, tables = desk.data_version(), desk.tables()
    body = (
        HEADER
        + "".join(GOOD.format(n=n) for n in range(50))
        + GOOD.format(n=99).replace("9000", "lots")
    )
    response = post_csv(desk, body)
    assert response.status_code == 422
    assert response.json()["problems"][0]["line"] == 52
    assert desk.data_version() == before
    assert desk.tables() == tables
    assert (
        len(desk.client.get("/v1/observations", params={"metric": "entries"}).json()["data"]) == 0
    )


def test_reimporting_changes_nothing_and_a_changed_row_is_a_new_revision(desk: Desk) -> None:
    body = HEADER + GOOD.format(n=1)
    assert post_csv(desk, body).json()["created"] == 1
    version = desk.data_version()
    again = post_csv(desk, body).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert desk.data_version() == version
    changed = post_csv(desk, body.replace("9000", "9100"), reason="Revised estimate.").json()
    assert changed["updated"] == 1
    in_2023 = {"metric": "entries", "period_from": "2023", "period_to": "2023"}
    [row] = desk.client.get("/v1/observations", params=in_2023).json()["data"]
    history = desk.client.get(f"/v1/observations/{row['id']}/history").json()["data"]
    assert [(h["action"], h["reason"], h["observation"]["value"]) for h in history] == [
        ("create", "import", 9000),
        ("edit", "Revised estimate.", 9100),
    ]


def test_an_export_edited_in_a_spreadsheet_imports_back_as_revisions(desk: Desk) -> None:
    exported = desk.client.get("/v1/observations", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    rows[2]["value"] = "13500"  # observation 3, revision 2 (the seed corrected its metric)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    report = post_csv(desk, out.getvalue(), reason="Updated Russian estimate.").json()
    assert (report["updated"], report["unchanged"]) == (1, len(rows) - 1)
    assert desk.client.get("/v1/observations/3").json()["revision"] == 3
    stale = post_csv(desk, out.getvalue().replace("13500", "13600")).json()
    assert stale["problems"][0]["line"] == 4
    assert "revision" in stale["problems"][0]["message"]


def test_json_lines_are_imported_by_content_type(desk: Desk) -> None:
    line = json.dumps(
        observation_fields(metric="entries", dimensions={"visa_type": "work"}, value=4000)
    )
    response = desk.client.post(
        "/v1/imports",
        content=line + "\n",
        headers={**desk.editor, "Content-Type": "application/x-ndjson"},
    )
    assert response.json()["created"] == 1


def test_an_import_over_its_configured_limit_is_413(desk: Desk) -> None:
    app = create_app(Settings(database_url=desk.url, migrate_on_start=False, import_max_bytes=1000))
    with TestClient(app) as client:
        body = HEADER + "".join(GOOD.format(n=n) for n in range(20))
        response = client.post(
            "/v1/imports", content=body, headers={**desk.editor, "Content-Type": "text/csv"}
        )
    assert response.status_code == 413


def test_an_import_needs_a_token_before_anything_else(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/imports", content=b"\xff\xfe", headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 401
