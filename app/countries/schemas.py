"""The country and pair lists as served. Each example is what the seed serves (a test checks
that it still is)."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The seed's origin, as GET /v1/countries serves it.
COUNTRY_EXAMPLE: dict[str, Any] = {
    "code": "PRK",
    "name": "Korea, Democratic People's Republic of",
    "common_name": "North Korea",
    "as_origin": 16,
    "as_destination": 0,
    "links": {
        "observations_from": "/v1/observations?origin=PRK",
        "observations_to": "/v1/observations?destination=PRK",
    },
}

# The seed's one pair, as GET /v1/pairs serves it.
PAIR_METRICS = [
    "days_off_per_year",
    "migrant_stock",
    "monthly_pay_usd",
    "nationals_entered",
    "shift_hours",
    "troops_deployed",
    "workers_assigned",
    "workers_entered",
]
PAIR_EXAMPLE: dict[str, Any] = {
    "origin": "PRK",
    "origin_name": "Korea, Democratic People's Republic of",
    "destination": "RUS",
    "destination_name": "Russian Federation",
    "metrics": PAIR_METRICS,
    "observation_count": 16,
    "first_period_start": "1990-01-01",
    "last_period_end": "2024-12-31",
    "links": {
        "observations": "/v1/observations?origin=PRK&destination=RUS",
        "series": "/v1/series?origin=PRK&destination=RUS&parts=true",
    },
}


class CountryLinks(BaseModel):
    observations_from: str = Field(description="The figures with this country as origin.")
    observations_to: str = Field(description="The figures with this country as destination.")


class CountryFigures(BaseModel):
    """A country some figure names, and how many name it each way: a row of the CSV."""

    code: str = Field(description="ISO 3166-1 alpha-3 code, as `origin=` and `destination=`.")
    name: str = Field(description="Its name in ISO 3166 (pycountry).")
    common_name: str | None = Field(
        default=None, description="The name in common use, where ISO 3166 gives one."
    )
    as_origin: int = Field(description="Figures with this country as origin.")
    as_destination: int = Field(description="Figures with this country as destination.")


class CountryPublic(CountryFigures):
    """A country some figure names, as origin or destination."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra={"examples": [COUNTRY_EXAMPLE]},
    )

    links: CountryLinks


class PairLinks(BaseModel):
    observations: str = Field(description="The pair's figures.")
    series: str = Field(
        description="The pair's figures per period, every metric side by side, breakdowns "
        "as parts: every figure for the whole destination (a region's are not in it)."
    )


class PairFigures(BaseModel):
    """An origin and destination some figures are about, and what the figures cover: a row
    of the CSV (its metrics space-separated)."""

    origin: str = Field(description="ISO 3166-1 alpha-3 code of the country of origin.")
    origin_name: str = Field(description="Its name in ISO 3166.")
    destination: str = Field(description="ISO 3166-1 alpha-3 code of the destination.")
    destination_name: str = Field(description="Its name in ISO 3166.")
    metrics: list[str] = Field(description="The codes of the metrics its figures count, sorted.")
    observation_count: int = Field(description="Figures about this pair.")
    first_period_start: date | None = Field(description="Earliest period start among them.")
    last_period_end: date | None = Field(description="Latest period end among them.")


class PairPublic(PairFigures):
    """An origin and destination some figures are about, and what those figures cover."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra={"examples": [PAIR_EXAMPLE]},
    )

    links: PairLinks


# Each list's CSV columns: its items' fields but the links.
COUNTRY_CSV_COLUMNS = list(CountryFigures.model_fields)
PAIR_CSV_COLUMNS = list(PairFigures.model_fields)
