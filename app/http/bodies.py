"""Request bodies, read only after the token and role are checked (FastAPI would otherwise
parse a declared body first), with a size limit and errors that name the field."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

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

    async def parse(
        request: Request,
        _: Any = Depends(after),
        __: Annotated[query, Query()] = None,  # type: ignore[valid-type]
    ) -> ModelT:
        require_media_type(request, "application/json")
        limit = request.app.state.settings.max_body_bytes
        raw = b"".join([chunk async for chunk in limited_chunks(request, limit)])
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
            raise RequestValidationError(errors) from None

    return parse


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
