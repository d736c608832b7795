"""A reverse proxy in front of several instances, as small as a test needs and as
forgiving as nginx's default (`proxy_next_upstream error timeout`): each connection goes
to the next instance in turn, and an instance that refuses the connection, or closes it
before the first byte of an answer, is passed over for the next. One request per
connection: the proxy asks each instance to close after answering. Its sockets keep small
buffers, so that an answer is only over for the instance once its client has read it all
(nginx would buffer the answer instead, on disk if need be)."""

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import count

CHUNK = 64 * 1024
BUFFER = 64 * 1024  # per socket: a long answer stays in flight on the instance answering it
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
CONNECTION_HEADER = re.compile(rb"\r\nconnection:[^\r]*", re.IGNORECASE)
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


async def _read_request(client: asyncio.StreamReader) -> bytes:
    """The request's head, rewritten to close after the answer, and its body."""
    head = await client.readuntil(b"\r\n\r\n")
    length = CONTENT_LENGTH.search(head)
    body = await client.readexactly(int(length[1])) if length else b""
    head = CONNECTION_HEADER.sub(b"", head[:-4]) + b"\r\nconnection: close\r\n\r\n"
    return head + body


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    instance = socket.socket()
    instance.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    instance.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(instance, ("127.0.0.1", port))
    except OSError:
        instance.close()
        raise
    return await asyncio.open_connection(sock=instance, limit=CHUNK)


class Proxy:
    def __init__(self, instances: list[int]) -> None:
        self.instances = instances  # ports on 127.0.0.1
        self._turn = count()
        self.passed_over = 0  # connections an instance refused or closed unanswered
        self.url = ""

    async def _first_answer(
        self, request: bytes
    ) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The first bytes of an answer from the first instance, in turn, that gives one."""
        start = next(self._turn)
        for offset in range(len(self.instances)):
            port = self.instances[(start + offset) % len(self.instances)]
            try:
                reader, writer = await _connect(port)
            except OSError:
                self.passed_over += 1
                continue
            try:
                writer.write(request)
                await writer.drain()
                first = await reader.read(CHUNK)
            except OSError:
                first = b""
            if first:
                return first, reader, writer
            self.passed_over += 1
            writer.close()
        return None

    async def _serve(self, client: asyncio.StreamReader, answer: asyncio.StreamWriter) -> None:
        answer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        try:
            request = await _read_request(client)
            found = await self._first_answer(request)
            if found is None:
                answer.write(BAD_GATEWAY)
            else:
                chunk, instance, upstream = found
                while chunk:
                    answer.write(chunk)
                    await answer.drain()
                    chunk = await instance.read(CHUNK)
                upstream.close()
            await answer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass  # the client went away, or an instance did mid-answer: the client sees it
        finally:
            answer.close()


@contextmanager
def proxy(instances: list[int]) -> Iterator[Proxy]:
    """A `Proxy` to `instances` listening on a free port of 127.0.0.1, in a thread of its
    own, until the block ends."""
    front = Proxy(instances)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def listen() -> None:
        server = await asyncio.start_server(front._serve, "127.0.0.1", 0)
        front.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        started.set()
        async with server:
            await server.serve_forever()

    listening = loop.create_task(listen())

    def run() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(listening)
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(timeout=10)
    try:
        yield front
    finally:
        loop.call_soon_threadsafe(listening.cancel)
        thread.join(timeout=10)
