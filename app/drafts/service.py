"""Drafts: figures proposed from a source's stored text (`app.reading`), kept apart from the
observations until an editor accepts one (it is then written as any observation is, its
first revision saying which draft it came from) or rejects it with a reason. Every decision
is audited; no read of observations, series, search, facets or exports sees a draft."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.domain.columns import utc_now
from app.domain.draft import DraftProposal, DraftPublic, DraftStatus
from app.domain.observation import INFERABLE, WRITTEN_FIELDS
from app.drafts.metrics import choose_metric
from app.errors import Conflict, InvalidData, NotFound
from app.models import Draft, Metric, Observation, Source
from app.observations import editing
from app.observations.natural_keys import NaturalKey, find_ids_by_key, natural_key_of
from app.observations.schemas import ObservationCreate
from app.reading import Proposal, propose
from app.sources.service import get_source
from app.sources.texts import stored_text

# A publication date `propose` can resolve "last year" against: one with its year.
_DATED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# The fields of a draft an accepted observation takes as they are: those named alike, but
# its inferred marks, of which an observation keeps some (`observation_fields`).
CARRIED = [
    name for name in WRITTEN_FIELDS if name in DraftProposal.model_fields and name != "inferred"
]
# What a reading's proposal gives a draft as it is.
PROPOSED = [field.name for field in fields(Proposal) if field.name in DraftProposal.model_fields]
# What an observation needs that a text may not give: the field, and what to do.
NEEDED = {
    "origin": "the text names no country of origin for it",
    "destination": "the text names no destination for it",
    "attributed_to": "the text says no one gave it",
}


def is_dated(published_on: str) -> bool:
    """A publication date relative periods can be read against: YYYY, YYYY-MM, YYYY-MM-DD."""
    return _DATED.match(published_on) is not None


def publication_date(source: Source) -> str | None:
    """The source's `published_on`, if it has a year (a month alone resolves nothing)."""
    published = source.published_on
    return published if published and is_dated(published) else None


def propose_drafts(session: Session, source_id: int, *, actor: str) -> tuple[list[Draft], int]:
    """Read the source's text and keep a draft for each figure not drafted before (by its
    place in the text, whatever became of it): every draft of the source, and how many are
    new. A source without a text is a Conflict: there is nothing to read."""
    source = get_source(session, source_id)
    text = stored_text(source)
    if not text:
        raise Conflict(
            f"Source {source_id} keeps no text to read: store it first (PATCH "
            f"/v1/sources/{source_id} with `text`), then ask again."
        )
    drafted = {(draft.span_start, draft.span_end) for draft in _of_source(session, source_id)}
    catalog = list(session.scalars(select(Metric)))
    now, created = utc_now(), 0
    for proposal in propose(text, published_on=publication_date(source)):
        if (proposal.span_start, proposal.span_end) in drafted:
            continue
        choice = choose_metric(proposal, catalog)
        draft = Draft(
            **_proposed_fields(proposal),
            source_id=source_id,
            metric=choice.code,
            metric_is_new=choice.is_new,
            explanation={**proposal.explanation, "metric": choice.why},
            status=DraftStatus.proposed,
            asked_by=actor,
            created_at=now,
        )
        session.add(draft)
        created += 1
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="drafts.propose",
        target=f"source/{source_id}",
        reason=f"{created} new drafts",
    )
    return _of_source(session, source_id), created


def _proposed_fields(proposal: Proposal) -> dict[str, Any]:
    """A proposal's values as a draft stores them (the explanation is completed apart)."""
    values = {name: getattr(proposal, name) for name in PROPOSED if name != "explanation"}
    for name in ("period_start", "period_end"):
        values[name] = date.fromisoformat(values[name]) if values[name] else None
    for name in ("value", "lower_bound", "upper_bound"):  # stored as observations' figures
        values[name] = None if values[name] is None else float(values[name])
    return values


def _of_source(session: Session, source_id: int) -> list[Draft]:
    statement = select(Draft).where(Draft.source_id == source_id).order_by(Draft.id)
    return list(session.scalars(statement))


def list_drafts(
    session: Session,
    *,
    source_id: int | None,
    status: DraftStatus | None,
    limit: int,
    after_id: int | None,
) -> list[Draft]:
    """Drafts in id order, by source and status if asked, `limit` after `after_id`."""
    statement = select(Draft).order_by(Draft.id).limit(limit)
    if source_id is not None:
        statement = statement.where(Draft.source_id == source_id)
    if status is not None:
        statement = statement.where(Draft.status == status)
    if after_id is not None:
        statement = statement.where(Draft.id > after_id)
    return list(session.scalars(statement))


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"There is no draft {draft_id}.", subject="draft")
    return draft


def _undecided(session: Session, draft_id: int) -> Draft:
    draft = get_draft(session, draft_id)
    if draft.status == DraftStatus.accepted:
        raise Conflict(
            f"Draft {draft_id} was accepted already: it is observation {draft.observation_id}; "
            "edit that (PATCH /v1/observations/{id}) instead."
        )
    if draft.status == DraftStatus.rejected:
        raise Conflict(
            f"Draft {draft_id} was rejected ({draft.reason}); it cannot be decided again."
        )
    return draft


def observation_fields(draft: Draft, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The observation a draft becomes: its own fields, the editor's changes over them, and
    its inferred marks (those an observation keeps; the rest go to the notes)."""
    fields: dict[str, Any] = {name: getattr(draft, name) for name in CARRIED}
    marks = {name: why for name, why in draft.inferred.items() if name in INFERABLE}
    others = [f"{name}: {why}" for name, why in draft.inferred.items() if name not in INFERABLE]
    read = [f"{name}: {why}" for name, why in draft.explanation.items()]
    fields["inferred"] = marks
    fields["notes"] = "Read from the text: " + "; ".join([*read, *others]) + "."
    fields.update(changes)
    return fields


def accept_draft(
    session: Session,
    draft_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    reason: str | None,
) -> Observation:
    """Write the draft, with the editor's `changes`, as a new observation through the
    ordinary write path (its quote checked against the text, its rules enforced)."""
    draft = _undecided(session, draft_id)
    fields = observation_fields(draft, changes)
    for name, missing in NEEDED.items():
        if fields.get(name) is None:
            raise InvalidData(f"{missing}: give `{name}` to accept draft {draft_id}.", field=name)
    known = session.get(Metric, fields["metric"]) is not None
    if not known:
        raise InvalidData(
            f"metric '{fields['metric']}' is not in the catalog"
            + (" (this draft proposes it as a new one)" if draft.metric_is_new else "")
            + ": create it (POST /v1/metrics) or give another `metric`.",
            field="metric",
        )
    data = _observation(fields)
    why = f"accepted from draft {draft_id}" + (f": {reason}" if reason else "")
    observation = editing.create_observation(session, data, actor=actor, reason=why)
    draft.status, draft.observation_id, draft.reason = DraftStatus.accepted, observation.id, reason
    draft.decided_by, draft.decided_at = actor, utc_now()
    session.add(draft)
    record_audit(
        session, actor=actor, action="draft.accept", target=f"draft/{draft_id}", reason=why
    )
    return observation


def _observation(fields: Mapping[str, Any]) -> ObservationCreate:
    try:
        return ObservationCreate.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if not name:  # a rule across fields ("approximate needs a value")
            raise InvalidData(message) from None
        raise InvalidData(f"{name}: {message}", field=name) from None


def reject_draft(session: Session, draft_id: int, *, actor: str, reason: str) -> Draft:
    """Mark the draft rejected, with why; it stays listed as rejected, and is never read."""
    draft = _undecided(session, draft_id)
    draft.status, draft.reason = DraftStatus.rejected, reason
    draft.decided_by, draft.decided_at = actor, utc_now()
    session.add(draft)
    record_audit(
        session, actor=actor, action="draft.reject", target=f"draft/{draft_id}", reason=reason
    )
    return draft


def drafts_rows(session: Session, drafts: Sequence[Draft]) -> list[dict[str, Any]]:
    """Drafts as served, each saying which stored observation has its natural key, if one
    does now (one look-up for them all)."""
    keys = {draft.id: _natural_key(draft) for draft in drafts}
    found = find_ids_by_key(session, {key for key in keys.values() if key is not None})
    rows = []
    for draft in drafts:
        key = keys[draft.id]
        values = {name: getattr(draft, name) for name in Draft.model_fields}
        values["same_as"] = found.get(key) if key else None
        rows.append(DraftPublic.model_validate(values).model_dump(mode="json"))
    return rows


def _natural_key(draft: Draft) -> NaturalKey | None:
    """The natural key the draft's observation would have, if the draft has a whole one."""
    if draft.metric_is_new or not (draft.origin and draft.destination and draft.attributed_to):
        return None
    values = {name: getattr(draft, name) for name in CARRIED}
    return natural_key_of(values | {"region": None, "dimensions": {}})


# The import format's columns a draft fills (`laborstats draft` writes them).
IMPORT_COLUMNS = [*CARRIED, "notes", "inferred"]


def import_rows(
    session: Session, text: str, *, published_on: str | None, source_id: int | None
) -> list[dict[str, Any]]:
    """The drafts of a text as rows of an observations file, for an editor to correct in
    a spreadsheet and import: metrics from the catalog (or proposed), the inferred marks in
    `inferred`, what made each reading in `notes`. Nothing is stored."""
    if source_id is not None:
        get_source(session, source_id)
    catalog = list(session.scalars(select(Metric)))
    rows = []
    for proposal in propose(text, published_on=published_on):
        choice = choose_metric(proposal, catalog)
        draft = Draft(
            **_proposed_fields(proposal),
            source_id=source_id or 0,
            metric=choice.code,
            metric_is_new=choice.is_new,
            explanation={**proposal.explanation, "metric": choice.why},
        )
        rows.append(observation_fields(draft, {"source_id": source_id}))
    return rows
