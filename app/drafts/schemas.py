"""The bodies of a draft's decision: an acceptance (any of an observation's fields, to change
before it is written, and why), and a rejection (why)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.domain.bounds import ValidText
from app.domain.shapes import optional_fields
from app.observations.schemas import ObservationCreate

# The draft's source stays its own; a text's figure cites no table cell.
FIXED = frozenset({"source_id", "cell"})


class _Acceptance(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {},
                {
                    "metric": "workers_entered",
                    "reason": "The text counts laborers who entered: the catalog's metric.",
                },
            ]
        },
    )

    reason: ValidText | None = Field(
        default=None,
        max_length=2000,
        description="Why it was changed, if it was: kept with the draft and in the new "
        "observation's first revision.",
    )

    def changes(self) -> dict[str, Any]:
        """Only the fields the editor sent."""
        return self.model_dump(include=self.model_fields_set - {"reason"})


# Every field of an observation a client writes, each optional: the declaration's fields.
DraftAcceptance = create_model(
    "DraftAcceptance",
    __base__=_Acceptance,
    __doc__="Accept a draft: as it is (an empty body), or with the fields to change.",
    **{
        name: spec for name, spec in optional_fields(ObservationCreate).items() if name not in FIXED
    },
)


class DraftRejection(BaseModel):
    """Reject a draft, saying why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "An age, not a count of workers."}]},
    )

    reason: ValidText = Field(min_length=1, max_length=2000, description="Why it is rejected.")
