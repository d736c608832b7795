"""Context events: dated events a source reports (the United Nations' ban on the use of North
Korean workers in 2019), drawn beside the figures on a chart. Each quote is checked against
its source's text as an observation's is; nothing is overwritten: every change, retractions
included, is a new revision with its time, author and reason."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.history import compare_and_set, record_revision, state_at
from app.dataset.state import claim_change_version
from app.domain.columns import utc_now
from app.domain.dates import AsOf, iso
from app.domain.edits import validated_edit
from app.domain.event import INFERABLE, SERVED_FIELDS, WRITTEN_FIELDS
from app.domain.inferences import marks_sentence
from app.domain.outcomes import SaveOutcome
from app.domain.paging import Cursor
from app.domain.revisions import Action, retraction
from app.errors import Conflict, InvalidData, InvalidParameter, NotFound, StaleRevision
from app.events.schemas import EventCreate, EventImport
from app.models import Event, EventRevision, Source
from app.observations.documents import claim_citation
from app.sources.service import SourceRow, chain_of, relay_chains
from app.sources.texts import check_quote, held_text, stored_text

# An Event, or an EventRevision (a past state): both carry every served field but the
# derived ones.
EventRow = Any
SORT = "occurred_on"


@dataclass(frozen=True)
class EventFilter:
    """An event matches a side when it names that country, or no country (it concerns
    every country on that side)."""

    origin: str | None = None
    destination: str | None = None
    as_of: AsOf | None = None
    include_retracted: bool = False
    updated_after: datetime | None = None  # added, revised (or retracted) after it


# Reading


def cite(event: EventRow, chain: Sequence[SourceRow]) -> str:
    """'What, when, in "Source" (publisher, date), as relayed by ...', then the values
    inferred rather than stated: a source's part as observations' citations give it."""
    text = claim_citation(f"{event.title}, {event.occurred_on}", None, chain)
    marks = getattr(event, "inferred", None) or {}
    if not marks:
        return text
    shown = {name: getattr(event, name) for name in INFERABLE}
    return f"{text} {marks_sentence(marks, INFERABLE, shown)}"


def event_document(event: EventRow, chain: Sequence[SourceRow]) -> dict[str, Any]:
    """The served form of an event (now, or at a revision), in the order of
    app.domain.event."""
    derived = {
        "citation": cite(event, chain),
        "retracted": event.retracted_at is not None,
        "updated_at": iso(event.updated_at),
        "retracted_at": iso(event.retracted_at),
        "inferred": dict(event.inferred or {}),
    }
    return {
        name: derived[name] if name in derived else getattr(event, name) for name in SERVED_FIELDS
    }


def documents(
    session: Session, rows: Iterable[EventRow], *, catalog: Catalog, as_of: AsOf | None = None
) -> list[dict[str, Any]]:
    """Each event as served; its source cited as it stood at the end of `as_of`, if given
    (from the catalog otherwise: no query)."""
    rows = list(rows)
    if as_of is None:
        return [event_document(row, chain_of(catalog.sources, row.source_id)) for row in rows]
    past = relay_chains(session, {row.source_id for row in rows}, as_of=as_of)
    return [event_document(row, past.get(row.source_id, [])) for row in rows]


def written_document(session: Session, event: Event) -> dict[str, Any]:
    """An event as this transaction sees it and its source (a write's result)."""
    chain = relay_chains(session, [event.source_id])[event.source_id]
    return event_document(event, chain)


def list_events(
    session: Session, where: EventFilter, *, limit: int, after: Cursor | None = None
) -> list[EventRow]:
    """Events (not retracted, unless asked for), by date then id; as they stood at the end
    of `where.as_of`, if given (from their revisions)."""
    table, when = state_at(Event, where.as_of)
    query = select(table).where(*when)
    if not where.include_retracted:
        query = query.where(table.retracted_at.is_(None))
    if where.updated_after is not None:
        query = query.where(table.updated_at > where.updated_after)
    if where.origin is not None:
        query = query.where(or_(table.origin == where.origin, table.origin.is_(None)))
    if where.destination is not None:
        query = query.where(
            or_(table.destination == where.destination, table.destination.is_(None))
        )
    if after is not None:
        if not isinstance(after.value, str):  # every event has a date, and it is text
            raise InvalidParameter(
                "cursor is not valid: pass next_cursor unchanged.", parameter="cursor"
            )
        query = query.where(
            or_(
                table.occurred_on > after.value,
                and_(table.occurred_on == after.value, table.id > after.id),
            )
        )
    return list(session.scalars(query.order_by(table.occurred_on, table.id).limit(limit)))


def get_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"There is no event {event_id}.", subject="event")
    return event


def list_history(session: Session, event_id: int) -> list[EventRevision]:
    """Every revision of an event, oldest first; NotFound if it never existed."""
    get_event(session, event_id)
    statement = (
        select(EventRevision).where(EventRevision.id == event_id).order_by(EventRevision.revision)
    )
    return list(session.scalars(statement))


# Writing


def _check_references(session: Session, data: EventCreate) -> None:
    """The source exists, and its text (or the nearest relay's that keeps one) holds the
    quote."""
    if session.get(Source, data.source_id) is None:
        raise InvalidData(
            f"source_id {data.source_id} names no source; add the source first.",
            field="source_id",
        )
    chain = relay_chains(session, [data.source_id])[data.source_id]
    check_quote(data.quote, held_text(chain, stored_text))


def create_event(
    session: Session, data: EventCreate, *, actor: str, event_id: int | None = None
) -> Event:
    _check_references(session, data)
    claim_change_version(session)  # before the clock: moments follow commits
    event = Event(id=event_id, revision=1, updated_at=utc_now(), **data.model_dump())
    session.add(event)
    session.flush()
    record_revision(session, event, action=Action.create, actor=actor, reason=None)
    return event


def _check_current(event: Event, expected_revision: int) -> None:
    if event.revision != expected_revision:
        raise StaleRevision(
            f"Event {event.id} is at revision {event.revision}, not {expected_revision}: "
            "someone changed it since you read it. Read it again and reapply your change.",
            current_revision=event.revision,
        )


def _merge(event: Event, changes: Mapping[str, Any]) -> EventCreate:
    """The event with `changes` applied, validated as a whole."""
    merged = {**{name: getattr(event, name) for name in WRITTEN_FIELDS}, **changes}
    return validated_edit(EventCreate, merged)


def edit_event(
    session: Session,
    event_id: int,
    changes: Mapping[str, Any],
    *,
    expected_revision: int,
    actor: str,
    reason: str,
) -> tuple[Event, SaveOutcome]:
    """Apply `changes` as a new revision, if `expected_revision` is still the current one
    and the event is not retracted."""
    event = get_event(session, event_id)
    _check_current(event, expected_revision)
    if event.retracted_at is not None:
        raise Conflict(f"Event {event_id} is retracted; it can no longer be edited.")
    data = _merge(event, changes)
    values = data.model_dump()
    if all(getattr(event, name) == value for name, value in values.items()):
        return event, "unchanged"
    _check_references(session, data)
    compare_and_set(session, event, expected_revision, values, kind="event")
    record_revision(session, event, action=Action.edit, actor=actor, reason=reason)
    return event, "updated"


def retract_event(
    session: Session, event_id: int, *, expected_revision: int, actor: str, reason: str
) -> Event:
    """Withdraw an event from lists: a new revision saying when and why; it stays readable."""
    event = get_event(session, event_id)
    _check_current(event, expected_revision)
    if event.retracted_at is not None:
        raise Conflict(f"Event {event_id} is already retracted.")
    compare_and_set(session, event, expected_revision, retraction(reason), kind="event")
    record_revision(session, event, action=Action.retract, actor=actor, reason=reason)
    return event


def _find_same_event(session: Session, data: EventCreate) -> Event | None:
    """Without an id, the same date, title and source mean the same event."""
    query = select(Event).where(
        Event.occurred_on == data.occurred_on,
        Event.title == data.title,
        Event.source_id == data.source_id,
    )
    return session.scalars(query.order_by(Event.id).limit(1)).first()


def save_event(
    session: Session, data: EventImport, *, actor: str, reason: str | None = None
) -> tuple[Event, SaveOutcome]:
    """For imports: create the event (with its id, if given) or revise the same one."""
    base = EventCreate.model_validate(data.model_dump(exclude={"id", "revision"}))
    event = session.get(Event, data.id) if data.id is not None else _find_same_event(session, base)
    if event is None:
        return create_event(session, base, actor=actor, event_id=data.id), "created"
    expected = data.revision if data.revision is not None else event.revision
    if event.retracted_at is not None and all(
        getattr(event, name) == value for name, value in base.model_dump().items()
    ):  # loading a folder again leaves a retracted event as it is
        return event, "unchanged"
    return edit_event(
        session,
        event.id,
        base.model_dump(),
        expected_revision=expected,
        actor=actor,
        reason=reason or "import",
    )
