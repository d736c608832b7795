"""The OpenAPI document as client generators read it: readable, unique operation ids; every
media type with a schema (CSV, NDJSON, texts, file bodies); the breakdown dimensions the
data has as parameters; the Problem schema with every extension member the API sends; and
docs pages that load nothing from another host."""

import ast
import inspect
import re
from typing import Any

from fastapi.testclient import TestClient

import app.errors
from app.config import PROJECT_ROOT
from app.dataset.files import OBSERVATION_COLUMNS
from app.http.problems import problem_response
from tests.conftest import Desk


def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_id_is_camel_case_and_unique(client: TestClient) -> None:
    spec = document(client)
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert ids, "the document has no operations"
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation_id), operation_id


def test_operation_ids_name_the_verb_and_the_resource(client: TestClient) -> None:
    named = operations(document(client))
    expected = {
        "listObservations": ("/v1/observations", "get"),
        "getObservation": ("/v1/observations/{observation_id}", "get"),
        "createObservation": ("/v1/observations", "post"),
        "editObservation": ("/v1/observations/{observation_id}", "patch"),
        "getObservationHistory": ("/v1/observations/{observation_id}/history", "get"),
        "getObservationCitation": ("/v1/observations/{observation_id}/citation", "get"),
        "getSeries": ("/v1/series", "get"),
        "listSources": ("/v1/sources", "get"),
        "getSource": ("/v1/sources/{source_id}", "get"),
        "listMetrics": ("/v1/metrics", "get"),
        "importObservations": ("/v1/imports", "post"),
        "getIndex": ("/v1", "get"),
    }
    for operation_id, (path, method) in expected.items():
        assert named[operation_id][:2] == (path, method), operation_id


def test_every_media_type_of_every_response_and_body_has_a_schema(client: TestClient) -> None:
    named = operations(document(client))
    assert named, "the document has no operations"
    for operation_id, (_, _, operation) in named.items():
        contents = [operation.get("requestBody", {}).get("content", {})] + [
            response.get("content", {}) for response in operation["responses"].values()
        ]
        for content in contents:
            for media_type, declared in content.items():
                assert "schema" in declared, (operation_id, media_type)


def test_every_list_that_takes_format_declares_csv_and_ndjson_as_text(client: TestClient) -> None:
    named = operations(document(client))
    takes_format = [
        operation_id
        for operation_id, (_, method, operation) in named.items()
        if method == "get"
        and any(p["name"] == "format" for p in operation.get("parameters", []))
        # A citation's formats are citation styles; the change feed's are feeds.
        and operation_id not in ("getObservationCitation", "listChanges")
    ]
    lists = {"listObservations", "getSeries", "listCountries", "listPairs", "listMetrics"}
    assert {*lists, "listSources"} <= set(takes_format)
    for operation_id in takes_format:
        content = named[operation_id][2]["responses"]["200"]["content"]
        assert next(iter(content)) == "application/json", operation_id  # typed clients parse it
        for media_type in ("text/csv", "application/x-ndjson"):
            assert content[media_type]["schema"]["type"] == "string", (operation_id, media_type)
            assert content[media_type]["schema"]["description"], (operation_id, media_type)


def test_the_observations_csv_schema_names_its_columns_in_order(client: TestClient) -> None:
    content = operations(document(client))["listObservations"][2]["responses"]["200"]["content"]
    description = content["text/csv"]["schema"]["description"]
    named = ", ".join(f"`{column}`" for column in OBSERVATION_COLUMNS)
    assert named in description
    assert "breakdown dimension" in description


CSV_LISTS = {
    "listObservations": "/v1/observations",
    "getSeries": "/v1/series?origin=PRK&destination=RUS",
    "listCountries": "/v1/countries",
    "listPairs": "/v1/pairs",
    "listMetrics": "/v1/metrics",
    "listSources": "/v1/sources",
    "listEvents": "/v1/events",
}


def test_each_lists_csv_schema_names_the_columns_it_serves(client: TestClient) -> None:
    named = operations(document(client))
    for operation_id, url in CSV_LISTS.items():
        content = named[operation_id][2]["responses"]["200"]["content"]
        description = content["text/csv"]["schema"]["description"]
        declared = re.findall(r"`([^`]+)`", description.split("Columns:", 1)[1])
        response = client.get(url, params={"format": "csv"})
        assert response.status_code == 200, url
        header = response.text.splitlines()[0].split(",")
        assert header[: len(declared)] == declared, operation_id


def test_citation_formats_are_declared_with_schemas(client: TestClient) -> None:
    content = operations(document(client))["getObservationCitation"][2]["responses"]["200"][
        "content"
    ]
    assert content["text/plain"]["schema"] == {"type": "string"}
    assert content["application/vnd.citationstyles.csl+json"]["schema"] == {"type": "array"}
    assert content["application/x-bibtex"]["schema"] == {"type": "string"}
    assert content["application/x-research-info-systems"]["schema"] == {"type": "string"}


def test_the_import_body_is_a_file_of_csv_or_json_lines_with_its_columns(
    client: TestClient,
) -> None:
    body = operations(document(client))["importObservations"][2]["requestBody"]
    assert body["required"] is True
    content = body["content"]
    assert set(content) == {"text/csv", "application/x-ndjson", "multipart/form-data"}
    assert list(content)[-1] == "text/csv"  # what a generated client sends a file as
    assert content["multipart/form-data"]["schema"]["required"] == ["table", "mapping"]
    for schema in (content["text/csv"]["schema"], content["application/x-ndjson"]["schema"]):
        assert schema["type"] == "string"
        assert schema["format"] == "binary"
    csv = content["text/csv"]["schema"]["description"]
    for column in ("`metric`", "`origin`", "`quote`", "`source_id`", "`id`", "`revision`"):
        assert column in csv
    assert "breakdown dimension" in csv
    assert "`dimensions`" in content["application/x-ndjson"]["schema"]["description"]


def breakdown_parameters(spec: dict[str, Any], operation_id: str) -> dict[str, dict[str, Any]]:
    parameters = operations(spec)[operation_id][2]["parameters"]
    return {p["name"]: p for p in parameters if "Breakdown filter" in p["description"]}


def test_the_seeds_breakdown_dimensions_are_parameters_of_observations_and_series(
    client: TestClient,
) -> None:
    spec = document(client)
    dimensions = sorted(
        {
            name
            for metric in client.get("/v1/metrics").json()["data"]
            for name in metric["dimensions"]
        }
    )
    assert {"visa_type", "sector"} <= set(dimensions)
    for operation_id in ("listObservations", "getSeries"):
        parameters = breakdown_parameters(spec, operation_id)
        assert sorted(parameters) == dimensions, operation_id
        visa_type = parameters["visa_type"]
        assert visa_type["in"] == "query"
        assert visa_type["required"] is False
        assert visa_type["schema"]["type"] == "string"
        assert "nationals_entered" in visa_type["description"]  # the metric that has it
        assert "GET /v1/metrics" in visa_type["description"]  # and that others are taken
    assert breakdown_parameters(spec, "listCountries") == {}


def test_a_dimension_a_new_metric_declares_is_a_parameter_once_it_exists(desk: Desk) -> None:
    assert "skill_level" not in breakdown_parameters(document(desk.client), "listObservations")
    metric = {
        "code": "permits_issued",
        "name": "Work permits issued",
        "unit": "permits",
        "definition": "Work permits issued to nationals of the origin.",
        "kind": "flow",
        "dimensions": ["skill_level"],
    }
    assert desk.client.post("/v1/metrics", json=metric, headers=desk.admin).status_code == 201
    spec = document(desk.client)
    for operation_id in ("listObservations", "getSeries"):
        parameter = breakdown_parameters(spec, operation_id)["skill_level"]
        assert "permits_issued" in parameter["description"]
    filtered = desk.client.get("/v1/observations", params={"skill_level": "high"})
    assert filtered.status_code == 200


def sent_extension_members() -> set[str]:
    """Every extension member some problem carries: the keywords an AppError is raised with
    but `subject` and `headers` (not sent), and those problems.py passes problem_response."""
    errors = {
        name
        for name, value in vars(app.errors).items()
        if inspect.isclass(value) and issubclass(value, app.errors.AppError)
    }
    not_members = {
        **{key: set(inspect.signature(app.errors.AppError).parameters) for key in errors},
        "problem_response": set(inspect.signature(problem_response).parameters),
    }
    members: set[str] = set()
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called not in not_members:
                continue
            for keyword in node.keywords:
                if keyword.arg is None and isinstance(keyword.value, ast.Dict):
                    names = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                else:  # **{"violated-policies": ...} above; **exc.extra passes the others on
                    names = {keyword.arg} if keyword.arg else set()
                members |= names - not_members[called]
    return members


def test_the_problem_schema_declares_every_extension_member_the_api_sends(
    client: TestClient,
) -> None:
    properties = document(client)["components"]["schemas"]["Problem"]["properties"]
    sent = sent_extension_members()
    assert {"errors", "unknown", "allowed", "parameter", "field", "problems"} <= sent
    for member in sent:
        assert member in properties, member
        assert properties[member].get("description"), member


def test_problems_as_sent_match_the_problem_schema(client: TestClient) -> None:
    unknown = client.get("/v1/observations", params={"orgin": "PRK"}).json()
    assert isinstance(unknown["unknown"], list)
    assert isinstance(unknown["allowed"], list)
    invalid = client.get("/v1/observations", params={"limit": "0"}).json()
    [error] = invalid["errors"]
    assert {"in", "name", "message"} <= set(error)


def test_docs_pages_load_nothing_from_another_host(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r'(?:src|href)="([^"]*)"', html)
        assert urls, f"{page} loads nothing to check"
        for url in urls:
            assert url.startswith("/"), (page, url)
            assert client.get(url).status_code == 200, url
    bundle = client.get("/docs-assets/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in bundle.content
    assert b'"API docs by Redocly"' in bundle.content  # the bundle itself, served whole
