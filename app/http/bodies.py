"""Request bodies, read only after the token and role are checked (FastAPI would otherwise
parse a declared body first), with a size limit and errors that name the field."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from app.domain.shapes import json_kinds
from app.errors import PayloadTooLarge, UnsupportedMediaType
from app.http.query import NoParameters

ModelT = TypeVar("ModelT", bound=BaseModel)
# Models read by `json_body`, so the OpenAPI document can show them as request bodies.
BODY_MODELS: dict[str, type[BaseModel]] = {}


async def limited_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body, chunk by chunk; 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The body is {declared} bytes; the limit is {limit}.")
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is over the limit of {limit} bytes.")
        yield chunk


def require_media_type(request: Request, *accepted: str) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in accepted:
        raise UnsupportedMediaType(
            f"Send the body as {' or '.join(accepted)} (Content-Type was "
            f"'{media_type or 'missing'}')."
        )
    return media_type


def json_body(
    model: type[ModelT],
    *,
    after: Callable[..., Any],
    query: type[BaseModel] = NoParameters,
) -> Callable[..., Awaitable[ModelT]]:
    """A dependency that runs `after` (the auth check) first, then checks the query string
    against `query`, and only then reads and validates a JSON body of at most
    MAX_BODY_BYTES (FastAPI calls it only if its own parameters are valid)."""
    BODY_MODELS[model.__name__] = model
    kinds = json_kinds(model)

    async def parse(
        request: Request,
        _: Any = Depends(after),
        __: Annotated[query, Query()] = None,  # type: ignore[valid-type]
    ) -> ModelT:
        require_media_type(request, "application/json")
        limit = request.app.state.settings.max_body_bytes
        raw = b"".join([chunk async for chunk in limited_chunks(request, limit)])
        _refuse_other_json_types(raw, kinds)
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
            raise RequestValidationError(errors) from None

    return parse


def _is_json_kind(value: object, kind: str) -> bool:
    if value is None or isinstance(value, bool):
        return value is None
    return isinstance(value, int | float) if kind == "number" else isinstance(value, str)


def _refuse_other_json_types(raw: bytes, kinds: dict[str, str]) -> None:
    """Numbers as JSON numbers and dates as JSON strings, as the OpenAPI document says:
    pydantic, lax because import files are text, would take "12" or true for 12, and 0 for
    1970-01-01."""
    try:
        sent = from_json(raw) if kinds else None
    except ValueError:
        return  # not JSON: the model's validation says so
    if not isinstance(sent, dict):
        return
    errors = [
        {
            "type": f"{kinds[name]}_type",
            "loc": ("body", name),
            "msg": f"Input should be a JSON {kinds[name]}",
            "input": sent[name],
        }
        for name in sorted(kinds.keys() & sent.keys())
        if not _is_json_kind(sent[name], kinds[name])
    ]
    if errors:
        raise RequestValidationError(errors)


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose body `json_body` reads."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


def file_body_openapi(*, csv: str, ndjson: str, table: str | None = None) -> dict[str, Any]:
    """`openapi_extra` for a route that reads a whole file as its body (JSON lines or
    `text/csv`): each a string of bytes (a generated client sends a file), described by
    `ndjson` and `csv`; and, with `table`, a statistical table and its mapping as the parts
    of a multipart body. CSV comes last: a client that openapi-python-client generates (with
    `clients/openapi-python-client.yaml`) sends a file as the last media type declared."""
    multipart = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "description": table,
                "required": ["table", "mapping"],
                "properties": {
                    "table": {"type": "string", "format": "binary"},
                    "mapping": {"type": "string", "format": "binary"},
                },
            }
        }
    }
    return {
        "requestBody": {
            "required": True,
            "description": "The file itself, as CSV or as JSON lines"
            + (", or a statistical table with its mapping." if table else "."),
            "content": {
                **(multipart if table else {}),
                "application/x-ndjson": {
                    "schema": {"type": "string", "format": "binary", "description": ndjson}
                },
                "text/csv": {"schema": {"type": "string", "format": "binary", "description": csv}},
            },
        }
    }
