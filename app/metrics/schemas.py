from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.observations.columns import CORE_COLUMNS

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class MetricKind(StrEnum):
    flow = "flow"
    stock = "stock"


def _check_dimension_names(names: list[str]) -> list[str]:
    clashes = sorted(set(names) & set(CORE_COLUMNS))
    if clashes:
        raise ValueError(
            f"dimension names {', '.join(clashes)} are taken by observation fields; "
            "choose other names"
        )
    if len(set(names)) != len(names):
        raise ValueError("dimension names must not repeat")
    return sorted(names)


DimensionName = Annotated[str, Field(pattern=CODE_PATTERN, examples=["visa_type"])]


class MetricIn(BaseModel):
    """A metric as written in an import file."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, description="Stable lowercase code.")
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=64)
    definition: str = Field(min_length=1)
    kind: MetricKind
    dimensions: Annotated[list[DimensionName], AfterValidator(_check_dimension_names)] = []


class MetricPublic(BaseModel):
    code: str = Field(description="Stable lowercase code, used as `metric=` in filters.")
    name: str
    unit: str = Field(description="What one unit of `value` is: persons, entries, USD per month…")
    definition: str = Field(description="Exactly what the figure counts.")
    kind: MetricKind = Field(
        description="`flow`: counted over a period (entries during 2024). "
        "`stock`: a level at a date (workers present on a date, pay)."
    )
    dimensions: list[str] = Field(
        description="Breakdowns an observation of this metric may carry; each is also a filter."
    )
    observation_count: int = Field(description="Observations of this metric.")
    first_period_start: date | None = Field(description="Earliest period start among them.")
    last_period_end: date | None = Field(description="Latest period end among them.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "entries",
                    "name": "Entries",
                    "unit": "entries",
                    "definition": (
                        "All entries of the origin's nationals into the destination during "
                        "the period, whatever their purpose, optionally broken down by visa type."
                    ),
                    "kind": "flow",
                    "dimensions": ["visa_type"],
                    "observation_count": 2,
                    "first_period_start": "2024-01-01",
                    "last_period_end": "2024-12-31",
                }
            ]
        }
    )
