"""Value types shared by the schemas: ISO 3166 codes and dates of reduced precision."""

import calendar
import re
from datetime import date
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field

PARTIAL_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
PARTIAL_DATE_FORM = "YYYY, YYYY-MM or YYYY-MM-DD"


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def check_country(code: str) -> str:
    if pycountry.countries.get(alpha_3=code) is None:
        raise ValueError(
            f"'{code}' is not an ISO 3166-1 alpha-3 country code; "
            "use three letters such as PRK or RUS"
        )
    return code


def check_subdivision(code: str) -> str:
    if pycountry.subdivisions.get(code=code) is None:
        raise ValueError(
            f"'{code}' is not an ISO 3166-2 subdivision code; use the form RU-KRS (Kursk Oblast)"
        )
    return code


def subdivision_country(code: str) -> str:
    """The alpha-3 code of the country a subdivision belongs to: RU-KRS -> RUS."""
    subdivision = pycountry.subdivisions.get(code=code)
    country = pycountry.countries.get(alpha_2=subdivision.country_code) if subdivision else None
    return country.alpha_3 if country else ""


def partial_date_span(text: str) -> tuple[date, date]:
    """The first and last day a date of reduced precision covers: '2024-02' -> Feb 1 to Feb 29."""
    match = PARTIAL_DATE_PATTERN.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a date; use {PARTIAL_DATE_FORM}")
    year, month, day = match.groups()
    try:
        if day:
            exact = date(int(year), int(month), int(day))
            return exact, exact
        if month:
            last_day = calendar.monthrange(int(year), int(month))[1]
            return date(int(year), int(month), 1), date(int(year), int(month), last_day)
        return date(int(year), 1, 1), date(int(year), 12, 31)
    except ValueError:
        raise ValueError(f"'{text}' is not a date; use {PARTIAL_DATE_FORM}") from None


def check_partial_date(text: str) -> str:
    partial_date_span(text)
    return text


CountryCode = Annotated[
    str,
    BeforeValidator(_upper),
    AfterValidator(check_country),
    Field(
        description="ISO 3166-1 alpha-3 country code.",
        examples=["PRK"],
        min_length=3,
        max_length=3,
    ),
]
SubdivisionCode = Annotated[
    str,
    BeforeValidator(_upper),
    AfterValidator(check_subdivision),
    Field(description="ISO 3166-2 subdivision code.", examples=["RU-KRS"], max_length=6),
]
PartialDate = Annotated[
    str,
    AfterValidator(check_partial_date),
    Field(
        description=f"An ISO 8601 date, as precise as the source: {PARTIAL_DATE_FORM}.",
        examples=["2025-06"],
        max_length=10,
    ),
]
