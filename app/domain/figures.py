"""How a figure is stated (its qualifier) and what kind of figure it is (its basis), and
figures written as people write them."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import PlainSerializer


class Qualifier(StrEnum):
    exact = "exact"
    approximate = "approximate"
    at_least = "at_least"
    at_most = "at_most"
    range = "range"


class Basis(StrEnum):
    official = "official"
    estimate = "estimate"
    projection = "projection"


# How a source's words say each qualifier, as descriptions give it.
QUALIFIER_WORDS = {
    Qualifier.exact: "no hedge",
    Qualifier.approximate: "'around'",
    Qualifier.at_least: "'over'",
    Qualifier.at_most: "'up to'",
    Qualifier.range: "'100-200'",
}


# The words a source hedges a figure with, and the qualifiers each allows (the check of a
# stored qualifier against its quote reads them; so does a 400 for `qualifier=about`).
# Right before a figure.
HEDGES_BEFORE: dict[str, frozenset[Qualifier]] = {
    phrase: frozenset(qualifiers)
    for qualifiers, phrases in (
        (
            {Qualifier.at_least},
            "over|more than|above|at least|upwards of|in excess of|no fewer than|no less than|"
            "not less than|a minimum of",
        ),
        (
            {Qualifier.at_most},
            "up to|at most|fewer than|less than|under|below|no more than|not more than|"
            "a maximum of",
        ),
        (
            {Qualifier.approximate},
            "around|about|approximately|roughly|some|an estimated|circa|approx.|c.|~|"
            "of about|of around",
        ),
        ({Qualifier.at_least, Qualifier.approximate}, "just over|just above|slightly over"),
        (
            {Qualifier.at_most, Qualifier.approximate},
            "nearly|almost|close to|just under|as many as|as much as",
        ),
    )
    for phrase in phrases.split("|")
}
# Right after it ("10,000 workers or more").
HEDGES_AFTER: dict[str, frozenset[Qualifier]] = {
    **dict.fromkeys(
        ("or more", "or over", "or above", "and above", "and over", "at least", "-plus", "+"),
        frozenset({Qualifier.at_least}),
    ),
    **dict.fromkeys(
        ("or less", "or fewer", "or under", "and under", "and below", "at most", "at the most"),
        frozenset({Qualifier.at_most}),
    ),
    **dict.fromkeys(("or so", "or thereabouts"), frozenset({Qualifier.approximate})),
}


def qualifier_said_as(words: str) -> Qualifier | None:
    """The one qualifier a hedge stands for ('about': approximate), if it stands for one."""
    allowed = HEDGES_BEFORE.get(words.strip().lower()) or HEDGES_AFTER.get(words.strip().lower())
    return next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None


def one_of_words(values: Iterable[str]) -> str:
    """'a, b or c': the values a field takes, as a sentence lists them."""
    *rest, last = [str(value) for value in values]
    return f"{', '.join(rest)} or {last}" if rest else last


# Past 2^53 a float no longer holds every whole number: written as an int it would claim
# digits it does not have (and past 2^64, JSON writers refuse it).
EXACT_WHOLE = 2.0**53


def plain_number(value: float | None) -> float | int | None:
    """10000.0 -> 10000: figures read as people wrote them, in JSON and CSV alike."""
    if value is not None and value.is_integer() and abs(value) <= EXACT_WHOLE:
        return int(value)
    return value


# Served as people write figures: 10000, not 10000.0.
Figure = Annotated[float, PlainSerializer(plain_number, return_type=float | int, when_used="json")]
