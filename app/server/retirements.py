"""Retired query parameters: what the API's versioning promise (README, "Versioning"; `/v1`'s
`versioning`) allows to go, and how a client hears of it first. A parameter being retired
keeps working for its notice period; every response to a request that uses it says so:
`Deprecation` (RFC 9745: since when), `Sunset` (RFC 8594: the last day it works), and a
`Link` to what replaces it. None is being retired now."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# At least this long between the first Deprecation header and the Sunset.
NOTICE_DAYS = 180


@dataclass(frozen=True)
class Retirement:
    path: str  # the route, as requested: /v1/observations
    parameter: str
    instead: str  # what to use, said in the Link's title
    announced: date
    sunset: date  # the last day the parameter is honoured
    docs: str = "/docs"

    def __post_init__(self) -> None:
        if (self.sunset - self.announced).days < NOTICE_DAYS:
            raise ValueError(f"{self.parameter}: less than {NOTICE_DAYS} days' notice")

    def headers(self) -> dict[str, str]:
        announced = datetime.combine(self.announced, time(), tzinfo=UTC)
        last = datetime.combine(self.sunset, time(23, 59, 59), tzinfo=UTC)
        return {
            "Deprecation": f"@{int(announced.timestamp())}",
            "Sunset": format_datetime(last, usegmt=True),
            "Link": f'<{self.docs}>; rel="deprecation"; title="use {self.instead}"',
        }


# What is being retired, and when it goes; empty while nothing is.
RETIRED: tuple[Retirement, ...] = ()


class RetirementMiddleware:
    """Adds the retirement headers to the response of a request using a retired parameter."""

    def __init__(self, app: ASGIApp, *, retired: Sequence[Retirement] = RETIRED) -> None:
        self.app = app
        self.retired = {(r.path, r.parameter): r for r in retired}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.retired:
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"))}
        found = [
            self.retired[(scope["path"], name)]
            for name in sorted(names)
            if (scope["path"], name) in self.retired
        ]
        if not found:
            await self.app(scope, receive, send)
            return

        async def announcing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for retirement in found:
                    for name, value in retirement.headers().items():
                        if name == "Link" and "link" in headers:
                            headers["Link"] = f"{headers['Link']}, {value}"
                        else:
                            headers[name] = value
            await send(message)

        await self.app(scope, receive, announcing)
