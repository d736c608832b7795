"""The query string of GET /v1/series, as a model. Breakdown filters (`visa_type=student`)
arrive as extra fields."""

from pydantic import Field

from app.domain.codes import CountryCode, SubdivisionCode
from app.domain.dates import DATED_FORM, PartialDateWithYear
from app.domain.metric import MetricCode
from app.http.query import AsOfParameter, BreakdownParameters, FigureFormatChoice


class SeriesQuery(BreakdownParameters):
    metric: list[MetricCode] = Field(
        default=[],
        description="Metric code; repeat for several. Without it: every metric the pair has.",
        examples=["nationals_entered"],
    )
    origin: CountryCode | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3. May be left out when the other parameters leave "
        "one pair (else a 400 lists them).",
        examples=["PRK"],
    )
    destination: CountryCode | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3. May be left out when the other parameters leave "
        "one pair (else a 400 lists them).",
        examples=["RUS"],
    )
    region: SubdivisionCode | None = Field(
        default=None, description="ISO 3166-2 region of the destination."
    )
    # Bounds on a time line need a year: '--06' is a 400 naming the parameter.
    period_from: PartialDateWithYear | None = Field(default=None, description=f"{DATED_FORM}.")
    period_to: PartialDateWithYear | None = Field(default=None, description=f"{DATED_FORM}.")
    parts: bool = Field(
        default=False,
        description="Also give each period's breakdowns (by visa type, by sector...) in "
        "`parts`, beside the totals; a breakdown names its total in `part_of`, when the source "
        "gives one. `low` and `high` stay the totals'. Not with a breakdown filter, which "
        "gives that breakdown's figures as the series instead.",
    )
    as_of: AsOfParameter = None
    format: FigureFormatChoice = None
