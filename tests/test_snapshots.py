"""What clients see does not change when code moves: the seed's pages, by-id reads, series,
CSV, citations and errors are served byte for byte as recorded in tests/snapshots/, and the
OpenAPI document is the recorded one, but for the form of the Problem schema, which must
keep the same members with the same types (tests/snapshots/served.py says how the copies
are made, and how to rewrite them after a deliberate change)."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ON_POSTGRES
from tests.snapshots.served import OPENAPI_FILE, requests_for, served, snapshot_file

RECORDED = json.loads(snapshot_file("postgresql" if ON_POSTGRES else "sqlite").read_text())


@pytest.fixture(scope="module")
def answers(client: TestClient) -> dict[str, Any]:
    return served(client)


def test_the_recorded_requests_are_the_ones_made(client: TestClient, answers: dict[str, Any]):
    assert len(requests_for(client)) > 150
    assert sorted(answers) == sorted(RECORDED)


@pytest.mark.parametrize("request_line", sorted(RECORDED))
def test_each_recorded_answer_is_served_unchanged(answers: dict[str, Any], request_line: str):
    assert answers[request_line] == RECORDED[request_line]


def _resolved(schema: Any, schemas: dict[str, Any]) -> Any:
    """A schema with every $ref to a component replaced by that component, and its titles
    and descriptions left out: what a member is, not how it is written."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _resolved(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
        return {
            key: _resolved(value, schemas)
            for key, value in schema.items()
            if key not in ("title", "description", "examples")
        }
    if isinstance(schema, list):
        return [_resolved(item, schemas) for item in schema]
    return schema


def _members(problem: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    resolved = _resolved(problem, schemas)
    return {"properties": resolved["properties"], "required": sorted(resolved["required"])}


def test_openapi_differs_only_in_how_the_problem_schema_is_written(client: TestClient):
    recorded = json.loads(OPENAPI_FILE.read_text())
    current = client.get("/openapi.json").json()
    recorded_schemas = recorded["components"]["schemas"]
    current_schemas = current["components"]["schemas"]
    assert _members(current_schemas["Problem"], current_schemas) == _members(
        recorded_schemas["Problem"], recorded_schemas
    )
    # Everything else is the recorded document, but for schemas only the Problem uses.
    problem_parts = {
        name for name in set(current_schemas) - set(recorded_schemas) if name.startswith("Problem")
    }
    for document in (recorded, current):
        schemas = document["components"]["schemas"]
        for name in {"Problem", *problem_parts}:
            schemas.pop(name, None)
    assert current == recorded
