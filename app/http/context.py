"""What one request shares: a read context that reads the data version and the catalog
at most once, in one snapshot, and that the cache middleware reads for its headers; and,
for writes, the unit of work that commits (and so bumps the data version) only when the
handler succeeds.

A request holds a database connection only while a thread works on it: the context opens
its session in the handler's thread, on first use, and closes it when the handler returns.
Holding one across the wait for a thread lets more clients than pooled connections take
every connection while the threads wait for one."""

import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Annotated, Any, TypeVar

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.state import DataState, read_state
from app.db import DataSession, read_session
from app.errors import ExportsBusy

STATE_KEY = "request_context"
T = TypeVar("T")


class ExportSlots:
    """Places for whole exports in one process. A streamed export holds its database
    connection for as long as its client takes to read it, so the number at once is
    bounded below the pool's size (which counts them): stalled exports can never take the
    connections other requests need. One more is refused at once, never queued."""

    def __init__(self, places: int, *, retry_after_s: int) -> None:
        self._places = threading.BoundedSemaphore(places)
        self.retry_after_s = retry_after_s

    def take(self) -> None:
        if not self._places.acquire(blocking=False):
            raise ExportsBusy(
                "Every place for a whole export is taken; try again in a moment, or read "
                "the selection a page at a time with cursor.",
                retry_after_s=self.retry_after_s,
            )

    def give_back(self) -> None:
        self._places.release()


class RequestContext:
    """Read lazily, each at most once: a session on one snapshot, the data version it
    sees (its first read, so the cache headers always describe the body), and the catalog
    for that version (from the process's cache)."""

    def __init__(self, app_state: Any) -> None:
        self._app_state = app_state
        self._session: Session | None = None
        self._state: DataState | None = None
        self._catalog: Catalog | None = None
        self._export_slots: ExportSlots | None = None  # held while an export streams

    @property
    def session(self) -> Session:
        return self._open()[0]

    @property
    def state(self) -> DataState:
        return self._state if self._state is not None else self._open()[1]

    def _open(self) -> tuple[Session, DataState]:
        if self._session is None or self._state is None:
            self._session = read_session(self._app_state.engine)
            self._state = read_state(self._session)
        return self._session, self._state

    @property
    def state_if_read(self) -> DataState | None:
        """The data version, if the request read it (for headers, without a query)."""
        return self._state

    @property
    def data_version(self) -> int:
        return self.state.version

    @property
    def is_open(self) -> bool:
        return self._session is not None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = self._app_state.catalogs.get(self.session, self.state.version)
        return self._catalog

    def hand_over(self) -> "RequestContext":
        """A context that takes over this one's snapshot, for a response that goes on
        reading after the handler returns (a streamed export); this one is left closed.
        It takes one of the process's export places (ExportsBusy when none is free), given
        back when the stream ends."""
        session, state = self._open()
        slots: ExportSlots = self._app_state.export_slots
        slots.take()
        successor = RequestContext(self._app_state)
        successor._export_slots = slots
        successor._session, successor._state, successor._catalog = session, state, self._catalog
        self._session = None
        return successor

    def close(self) -> None:
        """Ends the read: a rollback, never a commit."""
        try:
            if self._session is not None:
                self._session.close()
                self._session = None
        finally:
            if self._export_slots is not None:
                self._export_slots.give_back()
                self._export_slots = None


def closing_after(context: RequestContext, items: Iterable[T]) -> Iterator[T]:
    """Yields `items`, then ends `context`'s read, however the stream ends."""
    try:
        yield from items
    finally:
        context.close()


def request_context(scope_state: dict[str, Any], app_state: Any) -> RequestContext:
    """The request's context, made on first use (by the cache middleware, or by the first
    dependency that needs it)."""
    context = scope_state.get(STATE_KEY)
    if context is None:
        context = scope_state[STATE_KEY] = RequestContext(app_state)
    return context


async def get_request_context(request: Request) -> AsyncIterator[RequestContext]:
    """Closed as soon as the handler returns, before the response is sent. Async, so that
    making the (lazy) context costs no trip to a worker thread. Ending a SQLite read is a
    local call of microseconds, made right here; on PostgreSQL it is a round trip, made
    from a thread of its own (which a cancelled request still makes) so that the event
    loop never waits on the network."""
    context = request_context(request.scope.setdefault("state", {}), request.app.state)
    try:
        yield context
    finally:
        if context.is_open and request.app.state.engine.dialect.name == "sqlite":
            context.close()
        if context.is_open:
            with CancelScope(shield=True):
                await to_thread.run_sync(context.close, limiter=CapacityLimiter(1))


def get_unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per write request: committed when the handler succeeds (bumping the
    data version if the dataset changed), rolled back otherwise."""
    with DataSession(request.app.state.write_engine) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


ContextDep = Annotated[RequestContext, Depends(get_request_context, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_unit_of_work, scope="function")]
