"""ISO 3166 codes: countries (alpha-3) and the subdivisions of a country (ISO 3166-2)."""

import difflib
import re
from functools import cache
from typing import Annotated

import pycountry
from babel import Locale
from pydantic import AfterValidator, BeforeValidator, Field

from app.domain.bounds import ValidText


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _named(text: str) -> str:
    return text.casefold().replace("the ", "").strip()


@cache
def country_names() -> dict[str, str]:
    """Every name a country goes by in English, to its alpha-3 code: ISO 3166's names
    (pycountry) and the short names in common use (CLDR's, through Babel: "Russia")."""
    short = Locale("en").territories
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
            short.get(country.alpha_2),
        ):
            if name:
                names.setdefault(name, country.alpha_3)
    return names


@cache
def _names_pattern() -> re.Pattern[str]:
    longest_first = sorted(country_names(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, longest_first)) + r")\b")


def countries_named_in(text: str) -> dict[str, str]:
    """The countries `text` names, by name ("North Korea", "Russia"), to their codes; an
    adjective ("North Korean") is not a name."""
    return {
        match.group(): country_names()[match.group()] for match in _names_pattern().finditer(text)
    }


def country_suggestion(text: str) -> str:
    """' Did you mean PRK (North Korea)?' for a country's name, or a code close to one
    written; '' when none comes near."""
    wanted = _named(text)
    found = [
        pycountry.countries.get(alpha_3=code)
        for code in dict.fromkeys(
            code for name, code in country_names().items() if _named(name) == wanted
        )
    ]
    if not found and len(text.strip()) > 3:
        try:
            found = pycountry.countries.search_fuzzy(text.strip())[:1]
        except LookupError:
            found = []
    if not found:  # a code mistyped: its letters swapped, or one of them wrong
        written = text.strip().upper()
        codes = [country.alpha_3 for country in pycountry.countries]
        close = [code for code in codes if sorted(code) == sorted(written)]
        close = close or difflib.get_close_matches(written, codes, n=2, cutoff=0.6)
        found = [pycountry.countries.get(alpha_3=code) for code in close]
    named = [f"{c.alpha_3} ({getattr(c, 'common_name', None) or c.name})" for c in found]
    return f" Did you mean {' or '.join(named)}?" if named else ""


def _country_code(value: object) -> object:
    """A country's alpha-3 code, whatever its case; anything else is refused with the code
    of the country it may name."""
    if not isinstance(value, str):
        return value
    code = value.strip().upper()
    if len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None:
        return code
    hint = country_suggestion(value)
    raise ValueError(
        f"'{value.strip()[:40]}' is not an ISO 3166-1 alpha-3 country code.{hint} Use three "
        "letters such as PRK or RUS"
    )


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
    BeforeValidator(_country_code),
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
