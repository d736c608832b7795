"""HTTP caching of public reads. Every write bumps one data version; a GET's ETag is that
version plus a digest of what was asked (URL, the format Accept asks for, compression).

A client revalidating its copy (If-None-Match or If-Modified-Since) is answered here: one
short read of the data version, on a connection given back at once, and a 304 when the
copy is current, before routing or any query. Every other read reads the data version once,
in the handler's snapshot, and this middleware builds the ETag and Last-Modified from that
same reading, so the validators always describe the body they come with.

Resources with an ETag of their own (an observation or source by id, which also serves
If-Match for edits) are compared after the handler, and their body is dropped for a 304."""

from datetime import UTC
from email.utils import format_datetime

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.dataset.state import DataState, read_state
from app.http.conditional import Conditional, matches
from app.http.context import request_context
from app.http.formats import accepted_format

# An admin's and an editor's reads, which no shared cache may keep.
UNCACHED_PREFIXES = ("/v1/audit", "/v1/drafts", "/v1/webhooks")


def read_data_state(engine: Engine) -> DataState:
    """The data version, on a connection held only for this one statement."""
    with engine.connect() as connection:
        return read_state(connection)


def one_vary(values: list[str]) -> str:
    """Vary headers as one, each name once: the cache, compression and CORS each add the
    names they vary on, and a repeated name is noise to every cache."""
    names: dict[str, str] = {}
    for value in values:
        for name in value.split(","):
            if name.strip():
                names.setdefault(name.strip().lower(), name.strip())
    return ", ".join(names.values())


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
        if conditional.revalidates:
            state = await run_in_threadpool(read_data_state, scope["app"].state.engine)
            if conditional.is_fresh(state.version, state.updated_at):
                await self._not_modified(send, self._validators(conditional, state))
                return
        context = request_context(scope.setdefault("state", {}), scope["app"].state)
        dropping_body = False

        async def send_with_validators(message: Message) -> None:
            nonlocal dropping_body
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                validators = self._validators(conditional, context.state_if_read)
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

        await self.app(scope, receive, send_with_validators)

    def _validators(self, conditional: Conditional, state: DataState | None) -> dict[str, str]:
        validators = {"Cache-Control": self.cache_control, "Vary": "Accept, Accept-Encoding"}
        if state is not None:
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
        """Whatever can change the representation: the URL, the format the Accept header
        asks for (negotiated here, once, for the handler too) and compression."""
        query = scope.get("query_string", b"").decode("latin-1")
        accepted = accepted_format(scope.setdefault("state", {}), headers.get("accept"))
        gzip = "gzip" in headers.get("accept-encoding", "")
        return Conditional(
            asked=f"{scope['path']}?{query}|{accepted}|{gzip}",
            if_none_match=headers.get("if-none-match"),
            if_modified_since=headers.get("if-modified-since"),
        )

    @staticmethod
    async def _not_modified(send: Send, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
