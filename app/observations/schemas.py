"""The observation models the API reads and writes, derived from the one declaration in
app.domain.observation: a create body with its rules, an import row, an update body whose
fields are all optional, and the detail of one observation."""

import math
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.codes import subdivision_country
from app.domain.dates import period_label_for
from app.domain.edits import Edit, edit_model
from app.domain.figures import Qualifier
from app.domain.observation import (
    OBSERVATION_EXAMPLE,
    SERVED_FIELDS,
    ObservationBase,
    ObservationPublic,
)
from app.domain.shapes import document_as_served
from app.domain.source import SOURCE_EXAMPLE, SourcePublic


class ObservationCreate(ObservationBase):
    """A new observation: the body of POST /v1/observations, with the read API's names."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def check_figure_and_period(self) -> Self:
        for name in ("value", "lower_bound", "upper_bound"):
            number = getattr(self, name)
            if number is not None and not math.isfinite(number):
                raise ValueError(f"{name} must be a finite number")
        self._check_bounds()
        if self.period_end and not self.period_start:
            raise ValueError(
                "period_end needs a period_start: a period starts somewhere (give the "
                "earliest start the source supports, and say so in notes)"
            )
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError(
                f"period_start {self.period_start} is after period_end {self.period_end}"
            )
        if self.period_label is None:
            self.period_label = period_label_for(self.period_start, self.period_end)
        if self.region and subdivision_country(self.region) != self.destination:
            raise ValueError(
                f"region {self.region} is not in the destination {self.destination}; "
                "a region names where in the destination the figure applies"
            )
        return self

    def _check_bounds(self) -> None:
        value, low, high = self.value, self.lower_bound, self.upper_bound
        match self.qualifier:
            case Qualifier.range:
                if low is None or high is None:
                    raise ValueError("a range needs both lower_bound and upper_bound")
            case Qualifier.at_least:
                if value is None or high is not None or low not in (None, value):
                    raise ValueError(
                        "at_least needs value (the stated minimum), no upper_bound, and "
                        "lower_bound empty or equal to value"
                    )
                self.lower_bound = value
            case Qualifier.at_most:
                if value is None or low is not None or high not in (None, value):
                    raise ValueError(
                        "at_most needs value (the stated maximum), no lower_bound, and "
                        "upper_bound empty or equal to value"
                    )
                self.upper_bound = value
            case _:
                if value is None:
                    raise ValueError(f"{self.qualifier.value} needs a value")
        low, high = self.lower_bound, self.upper_bound
        if low is not None and high is not None and low > high:
            raise ValueError(f"lower_bound {low:g} is above upper_bound {high:g}")
        if value is not None and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            raise ValueError(f"value {value:g} lies outside its bounds")


class ObservationImport(ObservationCreate):
    """An observation as written in an import file: an `id` names the one to update, and a
    `revision` must be the current one, so an import cannot undo an edit made since."""

    id: int | None = Field(default=None, ge=1)
    revision: int | None = Field(default=None, ge=1)


class _ObservationEdit(Edit):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "The BBC's own article gives 'more than 10,000'.",
                    "revision": 1,
                    "notes": "Checked against the BBC's article.",
                }
            ]
        }
    )


# Every field a client writes, each optional: the declaration's fields, not a copy of them.
ObservationUpdate = edit_model("ObservationUpdate", ObservationCreate, base=_ObservationEdit)


class Retraction(BaseModel):
    """POST /v1/observations/{id}/retract body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The source withdrew this figure.", "revision": 2}]
        },
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why it is retracted.")
    revision: int | None = Field(
        default=None, ge=1, description="The revision retracted, if If-Match is not sent."
    )


class ObservationDetail(ObservationPublic):
    model_config = ConfigDict(
        json_schema_extra=lambda schema: document_as_served(
            schema,
            [*SERVED_FIELDS, "source", "relay_chain", "parts"],
            {**OBSERVATION_EXAMPLE, "source": SOURCE_EXAMPLE, "relay_chain": [], "parts": []},
        )
    )

    source: SourcePublic = Field(description="The source, embedded.")
    relay_chain: list[SourcePublic] = Field(
        description="The sources the source was relayed through, nearest first."
    )
    parts: list[int] = Field(description="Ids of the breakdowns that are part of this figure.")


class RevisionPublic(BaseModel):
    revision: int
    action: str = Field(description="create, edit or retract.")
    recorded_at: datetime = Field(description="When (UTC).")
    recorded_by: str = Field(description="The name of the token that made the change.")
    reason: str | None = Field(description="Why, as the editor gave it.")
    observation: ObservationPublic = Field(description="The observation as of this revision.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "revision": 1,
                    "action": "create",
                    "recorded_at": "2026-11-26T12:00:00Z",
                    "recorded_by": "seed",
                    "reason": None,
                    "observation": OBSERVATION_EXAMPLE,
                }
            ]
        }
    )
