"""Which methods a path serves: HEAD wherever GET is, OPTIONS everywhere, and the Allow
header of a 405.

FastAPI routes answer only the methods they declare, so HEAD was a 405 everywhere, and
Starlette's 405 lists the methods of the first route whose path matches, not all of them.
Both are answered here from the router's own matching, asked once per method, so that the
OpenAPI document (which generated clients and schemathesis read) keeps no HEAD operation."""

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a route can declare; HEAD and OPTIONS follow from these.
DECLARABLE = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _serves(scope: Scope, method: str) -> bool:
    probe = {**scope, "method": method}
    return any(route.matches(probe)[0] == Match.FULL for route in scope["app"].router.routes)


def allowed_methods(scope: Scope) -> list[str]:
    """Every method the request's path serves: those its routes declare, HEAD where GET
    is, and OPTIONS (CORS preflights, answered on every path); empty if no route has it."""
    methods = {method for method in DECLARABLE if _serves(scope, method)}
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


class MethodsMiddleware:
    """A HEAD where a route serves GET runs as that GET, and its body is dropped: the same
    status and headers (Content-Length, ETag, a 304 for a current copy) without the body.
    A streamed export stops at its first chunk: once the response is complete, the server
    tells the stream that the client has gone.

    An OPTIONS that is not a CORS preflight (CORS, outside, answers those) is a 204 whose
    Allow lists the path's methods, as a 405's does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = allowed_methods(scope)
            if allowed:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", ", ".join(allowed).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        # Also where Starlette serves HEAD itself (files, the OpenAPI document): its HEAD
        # skips compression, which would give other headers than the GET.
        if scope["type"] != "http" or scope["method"] != "HEAD" or not _serves(scope, "GET"):
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] != "http.response.body":
                await send(message)
            elif not finished:
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
