"""What an operator sees of each request: its id, one access log line, its metrics.

The middleware wraps everything else, Starlette's own error middleware included, so that a
request that fails with a 500 is still logged with its status and duration and still
answers with its `X-Request-ID`. It reads no body but a 5xx problem's (for its type), and
logs no header, no query string and no body: a token can reach the log from nowhere."""

import logging
import re
import uuid
from collections.abc import Sequence
from time import perf_counter

import orjson
from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id, stamp_request_ids
from app.server.telemetry import Telemetry

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = b"x-request-id"
# An id a client sends is kept when it could not disturb a log or a header: short, and of
# the characters ids are made of (UUIDs, hex, base64, trace ids). Anything else is replaced.
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}")
UNMATCHED_ROUTE = "unmatched"
LONGEST_LOGGED_PATH = 512
MATCHES_KEPT = 4096
_PROBLEM = b"application/problem+json"

access_log = logging.getLogger("laborstats.access")


def new_request_id() -> str:
    return str(uuid.uuid4())


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _is_problem(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(key == b"content-type" and value.startswith(_PROBLEM) for key, value in headers)


def _problem_kind(body: bytes) -> str:
    """The slug of a problem's type (`urn:laborstats:problem:database-busy`)."""
    try:
        kind = orjson.loads(body).get("type", "")
    except (orjson.JSONDecodeError, AttributeError):
        return "unknown"
    return str(kind).rsplit(":", 1)[-1] or "unknown"


class ObservabilityMiddleware:
    def __init__(
        self, app: ASGIApp, *, routes: Sequence[tuple[BaseRoute, str]], telemetry: Telemetry
    ) -> None:
        self.app = app
        self.routes = routes  # each route, with its template
        self.telemetry = telemetry
        # Templates of paths answered before routing (a dashboard's repeated 304s), kept so
        # that each is matched once; emptied when full, as paths with ids are endless.
        self._matched: dict[tuple[str, str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        sent_id = _header(scope, _REQUEST_ID_KEY)
        if sent_id is not None and SANE_REQUEST_ID.fullmatch(sent_id):
            rid = sent_id.decode("ascii")
        else:
            rid = new_request_id()
        rid_header = (_REQUEST_ID_KEY, rid.encode("ascii"))
        reset = request_id.set(rid)
        # The router rewrites some of the scope as it descends: keep what matching needs.
        method: str = scope["method"]
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        status = 500
        sent_bytes = 0
        problem: bytearray | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent_bytes, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                message["headers"] = [*headers, rid_header]
                if status >= 500 and _is_problem(headers):
                    problem = bytearray()
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                sent_bytes += len(body)
                if problem is not None:
                    problem += body
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            route = self._route(scope, method, path, root_path)
            self.telemetry.observe(route, method, status, seconds)
            if status >= 500:
                self.telemetry.server_error(status, _problem_kind(problem) if problem else "none")
            if access_log.isEnabledFor(logging.INFO):
                self._log(scope, method, route, path, status, seconds, sent_bytes)
            request_id.reset(reset)

    def _route(self, scope: Scope, method: str, path: str, root_path: str) -> str:
        """The template of the route that answered; when a middleware answered before
        routing (a 304, a 429), the one that would have."""
        route = scope.get("route")
        if route is not None:
            return str(route.path)
        key = (method, root_path, path)
        template = self._matched.get(key)
        if template is None:
            if len(self._matched) >= MATCHES_KEPT:
                self._matched.clear()
            template = self._matched[key] = self._match(method, path, root_path)
        return template

    def _match(self, method: str, path: str, root_path: str) -> str:
        probe: Scope = {"type": "http", "method": method, "path": path, "root_path": root_path}
        partial = UNMATCHED_ROUTE
        for candidate, template in self.routes:
            match, _ = candidate.matches(probe)
            if match is Match.FULL:
                return template
            if match is Match.PARTIAL and partial == UNMATCHED_ROUTE:
                partial = template  # the path is served, not with this method: a 405
        return partial

    @staticmethod
    def _log(
        scope: Scope,
        method: str,
        route: str,
        path: str,
        status: int,
        seconds: float,
        sent_bytes: int,
    ) -> None:
        client = scope.get("client")
        access_log.info(
            "%s %s %d",
            method,
            route,
            status,
            extra={
                "fields": {
                    "method": method,
                    "route": route,
                    "path": path[:LONGEST_LOGGED_PATH],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "bytes": sent_bytes,
                    "client": client[0] if client else None,
                }
            },
        )


def install(app: Starlette, telemetry: Telemetry) -> None:
    """Wrap the app's whole middleware stack, Starlette's ServerErrorMiddleware included,
    which `add_middleware` cannot: that one answers a crash's 500 outside every middleware
    added."""
    build_stack = app.build_middleware_stack

    def build_observed_stack() -> ASGIApp:
        # Built on the first request, when every route is in place. Included routers are
        # flattened, so that each route can be matched alone.
        routes = [
            (context.original_route, context.path or UNMATCHED_ROUTE)
            for context in iter_route_contexts(app.routes)
        ]
        return ObservabilityMiddleware(build_stack(), routes=routes, telemetry=telemetry)

    stamp_request_ids()

    app.build_middleware_stack = build_observed_stack  # type: ignore[method-assign]
