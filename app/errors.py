"""One family of errors, rendered by one handler as RFC 9457 problem+json.

Services raise these; they know nothing of HTTP beyond the status each one maps to.
"""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:laborstats:problem:"

logger = logging.getLogger("laborstats")


class AppError(Exception):
    """An error a client can act on: `detail` says what was wrong and how to put it right."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class BadRequest(AppError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class InvalidParameter(BadRequest):
    slug = "invalid-parameter"
    title = "Invalid parameter"


class UnknownParameter(BadRequest):
    slug = "unknown-parameter"
    title = "Unknown query parameter"


class UnknownReference(BadRequest):
    """A filter names a metric, source or dimension that does not exist."""

    slug = "unknown-reference"
    title = "Unknown reference"


class Unauthorized(AppError):
    """No token, or one that is unknown or revoked."""

    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class Forbidden(AppError):
    """A valid token whose role does not allow this."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class NotAcceptable(AppError):
    status = 406
    slug = "not-acceptable"
    title = "Not acceptable"


class Conflict(AppError):
    """The request contradicts the current state: a stale revision named in the body, an
    edit of a retracted observation, a code that is taken."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class StaleRevision(Conflict):
    """An edit names a revision that is no longer current: someone else edited first.
    409 when the revision was named in the body; routers answer 412 for If-Match."""

    slug = "stale-revision"
    title = "Stale revision"


class PreconditionFailed(AppError):
    """If-Match names a revision that is no longer current."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class PreconditionRequired(AppError):
    """An edit that names no revision: it could overwrite someone else's."""

    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class InvalidData(AppError):
    """Data sent to be stored breaks a rule (a bound, a reference, a country code)."""

    status = 422
    slug = "invalid-data"
    title = "Invalid data"


class ImportFailed(InvalidData):
    """Some rows of an import break a rule; `problems` lists each by file and line."""

    slug = "import-failed"
    title = "Import failed"


class DatabaseUnavailable(AppError):
    status = 503
    slug = "database-unavailable"
    title = "Database unavailable"


class DatabaseBusy(AppError):
    """Too many writes at once: the write lock could not be had in time."""

    status = 503
    slug = "database-busy"
    title = "Database busy"


def problem_response(
    *, status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('query', 'limit') -> ('query', 'limit'); ('body', 'quote') -> ('body', 'quote')."""
    where = str(loc[0]) if loc else "request"
    name = ".".join(str(part) for part in loc[1:]) or where
    return where, name


async def handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    response = problem_response(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        **exc.extra,
    )
    response.headers.update(exc.headers)
    return response


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        where, name = _location(tuple(error.get("loc", ())))
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        item: dict[str, Any] = {"in": where, "name": name, "message": message}
        if "input" in error and where != "body":
            item["value"] = error["input"]
        errors.append(item)
    in_body = any(item["in"] == "body" for item in errors)
    detail = "; ".join(f"{item['name']}: {item['message']}" for item in errors)
    return problem_response(
        status=422 if in_body else 400,
        slug="invalid-body" if in_body else "invalid-parameter",
        title="Invalid request body" if in_body else "Invalid parameter",
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    if exc.status_code == 404 and detail is None:
        detail = f"There is nothing at {request.url.path}; the index at /v1 lists what there is."
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    response = problem_response(
        status=exc.status_code,
        slug=phrase.lower().replace(" ", "-"),
        title=phrase,
        detail=detail or phrase,
        instance=request.url.path,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        busy = DatabaseBusy("The database is busy with other writes; try again in a moment.")
        busy.headers["Retry-After"] = "1"
        return await handle_app_error(request, busy)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        status=500,
        slug=AppError.slug,
        title=AppError.title,
        detail="The server failed to answer. The error has been logged; please try again.",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
