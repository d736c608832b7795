"""Every error a request can meet, answered as RFC 9457 problem+json (`app.http.problems`):
the app's own errors, request validation (a bad or unknown parameter, a bad body),
Starlette's 404 and 405, database faults wherever they are raised, and anything
unexpected (logged; a 500 that says nothing of the cause)."""

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import database_fault, fault_cause
from app.domain.edits import RuleBroken
from app.errors import AppError, did_you_mean
from app.http.problems import problem_response
from app.server.methods import allowed_methods

# Where a client finds the records that do exist, by what an error is about.
LISTED_AT = {"observation": "/v1/observations", "source": "/v1/sources"}

logger = logging.getLogger("laborstats")


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('query', 'limit') -> ('query', 'limit'); ('body', 'quote') -> ('body', 'quote'). A
    repeated parameter's position is left out, since the client wrote none: ('query',
    'qualifier', 0) is `qualifier`."""
    where = str(loc[0]) if loc else "request"
    parts = [part for part in loc[1:] if where == "body" or not isinstance(part, int)]
    return where, ".".join(str(part) for part in parts) or where


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if error.get("type") == "enum":  # say what was sent, and what is offered
        sent, expected = error["input"], error["ctx"]["expected"]
        offered = [value.strip(" '") for value in re.split(r",| or ", expected)]
        hint = did_you_mean(str(sent), offered)
        return f"{sent!r} is not offered; use one of {expected}.{hint}".rstrip(".")
    return message


async def handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    detail = exc.detail
    if exc.subject in LISTED_AT:
        detail = f"{detail.rstrip('.')}; GET {LISTED_AT[exc.subject]} lists them."
    response = problem_response(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=detail,
        instance=request.url.path,
        **exc.extra,
    )
    response.headers.update(exc.headers)
    return response


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unknown = [e for e in exc.errors() if e.get("type") == "unknown_parameter"]
    if unknown:  # raised by the query parameter models (app.http.query)
        context = unknown[0]["ctx"]
        return problem_response(
            status=400,
            slug="unknown-parameter",
            title="Unknown query parameter",
            detail=unknown[0]["msg"],
            instance=request.url.path,
            unknown=context["unknown"],
            allowed=context["allowed"],
        )
    errors = []
    for error in exc.errors():
        where, name = _location(tuple(error.get("loc", ())))
        broken = error.get("ctx", {}).get("error")
        if isinstance(broken, RuleBroken):  # a rule across fields names the one to change
            name = broken.field
        item: dict[str, Any] = {"in": where, "name": name, "message": _message(error)}
        if "input" in error and where != "body":
            item["value"] = None if error.get("type") == "missing" else error["input"]
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
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # Starlette's Allow names only the first route's methods
        allowed = allowed_methods(request.scope)
        headers["Allow"] = ", ".join(allowed)
        detail = (
            f"{request.method} is not allowed on {request.url.path}; "
            f"it serves {', '.join(allowed)}."
        )
    response = problem_response(
        status=exc.status_code,
        slug=phrase.lower().replace(" ", "-"),
        title=phrase,
        detail=detail or phrase,
        instance=request.url.path,
    )
    response.headers.update(headers)
    return response


async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    fault = database_fault(exc, retry_after_s=request.app.state.settings.retry_after_s)
    if fault is not None:
        return await handle_app_error(request, fault)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        status=500,
        slug=AppError.slug,
        title=AppError.title,
        detail="The server failed to answer. The error has been logged; please try again.",
        instance=request.url.path,
    )


class DatabaseFaultMiddleware:
    """A database or disk fault is a 503 problem wherever it is raised: in a handler, a
    dependency or a middleware inside this one (which Starlette's exception handlers never
    see). Installed inside CORS, so that a browser may read the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_start)
        except Exception as exc:
            settings = scope["app"].state.settings
            fault = database_fault(exc, retry_after_s=settings.retry_after_s)
            if fault is None or started:  # a stream already under way can only be cut
                raise
            logger.warning(
                "%s on %s %s: %s", fault.title, scope["method"], scope["path"], fault_cause(exc)
            )
            response = await handle_app_error(Request(scope), fault)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
