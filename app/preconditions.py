"""Optimistic concurrency: an edit names the revision it replaces, by If-Match (the ETag
from a GET) or, for clients that cannot set headers, `revision` in the body."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import PreconditionFailed, PreconditionRequired, StaleRevision

# "observation-12-r3-<digest>": the digest tells representations apart for caching; an
# edit's precondition is the revision.
ETAG_PATTERN = re.compile(r'^"(?P<kind>[a-z]+)-(?P<id>\d+)-r(?P<revision>\d+)(?:-[0-9a-f]+)?"$')


def expected_revision(
    if_match: str | None, body_revision: int | None, *, kind: str, record_id: int
) -> tuple[int, bool]:
    """(the revision to replace, whether it came from If-Match)."""
    if if_match is not None:
        match = ETAG_PATTERN.match(if_match.strip())
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


@contextmanager
def stale_revision_as(via_header: bool) -> Iterator[None]:
    """A stale revision named by If-Match is a 412; named in the body, a 409."""
    try:
        yield
    except StaleRevision as exc:
        if via_header:
            raise PreconditionFailed(exc.detail, **exc.extra) from None
        raise
