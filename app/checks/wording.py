"""The rules that read a figure's qualifier and basis against its quote's words
(qualifier-wording, basis-wording; app/checks/service.py states them)."""

import re
from collections.abc import Sequence

from app.checks.figures import Mention, excerpt, mentions_of, written
from app.domain.figures import Basis, Qualifier

HEDGED = (Qualifier.approximate, Qualifier.at_least, Qualifier.at_most)
# Words of the future. "will" as a noun ("against their will") is not one.
_FUTURE = re.compile(
    r"\b(?:expected|expects?|would|will|plans? to|planned to|planning to|is to|are to|"
    r"(?:is|are) set to|intends? to|(?:is|are) going to|projected|forecasts?)\b",
    re.IGNORECASE,
)
# What each of them holds: most quotes hold none, and `in` finds that at once.
_FUTURE_STEMS = ("expect", "would", "will", "plan", "is to", "are to", "set to", "intend")
_FUTURE_STEMS += ("going to", "projected", "forecast")
_WILL_AS_NOUN = re.compile(
    r"\b(?:their|his|her|its|my|our|your|own|free|good|ill|the|a|against)\s+$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def qualifier_wording(
    quote: str,
    *,
    qualifier: str,
    value: float | None,
    lower_bound: float | None,
    upper_bound: float | None,
) -> list[str]:
    """What contradicts the stored qualifier in the words around the figure; nothing when
    the figure is not found in the quote."""
    if qualifier == Qualifier.range:
        return _range_wording(quote, lower_bound, upper_bound)
    figure = value
    if figure is None:
        figure = {Qualifier.at_least: lower_bound, Qualifier.at_most: upper_bound}.get(
            Qualifier(qualifier)
        )
    if figure is None:
        return []
    mentions = mentions_of(quote, figure)
    if not mentions or any(qualifier in _stated(mention) for mention in mentions):
        return []
    mention = mentions[0]
    shown = excerpt(quote, mention.start, mention.end)
    if mention.in_range:
        return [
            f"qualifier {qualifier}, but the quote gives {written(figure)} as one end of a "
            f"range ({shown}): store range with its lower_bound and upper_bound"
        ]
    if not mention.hedged:
        return [
            f"qualifier {qualifier}, but the quote states {written(figure)} with no hedge "
            f"({shown}): store exact (no hedge is exact)"
        ]
    allowed = " or ".join(sorted(mention.hedged))
    return [
        f"qualifier {qualifier}, but the quote says '{mention.hedge}' of {written(figure)} "
        f"({shown}): store {allowed}"
    ]


def _stated(mention: Mention) -> frozenset[str]:
    """The qualifiers the quote's words allow for one mention of the figure."""
    if mention.in_range:
        return frozenset({Qualifier.range})
    return mention.hedged or frozenset({Qualifier.exact})


def _range_wording(quote: str, lower: float | None, upper: float | None) -> list[str]:
    """A stored range is contradicted only when its bounds are found and none is written as
    a range or with the hedge of its end (at least the lower, at most the upper)."""
    lows = mentions_of(quote, lower) if lower is not None else []
    highs = mentions_of(quote, upper) if upper is not None else []
    if not lows and not highs:
        return []
    if any(m.loosely_in_range or Qualifier.at_least in m.hedged for m in lows) or any(
        m.loosely_in_range or Qualifier.at_most in m.hedged for m in highs
    ):
        return []
    mention = (lows or highs)[0]
    bounds = " and ".join(written(b) for b in (lower, upper) if b is not None)
    return [
        f"qualifier range, but the quote gives {bounds} as no range "
        f"({excerpt(quote, mention.start, mention.end)}): store the qualifier its words give"
    ]


def basis_wording(quote: str, *, basis: str, figures: Sequence[float | None] = ()) -> list[str]:
    """A figure the quote speaks of in the future is a projection. Only the sentences that
    write the figure are read, when it is found: a quote may add a sentence on what comes
    next to one on what was."""
    lowered = quote.lower()
    if basis == Basis.projection or not any(stem in lowered for stem in _FUTURE_STEMS):
        return []
    read = _sentences_with(quote, figures)
    for match in _FUTURE.finditer(read):
        if match.group().lower() == "will" and _WILL_AS_NOUN.search(read[: match.start()]):
            continue
        shown = excerpt(read, match.start(), match.end())
        return [
            f"basis {basis}, but the quote speaks of the future ('{match.group()}', {shown}): "
            "store projection"
        ]
    return []


def _sentences_with(quote: str, figures: Sequence[float | None]) -> str:
    places = [m.start for f in figures if f is not None for m in mentions_of(quote, f)]
    if not places:
        return quote
    kept, start = [], 0
    for sentence_end in [*(m.start() for m in _SENTENCE_END.finditer(quote)), len(quote)]:
        if any(start <= place < sentence_end for place in places):
            kept.append(quote[start:sentence_end])
        start = sentence_end
    return " ".join(part.strip() for part in kept)
