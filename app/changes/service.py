"""The change feed: every revision of sources, events, observations and metrics (a creation, an
edit, a retraction), in the order their transactions committed, read from the revision
tables themselves. Each revision keeps the data version its transaction claimed at its
first change (`change_version`), which follows commit order (`claim_change_version`): a
feed paged by (version, kind, id, revision) never skips a change that commits late, nor
repeats one, however many writers run."""

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlmodel import Session

from app.domain.revisions import Action
from app.errors import InvalidParameter
from app.models import EventRevision, MetricRevision, ObservationRevision, SourceRevision

# The kinds of record whose changes are fed, in the order changes of one transaction come
# (metrics, fed since after the others, come last: cursors already given keep their place).
KINDS: tuple[tuple[str, Any], ...] = (
    ("source", SourceRevision),
    ("event", EventRevision),
    ("observation", ObservationRevision),
    ("metric", MetricRevision),
)
RANK = {kind: rank for rank, (kind, _) in enumerate(KINDS)}
# What each revision's action is called in the feed.
ACTIONS = {Action.create: "created", Action.edit: "revised", Action.retract: "retracted"}
# Kinds whose records name a country pair (a pair filter leaves the others out).
PAIRED = frozenset({"event", "observation"})


@dataclass(frozen=True, order=True)
class ChangeKey:
    """Where a change stands in the feed; a cursor names the last one read."""

    version: int
    rank: int
    id: int
    revision: int


@dataclass(frozen=True)
class Change:
    key: ChangeKey
    record: int | str  # the record's id; a metric's code
    kind: str
    action: str
    recorded_at: datetime
    recorded_by: str
    reason: str | None


@dataclass(frozen=True)
class ChangeFilter:
    origin: str | None = None
    destination: str | None = None
    kind: str | None = None

    def kinds(self) -> list[tuple[str, Any]]:
        paired = self.origin is not None or self.destination is not None
        return [
            (kind, table)
            for kind, table in KINDS
            if (self.kind is None or kind == self.kind) and (not paired or kind in PAIRED)
        ]


def list_changes(
    session: Session, where: ChangeFilter, *, after: ChangeKey | None, limit: int
) -> list[Change]:
    """The `limit` changes after `after`, oldest first: each kind's next ones through its
    index on (change_version, id, revision), merged."""
    per_kind = [
        _changes_of(session, kind, table, where, after, limit) for kind, table in where.kinds()
    ]
    return list(heapq.merge(*per_kind, key=lambda change: change.key))[:limit]


def _changes_of(
    session: Session,
    kind: str,
    table: Any,
    where: ChangeFilter,
    after: ChangeKey | None,
    limit: int,
) -> list[Change]:
    columns = (table.change_version, table.id, table.revision)
    # A metric's revisions are numbered on their own; the metric is its code.
    record = table.code if kind == "metric" else table.id
    statement = select(
        *columns,
        record.label("record"),
        table.action,
        table.recorded_at,
        table.recorded_by,
        table.reason,
    ).order_by(*columns)
    if after is not None:
        rank = RANK[kind]
        if rank > after.rank:  # this kind follows the cursor's within its version
            statement = statement.where(table.change_version >= after.version)
        elif rank < after.rank:
            statement = statement.where(table.change_version > after.version)
        else:
            statement = statement.where(
                tuple_(*columns) > tuple_(after.version, after.id, after.revision)
            )
    # As the lists filter: an event that names no country on a side concerns every one.
    for side, code in (("origin", where.origin), ("destination", where.destination)):
        if code is not None:
            column = getattr(table, side)
            matches = column == code
            statement = statement.where(
                or_(matches, column.is_(None)) if kind == "event" else matches
            )
    rows = session.execute(statement.limit(limit)).all()
    return [
        Change(
            ChangeKey(row.change_version, RANK[kind], row.id, row.revision),
            row.record,
            kind,
            ACTIONS.get(row.action, row.action),
            row.recorded_at,
            row.recorded_by,
            row.reason,
        )
        for row in rows
    ]


def first_version_since(session: Session, moment: datetime) -> int | None:
    """The first version with a change recorded at or after `moment` (None: none is)."""
    firsts = [
        session.scalar(select(func.min(table.change_version)).where(table.recorded_at >= moment))
        for _, table in KINDS
    ]
    found = [first for first in firsts if first is not None]
    return min(found) if found else None


def before_version(version: int) -> ChangeKey:
    """A cursor just before every change of `version`."""
    return ChangeKey(version - 1, len(KINDS), 0, 0) if version > 0 else ChangeKey(-1, 0, 0, 0)


def href(change: Change) -> str:
    return f"/v1/{change.kind}s/{change.record}"


def document(change: Change) -> dict[str, Any]:
    """A change as served."""
    link = href(change)
    return {
        "kind": change.kind,
        "id": change.record,
        "revision": change.key.revision,
        "action": change.action,
        "data_version": change.key.version,
        "recorded_at": change.recorded_at,
        "recorded_by": change.recorded_by,
        "reason": change.reason,
        "href": link,
        "history": None if change.kind == "metric" else f"{link}/history",
        # The record at the end of that day (observations are read as of a day).
        "as_of": f"{link}?as_of={change.recorded_at.date().isoformat()}"
        if change.kind == "observation"
        else None,
    }


def documents(changes: Sequence[Change]) -> Iterator[dict[str, Any]]:
    return (document(change) for change in changes)


def cursor(key: ChangeKey) -> str:
    """A page's `next_cursor`: the last change's place, as `since` takes it back."""
    return f"{key.version}.{key.rank}.{key.id}.{key.revision}"


def start_after(session: Session, since: str | None) -> ChangeKey | None:
    """Where `since` starts the feed: after a cursor, or from a moment's first change."""
    if since is None:
        return None
    parts = since.split(".")
    if len(parts) == 4 and all(part.isdigit() for part in parts):
        version, rank, record_id, revision = map(int, parts)
        if rank <= len(KINDS):  # len(KINDS): after every change of that version
            return ChangeKey(version, rank, record_id, revision)
    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"since={since!r} is neither a cursor of this feed (its meta.next_cursor) nor a "
            "UTC moment such as 2025-03-01T00:00:00Z or 2025-03-01.",
            parameter="since",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    first = first_version_since(session, moment)
    if first is None:  # nothing since: start after everything there is
        return ChangeKey(2**62, 0, 0, 0)
    return before_version(first)
