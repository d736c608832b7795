"""HTTP caching of public reads. Every write bumps one data version; a GET's ETag is that
version plus a digest of what was asked (URL, format, compression), so a repeat request
with If-None-Match is answered 304 after reading one row, without running its query.

Resources with an ETag of their own (an observation or source by id, which also serves
If-Match for edits) are compared after the handler, and their body is dropped for a 304."""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.formats import negotiate

UNCACHED_PREFIXES = ("/v1/audit",)


def read_data_state(engine: Engine) -> tuple[int, datetime | None]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT data_version, updated_at FROM dataset_state WHERE id = 1")
        ).first()
    if row is None:
        return 0, None
    version, updated_at = row
    if isinstance(updated_at, str):  # SQLite hands back text for a raw query
        updated_at = datetime.fromisoformat(updated_at)
    if updated_at is not None and updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return version, updated_at


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
        for tag in if_none_match.split(",")
    )


def not_modified_since(if_modified_since: str, last_modified: datetime | None) -> bool:
    if last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


class HttpCacheMiddleware:
    def __init__(self, app: ASGIApp, *, max_age: int) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        version, updated_at = await run_in_threadpool(read_data_state, scope["app"].state.engine)
        etag = self._etag(scope, request_headers, version)
        validators = {
            "Cache-Control": self.cache_control,
            "Vary": "Accept, Accept-Encoding",
        }
        if updated_at is not None:
            validators["Last-Modified"] = format_datetime(updated_at.astimezone(UTC), usegmt=True)
        if self._fresh(request_headers, etag, updated_at):
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
        query = scope.get("query_string", b"").decode("latin-1")
        representation = negotiate(None, headers.get("accept"))
        gzip = "gzip" in headers.get("accept-encoding", "")
        asked = f"{scope['path']}?{query}|{representation}|{gzip}"
        digest = hashlib.blake2b(asked.encode(), digest_size=8).hexdigest()
        return f'"v{version}-{digest}"'

    @staticmethod
    def _fresh(headers: Headers, etag: str, updated_at: datetime | None) -> bool:
        if "if-none-match" in headers:
            return matches(headers["if-none-match"], etag)
        if "if-modified-since" in headers:
            return not_modified_since(headers["if-modified-since"], updated_at)
        return False

    @staticmethod
    async def _not_modified(send: Send, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
