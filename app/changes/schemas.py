"""What the change feed serves: a change, and a page of them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.lists import ListMeta, ListResponse

CHANGE_EXAMPLE = {
    "kind": "observation",
    "id": 3,
    "revision": 2,
    "action": "revised",
    "data_version": 2,
    "recorded_at": "2026-12-07T15:04:55Z",
    "recorded_by": "seed",
    "reason": "'around 13,000 North Koreans entered' counts people, but entries counts entry "
    "events: moved to nationals_entered, which counts people.",
    "href": "/v1/observations/3",
    "history": "/v1/observations/3/history",
    "as_of": "/v1/observations/3?as_of=2026-12-07",
}


class ChangePublic(BaseModel):
    """One change: a record's new revision."""

    model_config = ConfigDict(json_schema_extra={"examples": [CHANGE_EXAMPLE]})

    kind: Literal["source", "event", "observation", "metric"] = Field(
        description="What was changed."
    )
    id: int | str = Field(description="The record's id; a metric's code.")
    revision: int = Field(description="The revision the change made.")
    action: Literal["created", "revised", "retracted"]
    data_version: int = Field(
        description="The data version its transaction committed as: changes come in its order."
    )
    recorded_at: datetime = Field(description="When (UTC).")
    recorded_by: str = Field(description="The name of the token that made it.")
    reason: str | None = Field(description="Why, as given (a creation may give none).")
    href: str = Field(description="The record now.")
    history: str | None = Field(
        description="Every revision of the record, this one among them; null for a metric."
    )
    as_of: str | None = Field(
        description="An observation as it stood at the end of that day; null for other kinds."
    )


class ChangeListMeta(ListMeta):
    resume_cursor: str | None = Field(
        description="Where this page ends: ask again later with since=<it> for the changes "
        "made after it, on the last page too (where next_cursor is null)."
    )


class ChangeList(ListResponse[ChangePublic]):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [CHANGE_EXAMPLE],
                    "meta": {
                        "data_version": 2,
                        "returned": 1,
                        "limit": 1,
                        "next_cursor": "2.2.3.2",
                        "sort": "data_version",
                        "resume_cursor": "2.2.3.2",
                    },
                    "links": {
                        "self": "/v1/changes?limit=1",
                        "next": "/v1/changes?limit=1&since=2.2.3.2",
                    },
                }
            ]
        }
    )

    meta: ChangeListMeta
