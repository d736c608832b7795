"""Sources: who published a figure, and the chain of publications it reached us through."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.dataset.service import SaveOutcome
from app.errors import InvalidData, NotFound, UnknownReference
from app.models import Observation, Source
from app.sources.schemas import SourceIn


def describe_source(source: Source) -> str:
    """'"Title" (Publisher, 2025-06)', saying so where the publisher or date is unknown."""
    publisher = source.publisher or "publisher not named"
    when = source.published_on or "date not given"
    return f'"{source.title}" ({publisher}, {when})'


def source_document(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "published_on": source.published_on,
        "type": source.type,
        "relayed_through": source.relayed_through,
        "notes": source.notes,
        "description": describe_source(source),
    }


def list_sources(session: Session, *, limit: int, after_id: int | None) -> list[Source]:
    query = select(Source).order_by(Source.id).limit(limit)
    if after_id is not None:
        query = query.where(Source.id > after_id)
    return list(session.scalars(query))


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"There is no source {source_id}; GET /v1/sources lists them.")
    return source


def count_observations(session: Session, source_id: int) -> int:
    query = select(func.count()).where(Observation.source_id == source_id)
    return session.scalar(query) or 0


def require_sources(session: Session, ids: Iterable[int]) -> None:
    """For filters: an unknown source id is a 400 naming it."""
    wanted = set(ids)
    found = set(session.scalars(select(Source.id).where(Source.id.in_(wanted))))
    unknown = sorted(wanted - found)
    if unknown:
        raise UnknownReference(
            f"Unknown source {', '.join(map(str, unknown))}; GET /v1/sources lists them.",
            parameter="source",
        )


def relay_chains(session: Session, ids: Iterable[int]) -> dict[int, list[Source]]:
    """For each source id, the source followed by those it was relayed through, outward."""
    loaded: dict[int, Source] = {}
    pending = set(ids)
    while pending:
        for source in session.scalars(select(Source).where(Source.id.in_(pending))):
            loaded[source.id] = source
        pending = {
            s.relayed_through
            for s in loaded.values()
            if s.relayed_through is not None and s.relayed_through not in loaded
        }
    chains: dict[int, list[Source]] = {}
    for source_id in ids:
        chain: list[Source] = []
        current = loaded.get(source_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = loaded.get(current.relayed_through) if current.relayed_through else None
        chains[source_id] = chain
    return chains


def _check_relay(session: Session, source_id: int | None, relayed_through: int | None) -> None:
    if relayed_through is None:
        return
    if session.get(Source, relayed_through) is None:
        raise InvalidData(
            f"relayed_through names source {relayed_through}, which does not exist.",
            field="relayed_through",
        )
    if source_id is not None and any(
        s.id == source_id for s in relay_chains(session, [relayed_through])[relayed_through]
    ):
        raise InvalidData(
            f"relayed_through {relayed_through} would make source {source_id} relay itself.",
            field="relayed_through",
        )


def _find_same_source(session: Session, data: SourceIn) -> Source | None:
    """Without an id, the same title, publisher and date mean the same source."""
    query = select(Source).where(
        Source.title == data.title,
        Source.publisher.is_not_distinct_from(data.publisher),
        Source.published_on.is_not_distinct_from(data.published_on),
    )
    return session.scalars(query.order_by(Source.id).limit(1)).first()


def save_source(session: Session, data: SourceIn) -> tuple[Source, SaveOutcome]:
    """Create the source (with the given id, if any) or update it."""
    _check_relay(session, data.id, data.relayed_through)
    fields = data.model_dump(exclude={"id"}, mode="json")
    source = (
        session.get(Source, data.id) if data.id is not None else _find_same_source(session, data)
    )
    if source is None:
        source = Source(id=data.id, **fields)
        session.add(source)
        session.flush()
        return source, "created"
    if all(getattr(source, name) == value for name, value in fields.items()):
        return source, "unchanged"
    for name, value in fields.items():
        setattr(source, name, value)
    session.flush()
    return source, "updated"
