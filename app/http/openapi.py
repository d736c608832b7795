"""The OpenAPI document as users need it, and as client generators read it: readable
operation ids (`listObservations`), handler docstrings as summaries, every response's
media types with their schemas (CSV and NDJSON included), every error response shown as
the problem+json the API really sends (FastAPI's default 422 is not), and the breakdown
dimensions the data has as query parameters of the operations that filter by them."""

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from app.dataset.catalog import Catalog
from app.http.bodies import BODY_MODELS
from app.http.caching import UNCACHED_PREFIXES
from app.http.context import RequestContext
from app.http.formats import Format
from app.http.problems import PROBLEM_MEDIA_TYPE

_STRINGS = {"type": "array", "items": {"type": "string"}}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Besides the standard members, a problem may "
    "carry extension members naming what was wrong; each is sent only where it applies.",
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
        # Extension members (tests/http/test_openapi.py checks every one the API sends).
        "errors": {
            "description": "Invalid parameters or body fields, each with where it is "
            "(`query`, `path`, `header`, `body`), its name, what is wrong, and the value "
            "sent (parameters only).",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "in": {"type": "string", "examples": ["query"]},
                    "name": {"type": "string", "examples": ["limit"]},
                    "message": {
                        "type": "string",
                        "examples": ["Input should be less than or equal to 1000"],
                    },
                    "value": {"description": "The value sent, if any (null when missing)."},
                },
                "required": ["in", "name", "message"],
            },
        },
        "unknown": {
            **_STRINGS,
            "description": "The query parameters (or facets) this endpoint does not know.",
            "examples": [["orgin"]],
        },
        "allowed": {
            **_STRINGS,
            "description": "What it accepts instead: its parameters and breakdown dimensions "
            "(or facets).",
            "examples": [["basis", "cursor", "destination", "origin"]],
        },
        "parameter": {
            "type": "string",
            "description": "The query parameter whose value is wrong.",
            "examples": ["period_from"],
        },
        "field": {
            "type": "string",
            "description": "The body field (or import column) whose value is wrong.",
            "examples": ["quote"],
        },
        "current_revision": {
            "type": "integer",
            "description": "A stale edit (409, 412): the record's current revision.",
            "examples": [2],
        },
        "problems": {
            "description": "A refused import (422): every bad row, nothing imported.",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "examples": ["body"]},
                    "line": {
                        "type": "integer",
                        "description": "The row's line; 0 for the whole file.",
                        "examples": [3],
                    },
                    "message": {"type": "string"},
                },
                "required": ["file", "line", "message"],
            },
        },
        "violated-policies": {
            **_STRINGS,
            "description": "A 429: the rate limit budgets spent (`reads`, `writes`, "
            "`auth-failures`), as RateLimit-Policy names them.",
            "examples": [["reads"]],
        },
        "database": {
            "type": "string",
            "description": "GET /readyz: whether the database answers (`ok`, `unreachable`).",
            "examples": ["ok"],
        },
        "schema_revision": {
            "type": ["string", "null"],
            "description": "GET /readyz: the database's migration revision.",
        },
        "expected_revision": {
            "type": "string",
            "description": "GET /readyz: the migration revision this code needs.",
        },
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

CSV_MEDIA_TYPE = "text/csv"
NDJSON_MEDIA_TYPE = "application/x-ndjson"
CSV_RULES = (
    "RFC 4180 CSV, UTF-8, a header row, then one row per item. Booleans are `true` / "
    "`false`; text a spreadsheet would run as a formula gets a leading `'`."
)
NDJSON_RULES = "JSON lines: one JSON document per line, each an item of the JSON list's `data`."


def table_content(columns: Sequence[str] = (), *, then: str = "") -> dict[str, Any]:
    """The CSV and NDJSON forms of a list, each a string (a typed client reads it as text),
    the CSV's columns named in order, then `then` (columns that depend on the data)."""
    named = ", ".join(f"`{column}`" for column in columns)
    listed = f" Columns: {named}{then}." if columns else ""
    return {
        CSV_MEDIA_TYPE: {"schema": {"type": "string", "description": CSV_RULES + listed}},
        NDJSON_MEDIA_TYPE: {"schema": {"type": "string", "description": NDJSON_RULES}},
    }


def table_responses(
    what: str,
    columns: Sequence[str],
    *,
    then: str = "",
    refused: str = "An unknown parameter, or a bad format.",
) -> dict[int | str, dict[str, Any]]:
    """A list's responses: 200 as JSON (from the response model), CSV and NDJSON; 400 as a
    problem saying what it refuses."""
    return {
        200: {"description": what, "content": table_content(columns, then=then)},
        400: {"description": refused, **PROBLEM},
    }


def operation_id(route: APIRoute) -> str:
    """An operation's id, from its handler's name once: `list_observations` is
    `listObservations`, `read_observation_history` is `getObservationHistory`."""
    verb, *words = route.name.split("_")
    return {"read": "get"}.get(verb, verb) + "".join(word.capitalize() for word in words)


def _declare_media_types(operation: dict[str, Any]) -> None:
    """Every media type with a schema, so that generated clients keep every operation: a
    list that takes `format=csv|ndjson` declares both forms, and a text any other."""
    takes_formats = any(
        parameter["name"] == "format"
        and f"#/components/schemas/{Format.__name__}" in str(parameter.get("schema"))
        for parameter in operation.get("parameters", [])
    )
    success = operation["responses"].get("200")
    if takes_formats and success is not None:
        content = success.setdefault("content", {})
        for media_type, declared in table_content().items():
            content.setdefault(media_type, {}).setdefault("schema", declared["schema"])
    bodies = [operation.get("requestBody", {}).get("content", {})] + [
        response.get("content", {}) for response in operation["responses"].values()
    ]
    for content in bodies:
        for media_type, declared in content.items():
            if media_type.startswith("text/") or media_type == NDJSON_MEDIA_TYPE:
                declared.setdefault("schema", {"type": "string"})


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
                _declare_media_types(operation)
        link_records(schema["paths"])
        app.openapi_schema = schema
        return schema

    return openapi


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)


def breakdown_operations(routes: Iterable[BaseRoute]) -> list[tuple[str, str]]:
    """(path, method) of each operation whose query model takes breakdown filters."""
    return [
        (route.path, method.lower())
        for route in _api_routes(routes)
        if route.include_in_schema
        and any(
            getattr(parameter.field_info.annotation, "accepts_breakdowns", False)
            for dependant in _dependants(route.dependant)
            for parameter in dependant.query_params
        )
        for method in sorted(route.methods)
    ]


def breakdown_parameters(catalog: Catalog) -> list[dict[str, Any]]:
    """A query parameter for each breakdown dimension the catalog's metrics declare."""
    parameters = []
    for name in catalog.dimension_names:
        metrics = [code for code, m in catalog.metrics.items() if name in (m.dimensions or [])]
        description = (
            f"Breakdown filter: only figures broken down by `{name}`, with this value "
            f"(metrics with this breakdown: {', '.join(metrics)}). A breakdown dimension "
            "defined after this document was read is taken the same way, by its name; "
            "GET /v1/metrics lists them."
        )
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "string", "description": description},
            }
        )
    return parameters


def with_breakdowns(
    document: dict[str, Any], operations: Sequence[tuple[str, str]], catalog: Catalog
) -> dict[str, Any]:
    """`document` with the catalog's breakdown dimensions as parameters of `operations`
    (a copy of what changes: the document built once stays as it was)."""
    added = breakdown_parameters(catalog)
    if not added:
        return document
    paths = dict(document["paths"])
    for path, method in operations:
        item = paths[path] = dict(paths[path])
        operation = item[method] = dict(item[method])
        taken = {parameter["name"] for parameter in operation.get("parameters", [])}
        operation["parameters"] = [
            *operation.get("parameters", []),
            *(parameter for parameter in added if parameter["name"] not in taken),
        ]
    return {**document, "paths": paths}


def install_openapi(app: FastAPI) -> None:
    """The OpenAPI document, served at `app.openapi_url` with the breakdown dimensions of
    the data as it is now: built once (`app.openapi()`), with the dimensions added once per
    data version (kept with that version's catalog). The dimensions are data (a metric
    declares its own), so a document that named a fixed list would go stale."""
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    operations = breakdown_operations(app.routes)

    def served(context: RequestContext) -> dict[str, Any]:
        try:
            catalog = context.catalog
            document = catalog.memo.get("openapi")
            if document is None:
                document = catalog.memo["openapi"] = with_breakdowns(
                    app.openapi(), operations, catalog
                )
            return document
        finally:
            context.close()

    async def openapi_document(request: Request) -> JSONResponse:
        document = await to_thread.run_sync(served, RequestContext(request.app.state))
        root_path = request.scope.get("root_path", "").rstrip("/")
        servers = document.get("servers", [])
        listed = {server.get("url") for server in servers}
        if root_path and app.root_path_in_servers and root_path not in listed:  # as FastAPI does
            document = {**document, "servers": [{"url": root_path}, *servers]}
        return JSONResponse(document)

    routes = app.router.routes
    for index, route in enumerate(routes):
        if isinstance(route, Route) and route.path == app.openapi_url:
            routes[index] = Route(route.path, openapi_document, include_in_schema=False)
    serve_docs_assets_locally(app)


# ReDoc's side menu ends with "API docs by Redocly" and Redocly's logo, which its bundle
# loads from Redocly's CDN: the docs would reach another host. The bundle is served with
# an empty image of its own instead (the page's CSP allows `data:` images, no other host).
REDOC_BUNDLE = "redoc.standalone.js"
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def _redoc_bundle(folder: Path) -> bytes:
    return (folder / REDOC_BUNDLE).read_bytes().replace(REDOC_CDN_LOGO, EMPTY_IMAGE)


def serve_docs_assets_locally(app: FastAPI) -> None:
    """Serve the docs pages' assets (fastapi_offline's) so that nothing they load comes
    from another host: ReDoc's bundle without its CDN logo, ahead of the static files."""
    routes = app.router.routes
    index, mount = next(
        (index, route)
        for index, route in enumerate(routes)
        if isinstance(route, Mount) and route.name == "static-offline-docs"
    )
    folder = Path(mount.app.directory)  # type: ignore[attr-defined]

    async def redoc_bundle(request: Request) -> Response:
        content = await to_thread.run_sync(_redoc_bundle, folder)
        return Response(content, media_type="text/javascript; charset=utf-8")

    routes.insert(index, Route(f"{mount.path}/{REDOC_BUNDLE}", redoc_bundle))
