"""The query string of GET /v1/series, as a model. Breakdown filters (`visa_type=student`)
arrive as extra fields."""

from pydantic import Field

from app.domain.codes import CountryCode, SubdivisionCode
from app.domain.dates import PartialDate
from app.domain.metric import MetricCode
from app.http.query import AsOf, BreakdownParameters, FormatChoice


class SeriesQuery(BreakdownParameters):
    metric: list[MetricCode] = Field(
        min_length=1, description="Metric code; repeat for several.", examples=["entries"]
    )
    origin: CountryCode = Field(description="ISO 3166-1 alpha-3.", examples=["PRK"])
    destination: CountryCode = Field(description="ISO 3166-1 alpha-3.", examples=["RUS"])
    region: SubdivisionCode | None = Field(
        default=None, description="ISO 3166-2 region of the destination."
    )
    period_from: PartialDate | None = Field(
        default=None, description="YYYY, YYYY-MM or YYYY-MM-DD."
    )
    period_to: PartialDate | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    as_of: AsOf = None
    format: FormatChoice = None
