"""Countries as tables name them, read as ISO 3166 alpha-3: alpha-3 itself (OECD,
ILOSTAT), alpha-2 (Eurostat, which writes EL for Greece and UK for the United Kingdom), UN
M49 numbers (UN DESA: 643 is the Russian Federation), or English names."""

from functools import cache

import pycountry

from app.domain.codes import country_names

# Eurostat's own two-letter codes (its "country codes" guide) where ISO 3166 has others.
EUROSTAT_ALPHA_2 = {"EL": "GR", "UK": "GB"}


@cache
def country_from(code: str, scheme: str) -> str | None:
    """The alpha-3 code a table's `code` names in `scheme` (iso3, iso2, m49, names); None
    when it names no country (an aggregate such as EU27 or 900, the world)."""
    written = code.strip()
    if scheme == "names":
        return country_names().get(written)
    if scheme == "iso2":
        found = pycountry.countries.get(
            alpha_2=EUROSTAT_ALPHA_2.get(written.upper(), written.upper())
        )
    elif scheme == "m49":
        found = pycountry.countries.get(numeric=written.zfill(3)) if written.isdigit() else None
    else:
        found = pycountry.countries.get(alpha_3=written.upper())
    return found.alpha_3 if found is not None else None
