"""HTTP caching of public reads. Every write bumps one data version; a GET's ETag is that
version plus a digest of what was asked (URL, Accept, compression), so a repeat request
with If-None-Match is answered 304 after reading one row, without running its query.

This middleware reads nothing itself: it gives the request's context what the request
asked (`Conditional`), the context reads the data version in the handler's thread and
raises NotModified when the client's copy is current, and the middleware answers that with
304, or adds the validators to a 200 from the version the context read.

Resources with an ETag of their own (an observation or source by id, which also serves
If-Match for edits) are compared after the handler, and their body is dropped for a 304."""

from datetime import UTC
from email.utils import format_datetime

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.conditional import Conditional, NotModified, matches
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
        request_headers = Headers(scope=scope)
        conditional = self._conditional(scope, request_headers)
        context = request_context(scope.setdefault("state", {}), scope["app"].state, conditional)
        dropping_body = False

        async def send_with_validators(message: Message) -> None:
            nonlocal dropping_body
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                validators = self._validators(context)
                own_etag = headers.get("etag")
                if own_etag and matches(request_headers.get("if-none-match", ""), own_etag):
                    dropping_body = True
                    await self._not_modified(send, {**validators, "ETag": own_etag})
                    return
                for name, value in validators.items():
                    if name != "ETag" or "etag" not in headers:  # a record's own ETag stays
                        headers[name] = value
            elif message["type"] == "http.response.body" and dropping_body:
                return
            await send(message)

        try:
            await self.app(scope, receive, send_with_validators)
        except NotModified:
            await self._not_modified(send, self._validators(context))

    def _validators(self, context: RequestContext) -> dict[str, str]:
        validators = {"Cache-Control": self.cache_control, "Vary": "Accept, Accept-Encoding"}
        state, conditional = context.state_if_read, context.conditional
        if state is not None and conditional is not None:
            validators["ETag"] = conditional.etag(state.version)
            if state.updated_at is not None:
                validators["Last-Modified"] = format_datetime(
                    state.updated_at.astimezone(UTC), usegmt=True
                )
        return validators

    @staticmethod
    def _cacheable(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path: str = scope["path"]
        if not path.startswith("/v1") or path.startswith(UNCACHED_PREFIXES):
            return False
        return not Headers(scope=scope).get("authorization")

    @staticmethod
    def _conditional(scope: Scope, headers: Headers) -> Conditional:
        """Whatever can change the representation: the URL, the Accept header (negotiated
        once, by the handler) and compression."""
        query = scope.get("query_string", b"").decode("latin-1")
        gzip = "gzip" in headers.get("accept-encoding", "")
        return Conditional(
            asked=f"{scope['path']}?{query}|{headers.get('accept', '')}|{gzip}",
            if_none_match=headers.get("if-none-match"),
            if_modified_since=headers.get("if-modified-since"),
        )

    @staticmethod
    async def _not_modified(send: Send, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
