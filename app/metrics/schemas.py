"""The metric models the API reads and writes, derived from app.domain.metric."""

from pydantic import ConfigDict

from app.domain.metric import MetricBase


class MetricCreate(MetricBase):
    """A new metric: the body of POST /v1/metrics, and a row of metrics.csv."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "remittances_usd",
                    "name": "Remittances",
                    "unit": "USD",
                    "definition": "Money sent home by the origin's workers in the destination.",
                    "kind": "flow",
                    "dimensions": [],
                }
            ]
        },
    )
