"""A webhook subscriber for tests: a real HTTP server on 127.0.0.1 that keeps every
request it is sent, answers with the status the test sets, and can hold a request open
(to kill the API in the middle of a delivery)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict[str, Any]:
        """The payload, once standardwebhooks has verified its signature (it raises if not)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 204
    location: str | None = None
    # Set: the next request is held until `release` is set (its arrival sets `holding`).
    hold: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def payloads(self, secret: str) -> list[dict[str, Any]]:
        """Each distinct message once, in the order first received, verified."""
        seen: dict[str, dict[str, Any]] = {}
        for request in self.received:
            seen.setdefault(request.message_id, request.verified(secret))
        return list(seen.values())


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if receiver.hold.is_set():
                receiver.hold.clear()
                receiver.holding.set()
                receiver.release.wait(timeout=30)
                return  # the connection closes with no answer
            receiver.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(receiver.status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def as_json(body: bytes) -> Any:
    return json.loads(body)
