"""ISO 3166 codes: countries (alpha-3) and the subdivisions of a country (ISO 3166-2)."""

from typing import Annotated

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field

from app.domain.bounds import ValidText


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


CountryCode = Annotated[
    ValidText,
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
    ValidText,
    BeforeValidator(_upper),
    AfterValidator(check_subdivision),
    Field(description="ISO 3166-2 subdivision code.", examples=["RU-KRS"], max_length=6),
]
