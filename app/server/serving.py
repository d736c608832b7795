"""The HTTP protocol `laborstats serve` runs: uvicorn's, with the timeouts it lacks.

uvicorn closes a kept-alive connection idle for `timeout_keep_alive`, but starts that clock
only after a response: a connection that never sends a request, or sends its head a byte
at a time (slowloris), stays open for good, and a client that stops reading a response
keeps it, and whatever the response holds (an export's database connection), for good.
So:

- a request head (request line and headers) must be complete within HEADER_TIMEOUT_S of
  the connection opening, or of the previous response ending; otherwise it is closed;
- a request body may not pause for longer than BODY_TIMEOUT_S (slowloris on the body, with
  the write's token and connection held) unless the server is the one not reading;
- a response whose client reads nothing for SEND_TIMEOUT_S (the write buffer stays above
  its high-water mark) is cut: the connection is aborted, which ends the response's stream
  and gives back what it held."""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """Passed to uvicorn as `http=` (by import string, so that every worker loads it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        settings = get_settings()
        self.header_timeout = settings.header_timeout_s
        self.send_timeout = settings.send_timeout_s
        self.body_timeout = settings.body_timeout_s
        self.head_timer: asyncio.TimerHandle | None = None
        self.body_timer: asyncio.TimerHandle | None = None
        self.send_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()
        self._await_body()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._await_body()

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn armed its keep-alive timer: nothing pipelined, the next head is awaited.
        if self.timeout_keep_alive_task is not None:
            self._await_head()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timer is None:
            self.send_timer = self.loop.call_later(self.send_timeout, self._cut_stalled_client)

    def resume_writing(self) -> None:
        self._cancel_send_timer()
        super().resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        self._cancel_send_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._cancel_head_timer()
        self.head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self.head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _await_body(self) -> None:
        self._cancel_body_timer()
        self.body_timer = self.loop.call_later(self.body_timeout, self._body_too_slow)

    def _body_too_slow(self) -> None:
        self.body_timer = None
        if self.flow.read_paused:  # the application is not reading: not the client's pause
            self._await_body()
        elif not self.transport.is_closing():
            self.transport.close()

    def _cut_stalled_client(self) -> None:
        """Abort, not close: closing waits for the buffer to drain, which it never will."""
        self.send_timer = None
        self.transport.abort()

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _cancel_body_timer(self) -> None:
        if self.body_timer is not None:
            self.body_timer.cancel()
            self.body_timer = None

    def _cancel_send_timer(self) -> None:
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None
