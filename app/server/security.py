"""What browsers are told: security headers on every response, and who may call from a page.

Every response says `X-Content-Type-Options: nosniff` (a CSV or JSON body is never run as
a script or a page) and `Referrer-Policy: no-referrer` (links out of the docs need not tell
anyone which URL, filters included, a reader was on; the API needs no referrer either).
JSON, CSV and errors get a CSP that allows nothing. The docs pages (/docs, /redoc) get one
that allows the page's own files and, of inline scripts, only those FastAPI renders for
these pages, by hash: never 'unsafe-inline' for scripts. A page of our own (the explorer)
sends the strictest that still runs it, STRICT_PAGE_POLICY: its own script, styles and API,
nothing inline; a policy a response sets itself is kept.

CORS has two policies: public reads (GET or HEAD without a token) from the origins listed
in CORS_ALLOW_ORIGINS (default any); writes, and any request carrying a token, only from the
origins in CORS_WRITE_ORIGINS (default none: a page elsewhere cannot make a reader's
browser send an editor's token)."""

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.problems import problem_response
from app.server.caching import one_vary

REFERRER_POLICY = "no-referrer"
# Anything that is not a page: nothing to load, run or frame.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The docs pages: their scripts, styles, images and fonts from this server (Swagger UI and
# ReDoc set inline styles, which run nothing), the OpenAPI document fetched from it, and
# ReDoc's search worker, which it starts from a blob.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(pages: Iterable[str]) -> list[str]:
    """CSP sources for every inline script of `pages`."""
    found = dict.fromkeys(script for page in pages for script in _INLINE_SCRIPT.findall(page))
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in found
    ]


def docs_pages(app: FastAPI, root_path: str) -> list[str]:
    """The pages fastapi_offline serves with inline scripts, as FastAPI renders them for
    this app: only the OpenAPI URL, the OAuth2 redirect and the Swagger UI parameters reach
    a script (ReDoc's page has none)."""
    swagger = get_swagger_ui_html(
        openapi_url=f"{root_path}{app.openapi_url}",
        title=app.title,
        oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    return [
        bytes(swagger.body).decode(),
        bytes(get_swagger_ui_oauth2_redirect_html().body).decode(),
    ]


def install(app: Starlette) -> None:
    """Wrap the app's whole middleware stack, Starlette's ServerErrorMiddleware included
    (which answers a crash's 500 outside every middleware `add_middleware` adds), so that
    every response carries the headers. Call it before `observability.install`, which
    stays outermost."""
    build_stack = app.build_middleware_stack

    def build_secured_stack() -> ASGIApp:
        return SecurityHeadersMiddleware(build_stack())

    app.build_middleware_stack = build_secured_stack  # type: ignore[method-assign]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._page_policies: dict[str, str] = {}  # by root path: the scripts name it

    def _page_policy(self, app: FastAPI, root_path: str) -> str:
        policy = self._page_policies.get(root_path)
        if policy is None:
            scripts = " ".join(script_hashes(docs_pages(app, root_path)))
            policy = self._page_policies[root_path] = PAGE_POLICY.format(scripts=scripts)
        return policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path: str = scope.get("root_path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = REFERRER_POLICY
                if "content-security-policy" not in headers:  # a page may set a stricter one
                    page = headers.get("content-type", "").startswith("text/html")
                    policy = self._page_policy(scope["app"], root_path) if page else API_POLICY
                    headers["Content-Security-Policy"] = policy
                # Outermost, so the one place that sees every Vary the layers inside added.
                if vary := headers.getlist("vary"):
                    headers["Vary"] = one_vary(vary)
            await send(message)

        await self.app(scope, receive, send_with_headers)


PUBLIC_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE"]
WRITE_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "X-Request-ID",
]


class ProblemCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, whose refused preflight is a problem like every other error (its
    own is a text/plain 400)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        preflight = (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )
        if not preflight:
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code == 400:
            response = self._refusal(response, instance=scope["path"])
        await response(scope, receive, send)

    @staticmethod
    def _refusal(response: Response, *, instance: str) -> Response:
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        problem = problem_response(
            status=400,
            slug="cors-refused",
            title="CORS request refused",
            detail=f"A browser may not send this request from this page (its {refused} is "
            "not allowed). Public reads are open to the origins CORS_ALLOW_ORIGINS lists; "
            "writes and requests with a token only to those CORS_WRITE_ORIGINS lists.",
            instance=instance,
        )
        if "vary" in response.headers:
            problem.headers["Vary"] = response.headers["vary"]
        return problem


class SplitCorsMiddleware:
    """CORS with one policy for public reads and another for writes and token requests,
    chosen by the method a request (or a preflight) asks for and whether it carries a
    token. Browsers enforce it; the server refuses nothing by it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        read_origins: list[str],
        write_origins: list[str],
        expose_headers: list[str],
    ) -> None:
        self.app = app
        self.public = ProblemCorsMiddleware(
            app,
            allow_origins=read_origins,
            allow_methods=sorted(PUBLIC_METHODS),
            allow_headers=["*"],
            expose_headers=expose_headers,
        )
        self.trusted = ProblemCorsMiddleware(
            app,
            allow_origins=write_origins,
            allow_methods=WRITE_METHODS,
            allow_headers=WRITE_HEADERS,
            expose_headers=expose_headers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.trusted if _needs_trust(scope) else self.public
        await policy(scope, receive, send)


def _needs_trust(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    method: str = scope["method"]
    asked = headers.get("access-control-request-method")
    if method == "OPTIONS" and asked is not None:  # a preflight: what will be sent?
        names = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
        }
        return asked.upper() not in PUBLIC_METHODS or "authorization" in names
    return method not in PUBLIC_METHODS or "authorization" in headers
