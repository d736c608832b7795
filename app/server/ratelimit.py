"""Rate limits, as an ASGI middleware between CORS and compression: reads per client
address, writes per token, and a stricter budget per address for failed authentication,
past which a request carrying a token gets 429 before the token is looked at.

Every limited response carries the `RateLimit-Policy` and `RateLimit` fields of
draft-ietf-httpapi-ratelimit-headers (-10): `"reads";q=1800;w=60` and `"reads";r=1799;t=1`,
where `t` is the seconds until the whole quota is back, or on a 429 the seconds until the
next request may pass (the same as `Retry-After`, which the draft wants no earlier).

Each budget is GCRA (the generic cell rate algorithm, a token bucket kept as one number per
key): the moment the key's bucket will be full again. A key whose moment has passed is the
same as no key, so memory holds only clients seen within a window, swept as it grows. State
is per process; with several workers each enforces its share (`RATE_LIMIT_WORKERS`).
"""

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import TooManyRequests
from app.server.errors import handle_app_error

# Probes and scrapers must see the server as it is, however busy a client keeps it.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SWEEP_AT_LEAST = 10_000  # keys held before the first sweep of refilled ones
# Rounding slack so that q requests at one instant leave r=0, not r=-1 through float error.
EPSILON = 1e-9


@dataclass(frozen=True)
class Verdict:
    budget: "Budget"
    allowed: bool
    remaining: int
    seconds: int  # until the quota is whole again; if refused, until the next request passes

    @property
    def field(self) -> str:
        return f'"{self.budget.name}";r={self.remaining};t={self.seconds}'


class Budget:
    """`quota` requests per `window` seconds for each key, refilled continuously."""

    def __init__(
        self, name: str, quota: int, window: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name, self.quota, self.window = name, quota, window
        self.policy = f'"{name}";q={quota};w={window}'
        self._interval = window / quota
        self._full_at: dict[str, float] = {}
        self._sweep_at = SWEEP_AT_LEAST
        self._clock = clock

    def __len__(self) -> int:
        """Keys held: those seen within a window, and refilled ones not yet swept."""
        return len(self._full_at)

    def take(self, key: str) -> Verdict:
        """Spend one request of `key`'s quota if there is one left."""
        return self._judge(key, spend=True)

    def peek(self, key: str) -> Verdict:
        """Whether `key` could spend one now, spending nothing."""
        return self._judge(key, spend=False)

    def charge(self, key: str) -> Verdict:
        """Spend one whatever is left: for what is known only after the request was let in
        (a failed authentication), so that many let in together are each paid for, with a
        wait as long as they overdrew."""
        return self._judge(key, spend=True, overdraw=True)

    def _judge(self, key: str, *, spend: bool, overdraw: bool = False) -> Verdict:
        now = self._clock()
        full_at = max(self._full_at.get(key, now), now)
        wait = full_at + self._interval - self.window - now
        if wait > EPSILON and not overdraw:
            return Verdict(self, allowed=False, remaining=0, seconds=math.ceil(wait))
        if spend:
            full_at += self._interval
            self._full_at[key] = full_at
            if len(self._full_at) > self._sweep_at:
                self._sweep(now)
        left = (self.window - (full_at - now)) / self._interval
        return Verdict(
            self,
            allowed=True,
            remaining=max(0, math.floor(left + EPSILON)),
            seconds=math.ceil(full_at - now - EPSILON),
        )

    def _sweep(self, now: float) -> None:
        # Amortised: the next sweep waits until the table has doubled again.
        self._full_at = {key: at for key, at in self._full_at.items() if at > now}
        self._sweep_at = max(SWEEP_AT_LEAST, 2 * len(self._full_at))


def budget_from(name: str, quota: int, window: int, workers: int) -> Budget | None:
    """This process's share of a budget; None when the setting is 0 (no limit)."""
    return Budget(name, max(1, quota // workers), window) if quota else None


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (behind a proxy, uvicorn's --proxy-headers
    and FORWARDED_ALLOW_IPS decide it); IPv6 by /64, the network one host is given."""
    client = scope.get("client")
    if not client:
        return "unknown"
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return str(client[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def authorization(scope: Scope) -> str | None:
    """The Authorization header's value, if the request has one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


class RateLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, settings: Settings, token_key: Callable[[str], str | None]
    ) -> None:
        self.app = app
        # How a token names its key, without the database (given by the app factory:
        # app.http knows no resource).
        self.token_key = token_key
        workers = settings.rate_limit_workers
        window = settings.rate_limit_window_seconds
        self.reads = budget_from("reads", settings.rate_limit_reads, window, workers)
        self.writes = budget_from("writes", settings.rate_limit_writes, window, workers)
        self.auth_failures = budget_from(
            "auth-failures",
            settings.rate_limit_auth_failures,
            settings.rate_limit_auth_failure_window_seconds,
            workers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        credentials = authorization(scope)
        guard = self.auth_failures if credentials is not None else None
        if guard is not None:
            verdict = guard.peek(address)
            if not verdict.allowed:
                await self._refuse(scope, receive, send, verdict)
                return
        budget, key = self._budget_for(scope["method"], address, credentials)
        verdicts: list[Verdict] = []
        if budget is not None:
            verdict = budget.take(key)
            if not verdict.allowed:
                await self._refuse(scope, receive, send, verdict)
                return
            verdicts.append(verdict)

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                shown = verdicts
                if guard is not None and message["status"] == 401:
                    shown = [*verdicts, guard.charge(address)]
                if shown:
                    _add_fields(MutableHeaders(scope=message), shown)
            await send(message)

        await self.app(scope, receive, send_with_fields)

    def _budget_for(
        self, method: str, address: str, credentials: str | None
    ) -> tuple[Budget | None, str]:
        if method in READ_METHODS:
            return self.reads, address
        scheme, _, token = (credentials or "").partition(" ")
        key_id = self.token_key(token.strip()) if scheme.lower() == "bearer" else None
        # No token to count by: the address pays (and such a write is refused with 401).
        return self.writes, f"token {key_id}" if key_id else f"address {address}"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, verdict: Verdict) -> None:
        name = verdict.budget.name
        if name == "auth-failures":
            detail = (
                "Too many requests with a wrong token from this address: no token is checked "
                f"from it for {verdict.seconds} s (Retry-After)."
            )
        else:
            who = "from this address" if name == "reads" else "with this token"
            detail = (
                f"More than {verdict.budget.quota} {name} in {verdict.budget.window} s {who}; "
                f"try again in {verdict.seconds} s (Retry-After)."
            )
        error = TooManyRequests(
            detail,
            retry_after_s=verdict.seconds,
            **{"violated-policies": [name]},
        )
        response = await handle_app_error(Request(scope), error)
        _add_fields(response.headers, [verdict])
        await response(scope, receive, send)


def _add_fields(headers: MutableHeaders, verdicts: list[Verdict]) -> None:
    headers.append("RateLimit-Policy", ", ".join(v.budget.policy for v in verdicts))
    headers.append("RateLimit", ", ".join(v.field for v in verdicts))
