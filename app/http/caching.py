"""HTTP caching of public reads. Every write bumps one data version; a GET's ETag is that
version plus a digest of what was asked (URL, Accept, compression), so a repeat request
with If-None-Match is answered 304 after reading one row, without running its query. The
version is read into the request's context, where the handler finds it again.

Resources with an ETag of their own (an observation or source by id, which also serves
If-Match for edits) are compared after the handler, and their body is dropped for a 304."""

from datetime import UTC
from email.utils import format_datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.dataset.state import DataState
from app.http.conditional import list_etag, matches, not_modified_since
from app.http.context import RequestContext, request_context

UNCACHED_PREFIXES = ("/v1/audit",)


class HttpCacheMiddleware:
    def __init__(self, app: ASGIApp, *, max_age: int) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        context = request_context(scope.setdefault("state", {}), scope["app"].state)
        try:
            await self._answer(context, scope, receive, send)
        finally:
            if context.is_open:  # the handler never ran, or failed before closing it
                await run_in_threadpool(context.close)

    async def _answer(
        self, context: RequestContext, scope: Scope, receive: Receive, send: Send
    ) -> None:
        request_headers = Headers(scope=scope)
        state: DataState = await run_in_threadpool(lambda: context.state)
        etag = self._etag(scope, request_headers, state.version)
        validators = {"Cache-Control": self.cache_control, "Vary": "Accept, Accept-Encoding"}
        if state.updated_at is not None:
            validators["Last-Modified"] = format_datetime(
                state.updated_at.astimezone(UTC), usegmt=True
            )
        if self._fresh(request_headers, etag, state):
            await self._not_modified(send, {**validators, "ETag": etag})
            return

        dropping_body = False

        async def send_with_validators(message: Message) -> None:
            nonlocal dropping_body
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                own_etag = headers.get("etag")
                if own_etag and matches(request_headers.get("if-none-match", ""), own_etag):
                    dropping_body = True
                    await self._not_modified(send, {**validators, "ETag": own_etag})
                    return
                for name, value in validators.items():
                    headers[name] = value
                headers.setdefault("ETag", etag)
            elif message["type"] == "http.response.body" and dropping_body:
                return
            await send(message)

        await self.app(scope, receive, send_with_validators)

    @staticmethod
    def _cacheable(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path: str = scope["path"]
        if not path.startswith("/v1") or path.startswith(UNCACHED_PREFIXES):
            return False
        return not Headers(scope=scope).get("authorization")

    @staticmethod
    def _etag(scope: Scope, headers: Headers, version: int) -> str:
        """Whatever can change the representation: the URL, the Accept header (negotiated
        once, by the handler) and compression."""
        query = scope.get("query_string", b"").decode("latin-1")
        gzip = "gzip" in headers.get("accept-encoding", "")
        return list_etag(version, f"{scope['path']}?{query}|{headers.get('accept', '')}|{gzip}")

    @staticmethod
    def _fresh(headers: Headers, etag: str, state: DataState) -> bool:
        if "if-none-match" in headers:
            return matches(headers["if-none-match"], etag)
        if "if-modified-since" in headers:
            return not_modified_since(headers["if-modified-since"], state.updated_at)
        return False

    @staticmethod
    async def _not_modified(send: Send, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
