from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.domain.figures import Figure
from app.domain.observation import OBSERVATION_EXAMPLE, ObservationPublic


class SeriesMetric(BaseModel):
    metric: str
    unit: str
    low: Figure | None = Field(
        description="The lowest figure stated for this period (a lower bound or a value). "
        "It bounds what the sources said, not the truth: 'at least 10,000' may be more."
    )
    high: Figure | None = Field(
        description="The highest figure stated (an upper bound or a value)."
    )
    observations: list[ObservationPublic] = Field(
        description="Every figure for this metric and period, side by side; none is picked."
    )
    parts: list[ObservationPublic] | None = Field(
        default=None,
        description="Only with parts=true: the breakdowns of this metric for this period "
        "(each with its `dimensions`, and its total in `part_of` where the source gives one).",
    )


class SeriesPeriod(BaseModel):
    period_start: date | None = Field(description="Null for figures with no period given.")
    period_end: date | None
    period_label: str
    metrics: list[SeriesMetric]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period_start": "2024-01-01",
                    "period_end": "2024-12-31",
                    "period_label": "2024",
                    "metrics": [
                        {
                            "metric": "workers_entered",
                            "unit": "persons",
                            "low": 10000,
                            "high": 10000,
                            "observations": [OBSERVATION_EXAMPLE],
                        }
                    ],
                }
            ]
        }
    )
