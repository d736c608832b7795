"""The OpenAPI document as users need it, and as client generators read it: readable
operation ids (`listObservations`), handler docstrings as summaries, every response's
media types with their schemas (CSV and NDJSON included), every error response shown as
the problem+json the API really sends (FastAPI's default 422 is not), the breakdown
dimensions the data has as query parameters of the operations that filter by them, and
the docs pages' assets served from this server."""

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
from app.http.context import RequestContext
from app.http.formats import Format
from app.http.openapi import (
    EVERY_OPERATION,
    NDJSON_MEDIA_TYPE,
    NOT_MODIFIED,
    PROBLEM_CONTENT,
    WRITE_RESPONSES,
    table_content,
)
from app.http.problems import Problem
from app.server.caching import UNCACHED_PREFIXES


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
        problem = Problem.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
        schemas.update(problem.pop("$defs"))
        schemas["Problem"] = problem
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
