"""The OpenAPI document as users need it: handler docstrings as summaries, and every error
response shown as the problem+json the API really sends (FastAPI's default 422 is not)."""

import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.http.bodies import BODY_MODELS
from app.http.caching import UNCACHED_PREFIXES
from app.http.problems import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extra members name what was wrong.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "examples": ["urn:laborstats:problem:unknown-parameter"]},
        "title": {"type": "string", "examples": ["Unknown query parameter"]},
        "status": {"type": "integer", "examples": [400]},
        "detail": {
            "type": "string",
            "examples": [
                "Unknown query parameter: orgin. This endpoint accepts: basis, cursor, "
                "destination, format, limit, metric, origin, ..."
            ],
        },
        "instance": {"type": "string", "examples": ["/v1/observations"]},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}

# Documented error responses; problem_openapi() gives each the Problem schema.
PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "The token's role does not allow this.", **PROBLEM},
    413: {"description": "The body is over the size limit.", **PROBLEM},
    415: {"description": "The body is not in a media type this endpoint reads.", **PROBLEM},
    422: {"description": "The body breaks a rule; the problem names the field.", **PROBLEM},
}


def not_found(kind: str) -> dict[int | str, dict[str, Any]]:
    return {404: {"description": f"No {kind} has this id.", **PROBLEM}}


def edit_responses(kind: str) -> dict[int | str, dict[str, Any]]:
    return {
        **WRITE_RESPONSES,
        **not_found(kind),
        409: {"description": "The body names a stale revision, or the edit conflicts.", **PROBLEM},
        412: {"description": "If-Match names a revision that is no longer current.", **PROBLEM},
        428: {"description": "Neither If-Match nor a revision in the body.", **PROBLEM},
    }


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
# What any operation may answer, whatever it does.
EVERY_OPERATION: dict[str, dict[str, Any]] = {
    "400": {"description": "A bad or unknown parameter."},
    "429": {
        "description": "Too many requests from this client or token; wait Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
    "503": {
        "description": "The database is unavailable, busy or too slow to answer; try again "
        "after Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
}
NOT_MODIFIED = {"description": "Not modified: the copy named by If-None-Match is current."}


def link_records(paths: dict[str, Any]) -> None:
    """OpenAPI links from what returns a record (its creation, a read, an edit) to what
    takes it (`/v1/sources/{source_id}...`): the id from the body, and If-Match from the
    ETag, so that clients and tools such as schemathesis can follow create, read, edit,
    retract with the record just made."""
    for item_path in paths:
        found = re.fullmatch(r"(/.+)/\{(\w+)\}", item_path)
        if found is None:
            continue
        collection, parameter = found.groups()
        key = "id" if parameter.endswith("_id") else parameter  # metrics are named by code
        targets = [
            operation
            for path, item in paths.items()
            if path == item_path or path.startswith(f"{item_path}/")
            for operation in item.values()
        ]
        # What answers with the record itself: its creation, its read, its edits.
        sources = [(paths.get(collection, {}).get("post"), "201")] + [
            (operation, "200")
            for operation in targets
            if operation is paths[item_path].get("get") or "requestBody" in operation
        ]
        for source, status in sources:
            response = source["responses"].get(status) if source else None
            if source is None or response is None:
                continue
            response["links"] = {
                target["operationId"]: {
                    "operationId": target["operationId"],
                    "parameters": {
                        f"path.{parameter}": f"$response.body#/{key}",
                        **{
                            f"header.{p['name']}": "$response.header.ETag"
                            for p in target.get("parameters", [])
                            if p["in"] == "header" and p["name"].lower() == "if-match"
                        },
                    },
                }
                for target in targets
                if target is not source
            }


# A sentence ends at . ! or ? before a capital, a quote or code, or at the paragraph's end.
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?=\s+[A-Z`\"(]|$)")


def summary_of(docstring: str) -> str:
    """An operation's summary: the first sentence of its docstring, whole (a first line
    cut at its width stopped mid-sentence), without its full stop."""
    paragraph = " ".join(docstring.strip().split("\n\n")[0].split())
    match = _FIRST_SENTENCE.match(paragraph)
    return (match.group(1) if match else paragraph).rstrip(".")


def use_docstrings_as_summaries(routers: Iterable[APIRouter]) -> None:
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.summary is None and route.endpoint.__doc__:
                route.summary = summary_of(route.endpoint.__doc__)


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """A replacement for `app.openapi` that documents errors as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        for name, model in BODY_MODELS.items():
            body_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(body_schema.pop("$defs", {}))
            schemas[name] = body_schema
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                responses = operation["responses"]
                if responses.get("422", {}).get("description") == "Validation Error":
                    responses.pop("422")  # FastAPI's own: parameters answer 400 here
                if "requestBody" in operation:  # a body that is not what the model reads
                    responses.setdefault("422", dict(WRITE_RESPONSES[422]))
                cached = path.startswith("/v1") and not path.startswith(UNCACHED_PREFIXES)
                if method == "get" and cached:
                    responses.setdefault("304", dict(NOT_MODIFIED))
                for code, response in EVERY_OPERATION.items():
                    responses.setdefault(code, dict(response))
                for code, response in responses.items():
                    if code[0] in "45":
                        response["content"] = PROBLEM_CONTENT
        link_records(schema["paths"])
        app.openapi_schema = schema
        return schema

    return openapi
