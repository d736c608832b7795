"""Draft observations proposed from a text: one for every figure it states of people, money,
time or rates, each with the whole sentence it stands in, its qualifier, basis, period,
source and countries, and for every value the sentence does not state in so many words,
why it was read so (`inferred`); `explanation` says which words made each reading."""

import re
from dataclasses import dataclass, field

from app.domain.figures import Basis, Qualifier
from app.reading import attribution, countries, periods
from app.reading.basis import basis_of
from app.reading.hedges import qualifier_of
from app.reading.numbers import Number, numbers
from app.reading.sentences import Sentence, split
from app.reading.units import Counted, counted


@dataclass(frozen=True)
class Proposal:
    """A draft observation: a figure as a sentence of the text states it."""

    quote: str  # the whole sentence, an exact substring of the text
    quote_start: int
    quote_end: int
    span: str  # the figure's own words, with its hedge: "over 10,000"
    span_start: int  # offsets of the span in the text
    span_end: int
    value: float | None  # None for a range
    lower_bound: float | None
    upper_bound: float | None
    qualifier: Qualifier
    unit: str  # persons, percent, money, days, hours, weeks, months, years
    currency: str | None  # ISO 4217
    basis: Basis
    period_start: str | None  # ISO dates; None when nothing states or resolves the period
    period_end: str | None
    attributed_to: str | None
    relayed_through: str | None
    origin: str | None  # ISO 3166 alpha-3
    destination: str | None
    what: str | None
    inferred: dict[str, str] = field(default_factory=dict)
    explanation: dict[str, str] = field(default_factory=dict)


def _whole(value: float | None) -> float | None:
    return int(value) if value is not None and float(value).is_integer() else value


def propose(text: str, *, published_on: str | None) -> list[Proposal]:
    """Every figure `text` states, as draft observations. `published_on` ("YYYY-MM-DD",
    "YYYY-MM" or "YYYY") resolves relative periods ("last year"); None leaves them open."""
    sentences = split(text)
    plain = [s.text for s in sentences]
    place = countries.of_text(plain)
    relays = attribution.relays_by_source(plain)
    proposals: list[Proposal] = []
    earlier: list[attribution.Attribution] = []
    stated_before: list[attribution.Attribution | None] = []
    last_period: periods.Period | None = None
    for index, sentence in enumerate(sentences):
        source = _source(sentences, index, earlier, stated_before, text, relays)
        found = periods.periods_in(
            sentence.text, published_on=published_on, country=place.home, before=last_period
        )
        figures = numbers(sentence.text)
        for number in figures:
            unit = counted(sentence.text, number, place.home)
            if unit is None:
                continue
            period = _period_of(sentence.text, found, number, figures)
            proposal = _proposal(sentence, number, unit, period, source, place)
            proposals.append(proposal)
        stated = [p for p in found if p.kind not in ("previous", "same") and p.period_start]
        last_period = stated[-1] if stated else last_period
    return proposals


def _source(
    sentences: list[Sentence],
    index: int,
    earlier: list[attribution.Attribution],
    stated_before: list[attribution.Attribution | None],
    text: str,
    relays: dict[str, str],
) -> attribution.Attribution | None:
    """The sentence's source: named in it, in the sentence that closes its quotation, or
    carried from the sentence before it in its paragraph when that one names its source."""
    sentence = sentences[index]
    found = attribution.stated_in(sentence.text)
    if found is None and sentence.text.lstrip().startswith(("\u201c", '"')):
        found = _closing_attribution(sentences, index)
    if found is not None:
        found = attribution.resolved(found, earlier, text[: sentence.start])
    stated_before.append(found)
    if found is not None:
        if found.relay is None and (relay := relays.get(attribution.head_noun(found.who))):
            found = attribution.Attribution(
                found.who, relay, found.words, found.stated,
                found.reason or f"relayed through {relay}: the text says earlier they told it",
            )  # fmt: skip
        earlier.append(found)
        return found
    previous = sentences[index - 1] if index else None
    carried = stated_before[index - 1] if index else None
    if previous is not None and carried is not None and previous.paragraph == sentence.paragraph:
        reason = f"the sentence before, in the same paragraph, gives {carried.who} as its source"
        return attribution.Attribution(carried.who, carried.relay, carried.words, False, reason)
    return None


def _closing_attribution(sentences: list[Sentence], index: int) -> attribution.Attribution | None:
    for later in sentences[index : index + 4]:
        closing = max(later.text.rfind("\u201d"), later.text.rfind('"'))
        if closing > 0:
            return attribution.stated_in(later.text[closing + 1 :])
    return None


def _proposal(
    sentence: Sentence,
    number: Number,
    unit: Counted,
    period: periods.Period | None,
    source: attribution.Attribution | None,
    place: countries.TextCountries,
) -> Proposal:
    text = sentence.text
    hedge = qualifier_of(text, number.start, number.end, is_range=number.is_range,
                         range_words=number.range_words)  # fmt: skip
    inferred: dict[str, str] = {}
    explanation: dict[str, str] = {"qualifier": hedge.explanation}
    if unit.why:
        explanation["unit"] = unit.why
    if period is not None and period.period_start:
        explanation["period"] = f"'{period.words}'"
        if period.inferred:
            inferred["period"] = period.inferred
    elif period is not None:
        explanation["period"] = f"'{period.words}' resolves to no dates: left open"
        period = None
    who = source.who if source else None
    if source is not None:
        explanation["attributed_to"] = source.words
        if not source.stated and source.reason:
            inferred["attributed_to"] = source.reason
    basis, basis_words = basis_of(text, who)
    explanation["basis"] = basis_words
    origin, destination = _countries(text, number, place, inferred)
    return Proposal(
        quote=text,
        quote_start=sentence.start,
        quote_end=sentence.end,
        span=text[hedge.start : hedge.end],
        span_start=sentence.start + hedge.start,
        span_end=sentence.start + hedge.end,
        value=_whole(number.value),
        lower_bound=_whole(number.low),
        upper_bound=_whole(number.high),
        qualifier=hedge.qualifier,
        unit=unit.unit,
        currency=unit.currency,
        basis=Basis(basis),
        period_start=period.period_start if period else None,
        period_end=period.period_end if period else None,
        attributed_to=who,
        relayed_through=source.relay if source else None,
        origin=origin,
        destination=destination,
        what=unit.what,
        inferred=inferred,
        explanation=explanation,
    )


_COMPARED = re.compile(r"\b(?:compared|than|versus|from|matching|against)\b", re.IGNORECASE)


def _period_of(
    text: str, found: list[periods.Period], number: Number, others: list[Number]
) -> periods.Period | None:
    """The period a figure covers: one possessive right before it ("the previous year's
    1.96 million"), else the first after it (English puts the period after what it dates)
    unless it dates a figure it is compared with ("80,000 as compared with 130,000 this
    year"), else the nearest before it."""
    before = [p for p in found if p.end <= number.start]
    after = [
        p
        for p in found
        if p.start >= number.end
        and not p.possessive
        and not (
            _COMPARED.search(text[number.end : p.start])
            and any(number.end <= o.start < p.start for o in others)
        )
    ]
    if before and before[-1].possessive and number.start - before[-1].end < 40:
        return before[-1]
    if after:
        return after[0]
    plain = [p for p in before if not p.possessive]
    return plain[-1] if plain else None


_RETURN = re.compile(r"\b(?:brought|back home|returned|return|repatriat\w*)\b", re.IGNORECASE)


def _countries(
    text: str, number: Number, place: countries.TextCountries, inferred: dict[str, str]
) -> tuple[str | None, str | None]:
    origins = countries.origins_in(text)
    destinations = countries.destinations_in(text)
    if _RETURN.search(text):  # bodies brought home: the way back of the same migrants
        named = countries.mentions(text)
        home_named = [m for m in named if m.code == place.origin]
        away = [m for m in named if m.code != place.origin and not m.demonym]
        origins = home_named or origins
        destinations = [m for m in away if m in destinations] or destinations
        destinations = [m for m in destinations if m.code != place.origin]
    foreign = re.search(r"\bforeign(?:ers|\s+(?:citizens|nationals|workers))\b", text[number.end :])
    if foreign and place.home:
        inferred["destination"] = f"'{foreign.group()}': people from abroad, in the text's country"
        inside = [m.code for m in destinations]
        return None, inside[0] if inside else place.home
    origin = _nearest(origins, number)
    if origin is None and place.origin:
        origin = place.origin
        if not origins:
            inferred["origin"] = "the country the text's migrants come from, in its other sentences"
    elif origin is not None and not any(m.demonym is False for m in origins):
        inferred["origin"] = f"read from the demonym '{_word(origins, origin)}'"
    destination = _clause_destination(text, number, destinations, origin)
    if destination is None and not [m for m in countries.mentions(text) if not m.demonym
                                    and m.code != origin] and place.destination:  # fmt: skip
        destination = place.destination
        inferred["destination"] = (
            "the one country the text's migrants go to, in its other sentences"
        )
    return origin, destination


def _word(mentions: list[countries.Mention], code: str) -> str:
    return next(m.words for m in mentions if m.code == code)


def _nearest(mentions: list[countries.Mention], number: Number) -> str | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: abs(m.start - number.start)).code


def _clause_destination(
    text: str, number: Number, destinations: list[countries.Mention], origin: str | None
) -> str | None:
    bounds = [0, *(m.end() for m in re.finditer(r"[,;\u2013\u2014]", text)), len(text) + 1]
    start = max(b for b in bounds if b <= number.start)
    end = min(b for b in bounds if b > number.end - 1)
    inside = [m for m in destinations if start <= m.start < end and m.code != origin]
    return inside[0].code if inside else None
