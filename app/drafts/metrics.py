"""Which metric of the catalog a draft counts: the one whose unit fits the figure's and whose
name and definition share the most words with what the sentence counts; or, when none
does, a new code proposed from those words, for the editor to create or replace. A guess
for review, which says which words made it."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.reading import Proposal


class MetricLike(Protocol):
    code: str
    name: str
    unit: str
    definition: str


@dataclass(frozen=True)
class MetricChoice:
    code: str
    is_new: bool
    why: str


# A draft's unit, and the first word of the units of the metrics that may count it.
UNIT_WORDS = {
    "persons": {"persons", "people", "workers"},
    "percent": {"percent", "%"},
    "hours": {"hours"},
    "days": {"days"},
    "weeks": {"weeks"},
    "months": {"months"},
    "years": {"years"},
}
# Words that tell nothing of what is counted.
STOP_WORDS = frozenset(
    {
        *("a", "an", "the", "of", "to", "in", "on", "at", "for", "from", "by", "with", "and"),
        *("or", "as", "is", "are", "was", "were", "be", "been", "who", "that", "this", "their"),
        *("its", "it", "per", "each", "during", "period", "origin", "destination", "counted"),
        *("count", "source", "figure", "figures", "said", "says"),
    }
)
# Suffixes cut so that "laborers", "labor" and "laboring" meet.
_SUFFIXES = ("ers", "ing", "ed", "er", "es", "s")


def stem(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str | None, *, names: bool = True) -> set[str]:
    """The stems of a text's words; without `names`, none capitalised: in a sentence of the
    text those name countries, peoples and bodies, who rather than what is counted."""
    found = re.findall(r"[A-Za-z]+", text or "")
    return {
        stem(word)
        for word in found
        if word.lower() not in STOP_WORDS and len(word) > 2 and (names or not word[0].isupper())
    }


def fits(unit: str, currency: str | None, metric_unit: str) -> bool:
    """A metric whose unit can hold the figure: money in its currency, or the same unit."""
    first = metric_unit.split()[0].lower() if metric_unit.strip() else ""
    if unit == "money":
        return currency is not None and first == currency.lower()
    return first in UNIT_WORDS.get(unit, {unit})


def choose_metric(proposal: Proposal, catalog: Sequence[MetricLike]) -> MetricChoice:
    """The catalog's metric for this draft, or a new code (see the module)."""
    counted = words(proposal.what, names=False)
    context = words(proposal.quote, names=False) | counted
    best: tuple[int, int, str, set[str]] | None = None
    for metric in catalog:
        if not fits(proposal.unit, proposal.currency, metric.unit):
            continue
        described = words(metric.name) | words(metric.definition)
        shared = context & described
        # What the figure counts weighs more than the rest of its sentence.
        score = (len(counted & described), len(shared))
        # A metric must share a word with what is counted, when the sentence says what.
        if (score[0] if counted else shared) and (best is None or score > best[:2]):
            best = (*score, metric.code, shared)
    if best is not None:
        _, _, code, shared = best
        return MetricChoice(code, False, f"shares {_listed(shared)} with {code}'s definition")
    code = new_code(proposal)
    taken = {metric.code for metric in catalog}
    suffix = 2
    while code in taken:
        code, suffix = f"{new_code(proposal)}_{suffix}", suffix + 1
    return MetricChoice(
        code,
        True,
        f"no metric of the catalog in {proposal.unit} shares its words: a new code, from "
        f"what the sentence counts ({proposal.what or proposal.unit!r})",
    )


def new_code(proposal: Proposal) -> str:
    """A code from what is counted (`laborers`), or from the unit."""
    found = re.findall(r"[a-z]+", (proposal.what or "").lower())
    named = "_".join([word for word in found if word not in STOP_WORDS][:4])
    base = named or f"figures_in_{proposal.unit}"
    if proposal.unit == "money" and proposal.currency:
        base = f"{base}_{proposal.currency.lower()}"
    return base[:64]


def _listed(shared: Iterable[str]) -> str:
    return ", ".join(f"'{word}'" for word in sorted(shared))
