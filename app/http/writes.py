"""What every write request brings, read in one place: who writes (the token, checked before
anything else), the body (read only then), and for a change to a stored record the revision
it replaces, named by If-Match (the ETag of a read) or by `revision` in the body, so that
no one's edit is lost. A stale revision named by If-Match is a 412; named in the body, a 409.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Header
from pydantic import BaseModel

from app.domain.roles import Actor
from app.errors import PreconditionFailed, PreconditionRequired, StaleRevision
from app.http.bodies import json_body
from app.http.conditional import RECORD_ETAG


class NamesRevision(Protocol):
    revision: int | None


BodyT = TypeVar("BodyT", bound=BaseModel)

# The header of an edit or retraction naming the revision it replaces.
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the revision you are replacing (from GET)."),
]


@dataclass(frozen=True)
class NewRecord(Generic[BodyT]):
    """A creation: who, and the checked body."""

    actor: Actor
    body: BodyT


@dataclass(frozen=True)
class RecordChange(Generic[BodyT]):
    """A change to a stored record: who, the checked body, which record, and the revision
    it replaces (`via_header`: named by If-Match)."""

    actor: Actor
    body: BodyT
    record_id: int
    revision: int
    via_header: bool

    @contextmanager
    def replacing(self) -> Iterator[None]:
        """Apply the change: a revision gone stale meanwhile is a 412 when If-Match named
        it, and stays a 409 when the body did."""
        try:
            yield
        except StaleRevision as exc:
            if self.via_header:
                raise PreconditionFailed(exc.detail, **exc.extra) from None
            raise


def expected_revision(
    if_match: str | None, body_revision: int | None, *, kind: str, record_id: int
) -> tuple[int, bool]:
    """(the revision to replace, whether it came from If-Match)."""
    if if_match is not None:
        match = RECORD_ETAG.match(if_match.strip())
        if match is None or (match["kind"], int(match["id"])) != (kind, record_id):
            raise PreconditionFailed(
                f"If-Match {if_match} is not an ETag of {kind} {record_id}; send the ETag "
                f"header of GET /v1/{kind}s/{record_id} unchanged."
            )
        return int(match["revision"]), True
    if body_revision is not None:
        return body_revision, False
    raise PreconditionRequired(
        "Name the revision you are replacing, so that no one's edit is lost: send If-Match "
        f"with the ETag of GET /v1/{kind}s/{record_id}, or `revision` in the body."
    )


def new_record(model: type[BodyT], *, writer: Callable[..., Actor]) -> Any:
    """The dependency of a creation: `writer` (the role check) first, then the body."""

    def creation(
        actor: Annotated[Actor, Depends(writer)],
        body: Annotated[model, Depends(json_body(model, after=writer))],  # type: ignore[valid-type]
    ) -> NewRecord[BodyT]:
        return NewRecord(actor, body)

    return Depends(creation)


def record_change(
    model: type[BodyT], *, kind: str, record: Any, writer: Callable[..., Actor]
) -> Any:
    """The dependency of a change to the `kind` named by the path (`record`: its id's
    annotated type, with its dependency): `writer` first, then the body, then the revision
    it replaces."""

    def change(
        record_id: record,  # type: ignore[valid-type]
        actor: Annotated[Actor, Depends(writer)],
        body: Annotated[model, Depends(json_body(model, after=writer))],  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> RecordChange[BodyT]:
        named: NamesRevision = body
        revision, via_header = expected_revision(
            if_match, named.revision, kind=kind, record_id=record_id
        )
        return RecordChange(actor, body, record_id, revision, via_header)

    return Depends(change)
