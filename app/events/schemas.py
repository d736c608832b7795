"""The event models the API reads and writes, derived from app.domain.event."""

from pydantic import ConfigDict, Field

from app.domain.bounds import MAX_ID
from app.domain.edits import Edit, edit_model
from app.domain.event import EVENT_EXAMPLE, EventBase, EventPublic
from app.domain.revisions import REVISION_EXAMPLE, RevisionEntry


class EventCreate(EventBase):
    """A new event: the body of POST /v1/events."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    name: EVENT_EXAMPLE[name]
                    for name in ("occurred_on", "title", "origin", "source_id", "quote", "notes")
                }
            ]
        },
    )


class EventImport(EventCreate):
    """An event as written in an import file: an `id` names the one to revise, and a
    `revision` must be the current one."""

    id: int | None = Field(default=None, ge=1, le=MAX_ID)
    revision: int | None = Field(default=None, ge=1, le=MAX_ID)


class _EventEdit(Edit):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "The source now gives the month.",
                    "occurred_on": "2019-12",
                    "revision": 1,
                }
            ]
        }
    )


# Every field a client writes, each optional: the declaration's fields, not a copy of them.
EventUpdate = edit_model("EventUpdate", EventCreate, base=_EventEdit)


class EventRevisionPublic(RevisionEntry):
    event: EventPublic = Field(description="The event as of this revision.")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**REVISION_EXAMPLE, "event": EVENT_EXAMPLE}]}
    )
