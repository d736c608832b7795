"""No input is a 500: integers no database can store, cursors of any shape, and text that is
not valid Unicode or holds NUL are the client's error, named, on SQLite and PostgreSQL."""

import base64
import csv
import io
import json
from typing import Any

import pytest

from app.domain.bounds import MAX_ID
from app.domain.source import SourceType
from app.models import Source
from tests.conftest import Desk
from tests.factories import observation_fields, seeded_revision

HUGE = "99999999999999999999"  # past 2^64: Python's int, no database's
PAST_64_BITS = str(MAX_ID + 1)
PAST_32_BITS = "2147483648"  # PostgreSQL's INTEGER ends one below


def _cursor(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("number", [HUGE, PAST_64_BITS, PAST_32_BITS, "-" + HUGE, "0"])
@pytest.mark.parametrize(
    "path",
    ["/v1/observations/{}", "/v1/observations/{}/history", "/v1/sources/{}"],
)
def test_an_id_no_record_can_have_in_a_path_is_a_404(desk: Desk, path: str, number: str) -> None:
    problem = _problem(desk.client.get(path.format(number)), 404)
    assert number in problem["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/v1/observations/{}", {"reason": "r", "revision": 1, "notes": "n"}),
        ("POST", "/v1/observations/{}/retract", {"reason": "r", "revision": 1}),
        ("PATCH", "/v1/sources/{}", {"reason": "r", "revision": 1, "notes": "n"}),
    ],
)
def test_an_edit_of_an_id_no_record_can_have_is_a_404(
    desk: Desk, method: str, path: str, body: dict[str, Any]
) -> None:
    for number in (HUGE, PAST_64_BITS, PAST_32_BITS):
        response = desk.client.request(method, path.format(number), json=body, headers=desk.editor)
        _problem(response, 404)


def test_ids_past_32_bits_are_stored_and_read_on_both_databases(desk: Desk) -> None:
    big = 2**40
    desk.session.add(Source(id=big, title="Far away", type=SourceType.testimony))
    desk.session.commit()
    assert desk.client.get(f"/v1/sources/{big}").json()["id"] == big
    created = desk.client.post(
        "/v1/observations", json=observation_fields(source_id=big), headers=desk.editor
    )
    assert created.status_code == 201, created.text
    listed = desk.client.get("/v1/observations", params={"source": big}).json()["data"]
    assert [row["source_id"] for row in listed] == [big]


@pytest.mark.parametrize("number", [HUGE, PAST_64_BITS, "-" + HUGE])
def test_a_source_filter_no_database_can_hold_is_a_400_naming_source(
    desk: Desk, number: str
) -> None:
    problem = _problem(desk.client.get("/v1/observations", params={"source": number}), 400)
    assert [error["name"] for error in problem["errors"]] == [
        "source"
    ]  # as the client wrote it: no position


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_cursor(["id", None, int(HUGE)]), id="huge-id"),
        pytest.param(_cursor(["id", None, MAX_ID + 1]), id="id-past-64-bits"),
        pytest.param(_cursor(["id", None, -int(HUGE)]), id="huge-negative-id"),
        pytest.param(_cursor(["id", None, 0]), id="zero-id"),
        pytest.param(_cursor(b"[" * 10_000 + b"]" * 10_000), id="deeply-nested"),
        pytest.param(_cursor(["value", 10**400, 1]), id="value-no-float-holds"),
        pytest.param(_cursor(["value", 1e308 * 10, 1]), id="infinite-value"),
        pytest.param(_cursor(["reported_on", "2024\x00", 1]), id="nul-in-value"),
        pytest.param(_cursor(["reported_on", "\udb97", 1]), id="surrogate-in-value"),
        pytest.param(_cursor(["reported_on", {"a": [1]}, 1]), id="object-value"),
        pytest.param(_cursor(["\udb97", None, 1]), id="surrogate-in-sort"),
        pytest.param("A" * 5000, id="very-long"),
    ],
)
@pytest.mark.parametrize("sort", ["id", "value", "reported_on"])
def test_a_cursor_of_any_shape_is_a_400_naming_cursor(desk: Desk, token: str, sort: str) -> None:
    response = desk.client.get("/v1/observations", params={"cursor": token, "sort": sort})
    problem = _problem(response, 400)
    assert problem["parameter"] == "cursor"


@pytest.mark.parametrize("path", ["/v1/sources", "/v1/audit"])
def test_a_cursor_holding_an_id_past_64_bits_is_a_400_on_every_list(desk: Desk, path: str) -> None:
    token = _cursor(["-id" if path == "/v1/audit" else "id", None, int(HUGE)])
    response = desk.client.get(path, params={"cursor": token}, headers=desk.admin)
    assert _problem(response, 400)["parameter"] == "cursor"


@pytest.mark.parametrize("field", ["source_id", "part_of"])
@pytest.mark.parametrize("number", [int(HUGE), MAX_ID + 1])
def test_an_observation_naming_an_id_past_64_bits_is_a_422_naming_the_field(
    desk: Desk, field: str, number: int
) -> None:
    body = observation_fields(**{field: number})
    problem = _problem(desk.client.post("/v1/observations", json=body, headers=desk.editor), 422)
    assert [error["name"] for error in problem["errors"]] == [field]


def test_a_source_relayed_through_an_id_past_64_bits_is_a_422_naming_the_field(
    desk: Desk,
) -> None:
    body = {"title": "T", "type": "news_report", "relayed_through": int(HUGE)}
    problem = _problem(desk.client.post("/v1/sources", json=body, headers=desk.editor), 422)
    assert [error["name"] for error in problem["errors"]] == ["relayed_through"]


@pytest.mark.parametrize("path", ["/v1/observations/1", "/v1/observations/1/retract"])
def test_a_revision_past_64_bits_in_a_body_is_a_422_naming_revision(desk: Desk, path: str) -> None:
    body = {"reason": "r", "revision": int(HUGE)}
    method = "POST" if path.endswith("retract") else "PATCH"
    response = desk.client.request(method, path, json=body, headers=desk.editor)
    assert [error["name"] for error in _problem(response, 422)["errors"]] == ["revision"]


OBSERVATION_TEXT = ["metric", "period_label", "attributed_to", "quote", "notes"]
SOURCE_TEXT = ["title", "publisher", "url", "notes"]


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
@pytest.mark.parametrize("field", OBSERVATION_TEXT)
def test_nul_in_any_text_of_an_observation_is_a_422_naming_the_field(
    desk: Desk, field: str, text: str
) -> None:
    before = desk.tables()
    body = observation_fields(**{field: text})
    problem = _problem(desk.client.post("/v1/observations", json=body, headers=desk.editor), 422)
    assert field in [error["name"] for error in problem["errors"]]
    assert "NUL" in problem["detail"]
    assert desk.tables() == before


def test_nul_in_a_breakdown_is_a_422_naming_dimensions(desk: Desk) -> None:
    body = observation_fields(metric="entries", dimensions={"visa_type": "stu\x00dent"})
    problem = _problem(desk.client.post("/v1/observations", json=body, headers=desk.editor), 422)
    assert problem["errors"][0]["name"].startswith("dimensions")


@pytest.mark.parametrize("field", SOURCE_TEXT)
def test_nul_in_any_text_of_a_source_is_a_422_naming_the_field(desk: Desk, field: str) -> None:
    body = {"title": "T", "type": "news_report", field: "https://a.example/\x00"}
    problem = _problem(desk.client.post("/v1/sources", json=body, headers=desk.editor), 422)
    assert field in [error["name"] for error in problem["errors"]]


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("PATCH", "/v1/observations/1", "quote"),
        ("PATCH", "/v1/observations/1", "reason"),
        ("POST", "/v1/observations/1/retract", "reason"),
        ("PATCH", "/v1/sources/1", "title"),
    ],
)
def test_nul_in_an_edit_is_a_422_naming_the_field(
    desk: Desk, method: str, path: str, field: str
) -> None:
    body = {"reason": "A reason", "revision": 1, field: "Half\x00"}
    response = desk.client.request(method, path, json=body, headers=desk.editor)
    assert field in [error["name"] for error in _problem(response, 422)["errors"]]


@pytest.mark.parametrize(
    "text", ["\\udb97", "a\\udc00b", "\\udb97\\u0041"], ids=["high", "low", "high-then-a"]
)
def test_an_unpaired_surrogate_in_a_body_is_a_422(desk: Desk, text: str) -> None:
    before = desk.tables()
    raw = '{"title": "' + text + '", "type": "news_report"}'
    response = desk.client.post(
        "/v1/sources",
        content=raw.encode(),
        headers={**desk.editor, "Content-Type": "application/json"},
    )
    _problem(response, 422)
    assert desk.tables() == before


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"visa_type": "student\x00"}, "visa_type"),
        ({"metric": "entries\x00"}, "metric"),
        ({"reported_from": "2024\x00"}, "reported_from"),
    ],
)
def test_nul_in_a_query_parameter_is_a_400_naming_it(
    desk: Desk, query: dict[str, str], name: str
) -> None:
    problem = _problem(desk.client.get("/v1/observations", params=query), 400)
    named = problem.get("parameter") or problem["errors"][0]["name"]
    assert named == name


def test_nul_in_a_series_breakdown_is_a_400_naming_it(desk: Desk) -> None:
    query = {"metric": "entries", "origin": "PRK", "destination": "RUS", "visa_type": "a\x00"}
    problem = _problem(desk.client.get("/v1/series", params=query), 400)
    assert problem["parameter"] == "visa_type"


def test_nul_in_an_import_reason_is_a_400_naming_reason(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/imports",
        params={"reason": "why\x00"},
        content=b"",
        headers={**desk.editor, "Content-Type": "text/csv"},
    )
    assert _problem(response, 400)["errors"][0]["name"] == "reason"


@pytest.mark.parametrize("body", ["[null, null]", "[]", "null", "1", '"text"'])
def test_a_body_that_is_not_an_object_is_a_documented_422(desk: Desk, body: str) -> None:
    response = desk.client.post(
        "/v1/sources",
        content=body.encode(),
        headers={**desk.editor, "Content-Type": "application/json"},
    )
    _problem(response, 422)
    documented = desk.client.get("/openapi.json").json()["paths"]["/v1/sources"]["post"]
    assert "422" in documented["responses"]


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("quote", "a\\u0000b"),
        ("attributed_to", "\\udb97"),
        ("reported_on", "20\\udb9724"),
        ("period_label", "a\\udc00"),
    ],
)
def test_an_import_line_with_nul_or_a_surrogate_fails_naming_the_field(
    desk: Desk, field: str, text: str
) -> None:
    before = desk.tables()
    line = json.dumps(observation_fields(**{field: "PLACEHOLDER"})).replace("PLACEHOLDER", text)
    response = desk.client.post(
        "/v1/imports",
        content=(line + "\n").encode(),
        headers={**desk.editor, "Content-Type": "application/x-ndjson"},
    )
    problem = _problem(response, 422)
    assert [p["message"].split(":")[0] for p in problem["problems"]] == [field]
    assert desk.tables() == before


def test_an_import_csv_cell_with_nul_fails_naming_the_field(desk: Desk) -> None:
    fields = observation_fields(notes="a\x00b")
    body = io.StringIO()
    csv.writer(body).writerows([list(fields), list(fields.values())])
    response = desk.client.post(
        "/v1/imports",
        content=body.getvalue().encode(),
        headers={**desk.editor, "Content-Type": "text/csv"},
    )
    problem = _problem(response, 422)
    assert [p["message"].split(":")[0] for p in problem["problems"]] == ["notes"]


@pytest.mark.parametrize("as_of", ["0", "1700000000", "20240101", "2024-1-1"])
def test_as_of_is_a_day_written_out_never_a_number_of_seconds(desk: Desk, as_of: str) -> None:
    problem = _problem(desk.client.get("/v1/observations", params={"as_of": as_of}), 400)
    assert problem["errors"][0]["name"] == "as_of"


def test_every_operation_documents_rate_limits_and_database_faults_as_problems(
    desk: Desk,
) -> None:
    paths = desk.client.get("/openapi.json").json()["paths"]
    assert paths, "the document has no operations to look at"
    for path, item in paths.items():
        for method, operation in item.items():
            for status in ("400", "429", "503"):
                response = operation["responses"].get(status)
                assert response, f"{method.upper()} {path} does not document {status}"
                assert "application/problem+json" in response["content"]
            if "requestBody" in operation:
                assert "422" in operation["responses"], f"{method.upper()} {path}"


def test_the_documented_page_size_is_the_accepted_one(desk: Desk) -> None:
    parameters = desk.client.get("/openapi.json").json()["paths"]["/v1/observations"]["get"]
    (limit,) = [p for p in parameters["parameters"] if p["name"] == "limit"]
    number = next(branch for branch in limit["schema"]["anyOf"] if branch["type"] == "integer")
    assert (number["minimum"], number["maximum"]) == (1, 1000)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "7000"),
        ("upper_bound", False),
        ("source_id", "1"),
        ("source_id", True),
        ("period_end", 0),
        ("period_start", 1700000000),
    ],
)
def test_a_number_or_date_sent_as_another_json_type_is_a_422_naming_the_field(
    desk: Desk, field: str, value: object
) -> None:
    before = desk.tables()
    body = observation_fields(**{field: value})
    problem = _problem(desk.client.post("/v1/observations", json=body, headers=desk.editor), 422)
    assert [error["name"] for error in problem["errors"]] == [field]
    assert desk.tables() == before


def test_a_revision_sent_as_text_is_a_422_naming_revision(desk: Desk) -> None:
    body = {"reason": "r", "revision": "1", "notes": "n"}
    response = desk.client.patch("/v1/observations/1", json=body, headers=desk.editor)
    assert [error["name"] for error in _problem(response, 422)["errors"]] == ["revision"]


@pytest.mark.parametrize("field", ["type", "title"])
def test_an_edit_clearing_a_required_field_of_a_source_is_a_422_naming_it(
    desk: Desk, field: str
) -> None:
    """Found by schemathesis: the merged record failed validation in the service, a 500."""
    before = desk.tables()
    body = {"reason": "r", "revision": seeded_revision("source", 1), field: None}
    response = desk.client.patch("/v1/sources/1", json=body, headers=desk.editor)
    assert _problem(response, 422)["field"] == field
    assert desk.tables() == before


@pytest.mark.parametrize("field", ["qualifier", "quote"])
def test_an_edit_clearing_a_required_field_of_an_observation_is_a_422_naming_it(
    desk: Desk, field: str
) -> None:
    body = {"reason": "r", "revision": seeded_revision("observation", 1), field: None}
    response = desk.client.patch("/v1/observations/1", json=body, headers=desk.editor)
    assert _problem(response, 422)["field"] == field


@pytest.mark.parametrize("value", [1e20, 2.0**64, 1e300, -1e19])
def test_a_figure_past_64_bit_integers_is_stored_and_served_as_sent(
    desk: Desk, value: float
) -> None:
    """Found by schemathesis: a whole figure was served as an int, past what orjson writes."""
    body = observation_fields(value=value, qualifier="exact")
    created = desk.client.post("/v1/observations", json=body, headers=desk.editor)
    assert created.status_code == 201, created.text
    assert created.json()["value"] == value
    served = desk.client.get(created.headers["Location"])
    assert served.json()["value"] == value
    listed = desk.client.get("/v1/observations", params={"format": "csv", "limit": "all"})
    assert listed.status_code == 200


@pytest.mark.parametrize("path", ["/v1/observations", "/v1/series"])
def test_a_metric_filter_is_documented_and_checked_as_a_metric_code(desk: Desk, path: str) -> None:
    query = {"metric": "", "origin": "PRK", "destination": "RUS"}
    problem = _problem(desk.client.get(path, params=query), 400)
    assert problem["errors"][0]["name"] == "metric"  # as the client wrote it: no position
    (parameter,) = [
        p
        for p in desk.client.get("/openapi.json").json()["paths"][path]["get"]["parameters"]
        if p["name"] == "metric"
    ]
    assert parameter["schema"]["items"]["pattern"] == "^[a-z][a-z0-9_]{0,63}$"


@pytest.mark.parametrize(
    "etag",
    ['"observation-1-r' + "9" * 5000 + '"', '"observation-' + "9" * 5000 + '-r1"'],
    ids=["revision", "id"],
)
def test_an_if_match_with_thousands_of_digits_is_a_412(desk: Desk, etag: str) -> None:
    headers = {**desk.editor, "If-Match": etag}
    response = desk.client.patch("/v1/observations/1", json={"reason": "r"}, headers=headers)
    _problem(response, 412)


@pytest.mark.parametrize(
    "path", ["/v1/observations/{}", "/v1/observations/{}/history", "/v1/sources/{}"]
)
def test_an_id_of_thousands_of_digits_in_a_path_is_a_404(desk: Desk, path: str) -> None:
    _problem(desk.client.get(path.format("9" * 5000)), 404)
