"""The data's licence, apart from the code's (MIT, in pyproject.toml): what `GET /v1`, the
data package and the README state.

CC BY 4.0, the licence most open statistics are published under: anyone may reuse and
adapt the compilation (the figures as read, their qualifiers, periods, notes, citations
and metric definitions) if they credit it. The sentences quoted from sources are not ours
to license: they stay their publishers', quoted so that each figure can be checked."""

from typing import Any

LICENSE_ID = "CC-BY-4.0"  # SPDX, and the Open Definition id Frictionless asks for
LICENSE_TITLE = "Creative Commons Attribution 4.0 International"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
APPLIES_TO = (
    "The dataset as compiled here: each figure as read from its source, its qualifier, "
    "basis, period and notes, the sources' descriptions, the metrics' definitions and "
    "the citations."
)
QUOTES = (
    "Quoted text (each observation's quote, and any source text kept) remains its "
    "publisher's: it is quoted to let readers check each figure, not relicensed."
)


# What a citation of a figure adds, beside its original source: the compilation it came
# through, as CC BY asks ("via laborstats, CC BY 4.0").
COMPILATION = "laborstats"
CREDIT = f"Via {COMPILATION}, CC BY 4.0."


def index_license() -> dict[str, str]:
    """As `GET /v1` states it."""
    return {
        "id": LICENSE_ID,
        "name": LICENSE_TITLE,
        "url": LICENSE_URL,
        "applies_to": APPLIES_TO,
        "quotes": QUOTES,
    }


def package_licenses() -> list[dict[str, Any]]:
    """A data package's `licenses`, in Frictionless form (name, path, title)."""
    return [{"name": LICENSE_ID, "path": LICENSE_URL, "title": LICENSE_TITLE}]
