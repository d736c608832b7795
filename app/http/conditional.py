"""Conditional requests. Every ETag is built here: a list's from the data version and what
was asked, a record's from its kind, id and revision plus a digest of the body. If-None-Match
and If-Modified-Since answer 304; an If-Match (read by `writes`) names the revision an edit
replaces."""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
from fastapi import Response

# "v12-<digest>": the data version, and what was asked.
LIST_ETAG = re.compile(r'^(?:W/)?"v\d+-[0-9a-f]+"$')
# "observation-12-r3-<digest>": the digest tells representations apart for caching; an
# edit's precondition is the revision.
# At most 19 digits, as many as an id or revision has: int() refuses thousands of them.
RECORD_ETAG = re.compile(
    r'^"(?P<kind>[a-z]+)-(?P<id>\d{1,19})-r(?P<revision>\d{1,19})(?:-[0-9a-f]+)?"$'
)


def _digest(data: bytes, size: int) -> str:
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def list_etag(data_version: int, asked: str) -> str:
    """For any public read: the data version and a digest of what was asked."""
    return f'"v{data_version}-{_digest(asked.encode(), 8)}"'


def record_etag(kind: str, record_id: int, revision: int, body: bytes) -> str:
    """Names the record's revision (what If-Match needs), and changes with anything else
    in the body (an embedded source, a part)."""
    return f'"{kind}-{record_id}-r{revision}-{_digest(body, 6)}"'


def record_response(
    content: Any, *, kind: str, record_id: int, revision: int, created: bool = False
) -> Response:
    """One record as JSON, with its ETag; a new one answers 201 with its Location."""
    body = orjson.dumps(content, option=orjson.OPT_UTC_Z)
    headers = {"ETag": record_etag(kind, record_id, revision, body)}
    if created:
        headers["Location"] = f"/v1/{kind}s/{record_id}"
    return Response(
        body, status_code=201 if created else 200, headers=headers, media_type="application/json"
    )


@dataclass(frozen=True)
class Conditional:
    """A cacheable GET: what it asked (everything that can change its representation), and
    the validators it sent."""

    asked: str
    if_none_match: str | None
    if_modified_since: str | None

    def etag(self, data_version: int) -> str:
        return list_etag(data_version, self.asked)

    @property
    def revalidates(self) -> bool:
        """The client holds a copy that a list ETag or a date can vouch for (a record's
        ETag is compared with the record itself, after the handler)."""
        if self.if_none_match is not None:
            return any(
                tag.strip() == "*" or LIST_ETAG.match(tag.strip())
                for tag in self.if_none_match.split(",")
            )
        return self.if_modified_since is not None

    def is_fresh(self, data_version: int, last_modified: datetime | None) -> bool:
        """The client's copy is current: answer 304 without running the query."""
        if self.if_none_match is not None:
            return matches(self.if_none_match, self.etag(data_version))
        if self.if_modified_since is not None:
            return not_modified_since(self.if_modified_since, last_modified)
        return False


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


def written_response(document: Any, *, kind: str, record: Any, created: bool = False) -> Response:
    """A write's answer: the record as the write left it (`document`), with the ETag of its
    new revision; a creation answers 201 with its Location."""
    return record_response(
        document, kind=kind, record_id=record.id, revision=record.revision, created=created
    )
