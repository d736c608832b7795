"""What the API keeps about every record besides what was written, declared once for
sources, observations and events: its revision and when it was recorded (`RevisedState`),
for figures and events their retraction too (`RetractableState`), and what a history says
of each revision (`RevisionEntry`, which the revision tables store as columns)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import ValidText
from app.domain.columns import UTCDateTime, utc_now


def _revision(changes: str) -> Any:
    return Field(
        default=1,
        sa_column_kwargs={"server_default": "1"},
        description=f"1 when created; each {changes} adds one.",
    )


class RevisedState(SQLModel):
    """A record's revision and when it was recorded: mixed into each record's state."""

    revision: int = _revision("edit")
    updated_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When this revision was recorded (UTC)."
    )


class RetractableState(RevisedState):
    """A revised record that can also be withdrawn from lists (and stays readable)."""

    revision: int = _revision("edit or retraction")
    retracted_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When it was retracted (UTC)."
    )
    retraction_reason: ValidText | None = Field(
        default=None, sa_type=Text, description="Why it was retracted."
    )


# What a retraction writes, and what a restore reads back besides the written fields.
RETRACTION_FIELDS = [
    name for name in RetractableState.model_fields if name not in RevisedState.model_fields
]


def retraction(reason: str) -> dict[str, Any]:
    """The values a retraction sets: now, and why."""
    return dict(zip(RETRACTION_FIELDS, (utc_now(), reason), strict=True))


class Action(StrEnum):
    """What a revision did to its record."""

    create = "create"
    edit = "edit"
    retract = "retract"


class ChangedKind(StrEnum):
    """The kinds of record whose revisions the change feed serves."""

    source = "source"
    event = "event"
    observation = "observation"
    metric = "metric"


class RevisionEntry(SQLModel):
    """A history's entry for one revision, besides the record's state at it: which, what
    kind of change, when, by whom and why. Observations', sources' and events' histories add
    the record under its own name; the revision tables keep these as columns."""

    revision: int
    action: str = Field(
        sa_type=String(16), description="create, edit, or (observations only) retract."
    )
    recorded_at: datetime = Field(sa_type=UTCDateTime, description="When (UTC).")
    recorded_by: str = Field(
        sa_type=String(100), description="The name of the token that made the change."
    )
    reason: str | None = Field(sa_type=Text, description="Why, as the editor gave it.")


# The seed's first revisions, as a history lists them (with the record beside).
REVISION_EXAMPLE: dict[str, Any] = {
    "revision": 1,
    "action": "create",
    "recorded_at": "2026-11-26T12:00:00Z",
    "recorded_by": "seed",
    "reason": None,
}


def revision_entry(revision: Any) -> dict[str, Any]:
    """A stored revision's entry fields, as a history serves them."""
    return {name: getattr(revision, name) for name in RevisionEntry.model_fields}
