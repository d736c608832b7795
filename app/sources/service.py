"""Sources: who published a figure, the chain of publications it reached us through, and
their revisions (a source is corrected, never overwritten)."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.dataset.history import compare_and_set, record_revision, state_at
from app.dataset.state import claim_change_version
from app.domain.columns import utc_now
from app.domain.dates import AsOf, date_in_prose, iso
from app.domain.edits import validated_edit
from app.domain.outcomes import SaveOutcome
from app.domain.revisions import Action
from app.domain.source import SERVED_FIELDS, WRITTEN_FIELDS
from app.errors import InvalidData, NotFound, StaleRevision
from app.models import Observation, Source, SourceRevision, StoredFile
from app.sources.files import check_cells_of, check_file_named, stored_file
from app.sources.schemas import SourceCreate, SourceImport
from app.sources.texts import check_quotes_of

# An ORM object, or a plain row of the same columns (what the catalog keeps).
SourceRow = Any


def _inferred(source: SourceRow) -> Mapping[str, str]:
    return getattr(source, "inferred", None) or {}


def title_of(source: SourceRow) -> str:
    """The source's title as references give it: in brackets when it was supplied (a
    description), not the source's own, as catalogues bracket a title they supply."""
    return f"[{source.title}]" if "title" in _inferred(source) else source.title


def describe_source(source: SourceRow) -> str:
    """'"Title" (Publisher, 2025-06)', saying so where the publisher, the date or its year
    is unknown ('--06' is 'June, year not given'), and bracketing what the source does not
    state itself."""
    inferred = _inferred(source)
    title = title_of(source) if "title" in inferred else f'"{source.title}"'
    publisher = source.publisher or "publisher not named"
    if "publisher" in inferred and source.publisher:
        publisher = f"[{publisher}]"
    when = date_in_prose(source.published_on) if source.published_on else "date not given"
    if "published_on" in inferred and source.published_on:
        when = f"[{when}]"
    return f"{title} ({publisher}, {when})"


def has_text(source: SourceRow) -> bool:
    """Whether the source's text is kept (the catalog's rows say so without the text)."""
    kept = getattr(source, "has_text", None)
    return bool(kept) if kept is not None else source.text is not None


# The list's CSV: each source as served, with how many figures cite it.
SOURCE_CSV_COLUMNS = [*SERVED_FIELDS, "observation_count"]


def source_document(source: SourceRow) -> dict[str, Any]:
    """The served form of a source, in the order of app.domain.source (without its text)."""
    derived = {
        "description": describe_source(source),
        "has_text": has_text(source),
        "updated_at": iso(source.updated_at),
    }
    return {
        name: derived[name] if name in derived else getattr(source, name) for name in SERVED_FIELDS
    }


def source_detail(session: Session, source: SourceRow, chain: list[SourceRow]) -> dict[str, Any]:
    """A source as GET /v1/sources/{id} serves it: with the sources it was relayed through
    (`chain`, itself first) and how many figures cite it."""
    return {
        **source_document(source),
        "relay_chain": [source_document(s) for s in chain[1:]],
        "observation_count": observation_counts(session, [source.id])[source.id],
    }


def written_detail(session: Session, source: Source) -> dict[str, Any]:
    """A written source as this transaction sees it."""
    return source_detail(session, source, relay_chains(session, [source.id])[source.id])


def list_sources(
    session: Session,
    *,
    limit: int,
    after_id: int | None,
    updated_after: datetime | None = None,
) -> list[Source]:
    """Sources by id; with `updated_after`, those added or revised after that moment."""
    query = select(Source).order_by(Source.id).limit(limit)
    if after_id is not None:
        query = query.where(Source.id > after_id)
    if updated_after is not None:
        query = query.where(Source.updated_at > updated_after)
    return list(session.scalars(query))


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"There is no source {source_id}.", subject="source")
    return source


def source_file(session: Session, source_id: int) -> tuple[Source, StoredFile]:
    """The source and the table it keeps; NotFound if it keeps none."""
    source = get_source(session, source_id)
    stored = stored_file(session, source.file_sha256) if source.file_sha256 else None
    if stored is None:
        raise NotFound(
            f"Source {source_id} keeps no table (see `file_sha256`); a figure from a text "
            "cites its quote in GET /v1/sources/{id}/text instead.",
            subject="source file",
        )
    return source, stored


def observation_counts(session: Session, source_ids: Iterable[int]) -> dict[int, int]:
    """For each source id, the observations citing it directly that lists serve (retracted
    ones left out); one grouped query for a whole page."""
    ids = list(source_ids)
    query = (
        select(Observation.source_id, func.count())
        .where(Observation.source_id.in_(ids), Observation.retracted_at.is_(None))
        .group_by(Observation.source_id)
    )
    counted: dict[int, int] = dict(session.execute(query).all())
    return {source_id: counted.get(source_id, 0) for source_id in ids}


def relay_chains(
    session: Session, ids: Iterable[int], *, as_of: AsOf | None = None
) -> dict[int, list[SourceRow]]:
    """For each source id, the source followed by those it was relayed through, outward;
    as they stood at the end of `as_of`, if given."""
    table, when = state_at(Source, as_of)
    ids = list(ids)
    loaded: dict[int, SourceRow] = {}
    pending = set(ids)
    while pending:
        for source in session.scalars(select(table).where(table.id.in_(pending), *when)):
            loaded[source.id] = source
        if as_of is not None:  # a source recorded after that day: cite it as it is now
            missing = pending - loaded.keys()
            for source in session.scalars(select(Source).where(Source.id.in_(missing))):
                loaded[source.id] = source
        pending = {
            s.relayed_through
            for s in loaded.values()
            if s.relayed_through is not None and s.relayed_through not in loaded
        }
    return {source_id: chain_of(loaded, source_id) for source_id in ids}


def chain_of(sources: Mapping[int, SourceRow], source_id: int) -> list[SourceRow]:
    """The source, then those it was relayed through, outward (a loop is cut)."""
    chain: list[SourceRow] = []
    current = sources.get(source_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = sources.get(current.relayed_through) if current.relayed_through else None
    return chain


def _check_relay(session: Session, source_id: int | None, relayed_through: int | None) -> None:
    if relayed_through is None:
        return
    if session.get(Source, relayed_through) is None:
        raise InvalidData(
            f"relayed_through names source {relayed_through}, which does not exist.",
            field="relayed_through",
        )
    chain = relay_chains(session, [relayed_through])[relayed_through]
    if source_id is not None and any(s.id == source_id for s in chain):
        raise InvalidData(
            f"relayed_through {relayed_through} would make source {source_id} relay itself.",
            field="relayed_through",
        )


def create_source(
    session: Session, data: SourceCreate, *, actor: str, source_id: int | None = None
) -> Source:
    _check_relay(session, source_id, data.relayed_through)
    check_file_named(session, data.file_sha256)
    claim_change_version(session)  # before the clock: moments follow commits
    source = Source(id=source_id, revision=1, updated_at=utc_now(), **data.model_dump(mode="json"))
    session.add(source)
    session.flush()
    record_revision(session, source, action=Action.create, actor=actor, reason=None)
    return source


def edit_source(
    session: Session,
    source_id: int,
    changes: Mapping[str, Any],
    *,
    expected_revision: int,
    actor: str,
    reason: str,
    check_cells: bool = True,
) -> tuple[Source, SaveOutcome]:
    """Apply `changes` as a new revision, if `expected_revision` is still the current one.
    A new table is checked against the figures read from it, unless `check_cells` is False:
    a newer release, whose import revises them next."""
    source = get_source(session, source_id)
    if source.revision != expected_revision:
        raise StaleRevision(
            f"Source {source_id} is at revision {source.revision}, not {expected_revision}; "
            "read it again and reapply your change.",
            current_revision=source.revision,
        )
    merged = {**{n: getattr(source, n) for n in WRITTEN_FIELDS}, **changes}
    if "text" in changes and "text_sha256" not in changes:  # the stored digest is the old text's
        merged["text_sha256"] = None
    data = validated_edit(SourceCreate, merged)
    fields = data.model_dump(mode="json")
    merged_before = {name: getattr(source, name) for name in fields}
    if all(getattr(source, name) == value for name, value in fields.items()):
        return source, "unchanged"
    _check_relay(session, source_id, data.relayed_through)
    check_file_named(session, data.file_sha256)
    compare_and_set(session, source, expected_revision, fields, kind="source")
    changed = {n for n, v in fields.items() if v != merged_before[n]}
    if {"text", "relayed_through"} & changed:
        check_quotes_of(session, source_id, lambda ids: relay_chains(session, ids))
    if "file_sha256" in changed and check_cells:
        check_cells_of(session, source_id)
    record_revision(session, source, action=Action.edit, actor=actor, reason=reason)
    return source, "updated"


def _find_same_source(session: Session, data: SourceCreate) -> Source | None:
    """Without an id, the same title, publisher and date mean the same source."""
    query = select(Source).where(
        Source.title == data.title,
        Source.publisher.is_not_distinct_from(data.publisher),
        Source.published_on.is_not_distinct_from(data.published_on),
    )
    return session.scalars(query.order_by(Source.id).limit(1)).first()


def save_source(
    session: Session, data: SourceImport, *, actor: str, reason: str | None = None
) -> tuple[Source, SaveOutcome]:
    """For imports: create the source (with its id, if given) or revise the same one."""
    base = SourceCreate.model_validate(data.model_dump(exclude={"id", "revision"}))
    source = (
        session.get(Source, data.id) if data.id is not None else _find_same_source(session, base)
    )
    if source is None:
        return create_source(session, base, actor=actor, source_id=data.id), "created"
    expected = data.revision if data.revision is not None else source.revision
    return edit_source(
        session,
        source.id,
        base.model_dump(),
        expected_revision=expected,
        actor=actor,
        reason=reason or "import",
    )


def list_history(session: Session, source_id: int) -> list[SourceRevision]:
    """Every revision of a source, oldest first; NotFound if it never existed."""
    get_source(session, source_id)
    statement = (
        select(SourceRevision)
        .where(SourceRevision.id == source_id)
        .order_by(SourceRevision.revision)
    )
    return list(session.scalars(statement))
