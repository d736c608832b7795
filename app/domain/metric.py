"""A metric's fields, declared once: what a figure counts, in which unit, and the breakdowns
it allows. The table, the body of POST /v1/metrics and the data package derive from it."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, ConfigDict
from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from app.domain.bounds import TEXT_CHECK, ValidText
from app.domain.observation import SERVED_FIELDS as OBSERVATION_FIELDS

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class MetricKind(StrEnum):
    flow = "flow"
    stock = "stock"


def _check_dimension_names(names: list[str]) -> list[str]:
    clashes = sorted(set(names) & set(OBSERVATION_FIELDS))
    if clashes:
        raise ValueError(
            f"dimension names {', '.join(clashes)} are taken by observation fields; "
            "choose other names"
        )
    if len(set(names)) != len(names):
        raise ValueError("dimension names must not repeat")
    return sorted(names)


# A metric's code, as filters name it.
MetricCode = Annotated[str, pydantic.Field(pattern=CODE_PATTERN, examples=["nationals_entered"])]
DimensionName = Annotated[
    str, pydantic.Field(pattern=CODE_PATTERN, examples=["visa_type"]), TEXT_CHECK
]


# The seed's `nationals_entered` metric, as served (a test checks that it still is).
METRIC_EXAMPLE: dict[str, Any] = {
    "code": "nationals_entered",
    "name": "Nationals entered",
    "unit": "persons",
    "definition": (
        "Nationals of the origin who entered the destination during the period, whatever "
        "their purpose, counted as people (as in 'around 13,000 North Koreans entered'), not "
        "as entry events; optionally broken down by visa type. A count of entry events is "
        "entries."
    ),
    "kind": "flow",
    "dimensions": ["visa_type"],
    "observation_count": 2,
    "first_period_start": "2024-01-01",
    "last_period_end": "2024-12-31",
}


class MetricBase(SQLModel):
    """What a figure counts: `workers_entered`, `entries`, `monthly_pay_usd`..."""

    code: ValidText = Field(
        primary_key=True,
        max_length=64,
        schema_extra={"pattern": CODE_PATTERN},
        description="Stable lowercase code, used as `metric=` in filters.",
    )
    name: ValidText = Field(min_length=1, max_length=200, description="The metric's name.")
    unit: ValidText = Field(
        min_length=1,
        max_length=64,
        description="What one unit of `value` is: persons, entries, USD per month…",
    )
    definition: ValidText = Field(
        min_length=1, sa_type=Text, description="Exactly what the figure counts."
    )
    kind: MetricKind = Field(
        sa_type=String(8),
        description="`flow`: counted over a period (entries during 2024). "
        "`stock`: a level at a date (workers present on a date, pay).",
    )
    dimensions: Annotated[list[DimensionName], AfterValidator(_check_dimension_names)] = Field(
        default_factory=list,
        sa_type=JSON,
        description="Breakdowns an observation of this metric may carry; each is also a filter.",
    )


class MetricPublic(MetricBase):
    """A metric as served, with what the figures of it cover."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra={"examples": [METRIC_EXAMPLE]},
    )

    observation_count: int = Field(
        description="Observations of this metric that lists serve: retracted ones are left out."
    )
    first_period_start: date | None = Field(description="Earliest period start among them.")
    last_period_end: date | None = Field(description="Latest period end among them.")


WRITTEN_FIELDS = list(MetricBase.model_fields)
