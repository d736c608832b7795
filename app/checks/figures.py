"""Where a figure sits in its quote, and how the quote states it: the numbers a quote writes
(10,000, 10000, $100, 18-hour, 1.5 million, two), the hedge words right before or after
each, and the ranges they form."""

import re
from dataclasses import dataclass
from functools import lru_cache

from app.domain.figures import HEDGES_AFTER, HEDGES_BEFORE, Qualifier

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "a dozen": 12,
}  # fmt: skip
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
# A number as people write it: "$" and thousands separators allowed, never part of a longer
# number or word ("2024" holds no 20, "10,000" no 10); "18-hour" is 18; a scale word follows.
# Digits and words are two patterns, each with a lookahead that skips at once the places
# where it cannot start: one pattern of both is several times slower.
_DIGITS = re.compile(
    r"(?=[$\d])(?<![\w.,])\$?(?P<digits>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\d,]\d|\.\d)"
    rf"(?:[\s-](?P<scale>{'|'.join(SCALES)})\b)?"
)
_WORDS = re.compile(
    rf"\b(?=[{''.join(sorted({word[0] for word in NUMBER_WORDS}))}])"
    rf"(?P<word>{'|'.join(NUMBER_WORDS)})\b",
    re.IGNORECASE,
)
_MOST_WORDS = max(len(phrase.split()) for phrase in HEDGES_BEFORE)
_OPENING = "(\"'\u201c\u2018,;:"
_AFTER = re.compile(
    r"^(?:(?P<plus>\+|-plus\b)|(?:\s+[a-z\u2019'-]+){0,2}?\s+(?P<hedge>"
    + "|".join(sorted((p for p in HEDGES_AFTER if p.isalpha() or " " in p), key=len, reverse=True))
    + r")\b)",
    re.IGNORECASE,
)
# Between two figures: "100-200", "$100-$200" (or an en or em dash) make a range; so does
# "between 100 and 200". "100 to 200" may be a change rather than a range ("rose from 100
# to 200"), so it only supports a stored range, never contradicts another qualifier.
_DASH = re.compile(r"\s*[-\u2013\u2014]\s*")
_TO = re.compile(r"\s+(?:to|and|or)\s+")
_BETWEEN = re.compile(r"\bbetween\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A figure as the quote writes it: where, and what the words around it say."""

    start: int
    end: int
    hedge: str | None  # the hedge phrase, as written
    hedged: frozenset[Qualifier]  # what the hedge allows; empty: no hedge
    in_range: bool  # one end of "A-B" or "between A and B"
    loosely_in_range: bool  # also "A to B", "A or B"


@dataclass(frozen=True)
class _Number:
    start: int
    end: int
    value: float


@lru_cache(maxsize=256)  # each rule looks for figures in the same quote
def numbers_in(quote: str) -> tuple[_Number, ...]:
    """Every number the quote writes, with its place and value."""
    found = []
    for match in _DIGITS.finditer(quote):
        value = float(match["digits"].replace(",", ""))
        if match["scale"]:
            value *= SCALES[match["scale"]]
        found.append(_Number(match.start(), match.end(), value))
    for match in _WORDS.finditer(quote):
        found.append(_Number(match.start(), match.end(), NUMBER_WORDS[match["word"].lower()]))
    found.sort(key=lambda number: number.start)
    return tuple(found)


def mentions_of(quote: str, figure: float) -> list[Mention]:
    """Each place the quote writes this figure, with its hedge and range."""
    numbers = numbers_in(quote)
    mentions = []
    for index, number in enumerate(numbers):
        if number.value != figure:
            continue
        before = numbers[index - 1] if index > 0 else None
        after = numbers[index + 1] if index + 1 < len(numbers) else None
        hedge, hedged = _hedge(quote, number)
        strict = _joined(quote, before, number, strict=True) or _joined(
            quote, number, after, strict=True
        )
        loose = strict or _joined(quote, before, number) or _joined(quote, number, after)
        mentions.append(Mention(number.start, number.end, hedge, hedged, strict, loose))
    return mentions


def _hedge(quote: str, number: _Number) -> tuple[str | None, frozenset[Qualifier]]:
    words = quote[max(0, number.start - 40) : number.start].lower().split()[-_MOST_WORDS:]
    for count in range(len(words), 0, -1):  # the longest first: "no more than", not "more than"
        phrase = " ".join(words[-count:]).lstrip(_OPENING)
        if phrase in HEDGES_BEFORE:
            return phrase, HEDGES_BEFORE[phrase]
    after = _AFTER.match(quote[number.end : number.end + 60])
    if after:
        phrase = after["plus"] or after["hedge"]
        return phrase, HEDGES_AFTER[phrase.lower()]
    return None, frozenset()


def _joined(quote: str, low: _Number | None, high: _Number | None, *, strict: bool = False) -> bool:
    """Whether two numbers next to each other make a range."""
    if low is None or high is None:
        return False
    between = quote[low.end : high.start]
    if _DASH.fullmatch(between):
        return True
    if strict:
        return bool(re.fullmatch(r"\s+and\s+", between) and _BETWEEN.search(quote[: low.start]))
    return bool(_TO.fullmatch(between))


def written(figure: float) -> str:
    """A figure as a message shows it: 10000.0 -> '10000'."""
    return str(int(figure)) if float(figure).is_integer() else str(figure)


def excerpt(quote: str, start: int, end: int, *, words: int = 2) -> str:
    """The words around quote[start:end], with '...' where the quote goes on."""
    before = re.search(rf"(?:\S+\s+){{0,{words}}}\S*$", quote[:start])
    after = re.match(rf"\S*(?:\s+\S+){{0,{words}}}", quote[end:])
    head = before.group() if before else ""
    tail = after.group() if after else ""
    text = head + quote[start:end] + tail
    prefix = "... " if start - len(head) > 0 else ""
    suffix = " ..." if end + len(tail) < len(quote) else ""
    return f'"{prefix}{text}{suffix}"'
