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
