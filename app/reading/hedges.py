"""A figure's qualifier, from the words right before or after it. The hedge words are
app.domain.figures' HEDGES_BEFORE and HEDGES_AFTER, the one vocabulary the API's checks also
read; this module only settles the phrases that vocabulary leaves open between two
qualifiers, and adds the words that make a typical value approximate."""

import re
from dataclasses import dataclass

from app.domain.figures import HEDGES_AFTER, HEDGES_BEFORE, Qualifier

# Phrases HEDGES_BEFORE allows two qualifiers for, settled as the issue reads them:
# "nearly 5,000" is about 5,000; "as many as 5,000" and "just under" cap it; "just over"
# floors it.
_SETTLED: dict[str, Qualifier] = {
    "nearly": Qualifier.approximate,
    "almost": Qualifier.approximate,
    "close to": Qualifier.approximate,
    "just under": Qualifier.at_most,
    "as many as": Qualifier.at_most,
    "as much as": Qualifier.at_most,
    "just over": Qualifier.at_least,
    "just above": Qualifier.at_least,
    "slightly over": Qualifier.at_least,
}
# A typical or average value is an approximate one ("typically work 18-hour shifts").
# An average is a statistic of its own, stated exactly: not among them.
_TYPICAL = re.compile(
    r"\b(?:typically|usually|generally|normally|often)\b(?:\s+[\w'-]+){0,2}\s*$", re.IGNORECASE
)
_LONGEST = max(len(phrase.split()) for phrase in HEDGES_BEFORE)
_OPENING = "(\"'\u201c\u2018,;:"
# Words a hedge may not be: "some 5,000" hedges, "in some 5 provinces" would too, but
# "over" after a verb of time ("over 10 years") still floors.
_AFTER = re.compile(
    r"^(?:\s*(?P<plus>\+|-plus\b)|(?:\s+[a-z\u2019'-]+){0,2}?\s+(?P<hedge>"
    + "|".join(re.escape(p) for p in sorted(HEDGES_AFTER, key=len, reverse=True) if p not in ("+",))
    + r")\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hedge:
    qualifier: Qualifier
    words: str | None  # the hedge as written, None when the figure has none
    start: int  # where the hedge starts (the figure's start when before it there is none)
    end: int  # where it ends (the figure's end when after it there is none)
    explanation: str


def qualifier_of(sentence: str, start: int, end: int, *, is_range: bool, range_words: str | None
                 ) -> Hedge:  # fmt: skip
    """The qualifier of the figure at sentence[start:end]."""
    if is_range:
        return Hedge(Qualifier.range, None, start, end, f"{range_words} gives two ends")
    before = sentence[:start]
    words = list(re.finditer(r"\S+", before[-60:]))[-_LONGEST:]
    offset = max(0, len(before) - 60)
    for count in range(len(words), 0, -1):  # the longest first: "no more than", not "more than"
        first = words[-count]
        phrase = " ".join(w.group() for w in words[-count:]).lstrip(_OPENING).lower()
        if not before[offset + words[-1].end() :].strip() and phrase in HEDGES_BEFORE:
            qualifier = _SETTLED.get(phrase) or next(iter(HEDGES_BEFORE[phrase]))
            at = offset + first.start() + (len(first.group()) - len(first.group().lstrip(_OPENING)))
            return Hedge(qualifier, phrase, at, end, f"'{phrase}' before the figure")
    after = _AFTER.match(sentence[end : end + 40])
    if after:
        phrase = (after["plus"] or after["hedge"]).lower()
        allowed = HEDGES_AFTER[phrase]
        return Hedge(next(iter(allowed)), phrase, start, end + after.end(),
                     f"'{phrase}' after the figure")  # fmt: skip
    typical = _TYPICAL.search(before)
    if typical:
        word = typical.group().split()[0].lower()
        return Hedge(Qualifier.approximate, word, start, end,
                     f"'{word}' before the figure: a typical value")  # fmt: skip
    return Hedge(Qualifier.exact, None, start, end, "no hedge: stated exactly")
