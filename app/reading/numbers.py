"""The figures a sentence writes: numbers in digits or words, with their currency, scale and
percent sign, joined into ranges ("$100-$200", "between 1 and 2 million"), and the numbers
that are no figures left out (years, days of a month, ages, law and page numbers, phone
numbers, ordinals, counts in names such as "G7" or "COVID-19").

Rules over spans rather than a general library: number parsers (word2number, quantulum3)
read "2024" and "COVID-19" as quantities and know neither hedges nor what news prose does
not count; the exclusions here are the product's own."""

import re
from dataclasses import dataclass, replace

from app.reading.vocabulary import CURRENCY_SIGNS, CURRENCY_WORDS, MONTHS, words_of

_SMALL = words_of(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = words_of("twenty thirty forty fifty sixty seventy eighty ninety")
WORD_VALUES: dict[str, float] = {word: i + 1 for i, word in enumerate(_SMALL)}
WORD_VALUES |= {word: 20 + 10 * i for i, word in enumerate(_TENS)}
SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "lakh": 1e5, "crore": 1e7, "bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3,
}  # fmt: skip
_WORD = "|".join(sorted([*WORD_VALUES, "hundred", "thousand", "million", "billion"], key=len))
_WORD_NUMBER = re.compile(
    rf"\b(?:(?:half\s+an?|an?)\s+(?=(?:dozen|hundred|thousand|million|billion)\b))?"
    rf"(?:{_WORD}|dozen)(?:(?:(?<=hundred)\s+and\s+|[\s-])(?:{_WORD}|dozen))*\b",
    re.IGNORECASE,
)
_SIGNS = "|".join(re.escape(sign) for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True))
_DIGIT_NUMBER = re.compile(
    rf"(?:(?P<sign>{_SIGNS})\s?)?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}, \d{3}(?=\s+[A-Z]?[a-z]+\s+people\b)"
    r"|\d+(?:\.\d+)?)(?!\d)"
    r"(?:(?:\s|-)?(?P<scale>thousand|million|billion|trillion|lakh|crore)\b"
    r"|(?P<short>bn|mn|m|k)\b)?"
)
_CURRENCY_AFTER = re.compile(
    r"\s+(?P<words>(?:(?:US|U\.S\.|[A-Z][a-z]+)\s+)?(?:"
    + "|".join(sorted(CURRENCY_WORDS, key=len, reverse=True))
    + r"))\b"
)
_PERCENT = re.compile(r"[\s-]?(?:%|percent\b|per\s+cent\b|percentage\s+points?\b)", re.IGNORECASE)
_DURATION = re.compile(r"(?:\s|-)(?P<unit>hour|day|week|month|year)s?\b", re.IGNORECASE)
_MONTH = "|".join(MONTHS)
_NOT_FIGURES = [
    # phone numbers, clock times
    re.compile(r"\+\d[\d\s()-]{6,}\d|\(?\b\d{2,4}\)?[\s-]\d{3,4}[\s-]\d{4}\b"),
    re.compile(
        r"\b\d{1,2}(?::\d{2})\s*(?:a\.?m\.?|p\.?m\.?)?|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)"
    ),
    # days of a month: "March 5", "5 March", "June 17, 2025"
    re.compile(rf"\b(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!,\d)"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b"),
    # ages
    re.compile(r"\b(?:aged|ages?(?:\s+of)?|age\s+group\s+of)\s+\d+(?:\s*(?:-|to|and)\s*\d+)?"),
    re.compile(r"\b(?:\d+|[A-Za-z]+)(?:\s*(?:-|to|and)\s*\d+)?[\s-]years?[\s-]olds?\b"),
    # law, page and other numbers that name things
    re.compile(
        r"\b(?:No|Nos|Number|Art|Article|Section|Sec|Law|Act|Decree|Resolution|Order|Clause|"
        r"Paragraph|Rule|Chapter|Part|page|pages|p|pp|Vol|Volume|Item|Room|Flight|Route|"
        r"Highway|Grade|Level|Phase|Round|Case|Bill|Convention|Recommendation|Goal|Target|"
        r"SDG|Figure|Fig|Table|Chart)\.?\s+\d+(?:[./-]\d+)*",
        re.IGNORECASE,
    ),
]
_NAME_BEFORE = re.compile(r"[A-Za-z][-\u2013]?$")  # "COVID-19", "G7", "G-20", "A320"
_DASH = re.compile(r"\s*[-\u2013\u2014]\s*")
_TO = re.compile(r"\s+(?:to|and)\s+")
_CHANGE = re.compile(
    r"\b(?:rose|rise|rising|risen|increase[sd]?|grew|grown|growing|jump(?:ed|s)?|climb(?:ed|s)?"
    r"|fell|fall(?:en|ing)?|drop(?:ped|s)?|declin(?:ed|es|ing)|doubled|surged?|went)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A figure as a sentence writes it (offsets within the sentence)."""

    start: int
    end: int
    value: float | None  # None for a range
    low: float | None = None
    high: float | None = None
    currency: str | None = None  # a sign or currency words, as written
    percent: bool = False
    duration: str | None = None  # "hours", "days"...
    words: bool = False  # written in words ("two")
    scale: float = 1.0  # the scale word written ("million": 1e6)
    is_range: bool = False
    range_words: str | None = None  # what made the range


def _word_value(words: str) -> float | None:
    total, current = 0.0, 0.0
    for token in re.split(r"[\s-]+", words.lower()):
        if token in ("a", "an", "and"):
            continue
        if token == "half":
            current = 0.5
        elif token in WORD_VALUES:
            current += WORD_VALUES[token]
        elif token == "dozen":
            current = (current or 1) * 12
        elif token == "hundred":
            current = (current or 1) * 100
        elif token in SCALES:
            total += (current or 1) * SCALES[token]
            current = 0
    value = total + current
    return value or None


def _masked(sentence: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for rule in _NOT_FIGURES for m in rule.finditer(sentence)]


def _year(match: re.Match[str], sentence: str) -> bool:
    """A four-digit number from 1800 to 2100, unsigned and unscaled, is a year unless people
    or money follow it at once ("1500 workers" is rare; "1,500 workers" is how news writes)."""
    digits = match["digits"]
    if match["sign"] or match["scale"] or match["short"] or not re.fullmatch(r"\d{4}", digits):
        return False
    return 1800 <= int(digits) <= 2100


def raw_numbers(sentence: str) -> list[Number]:
    """Every figure-like number of a sentence, before ranges are joined."""
    masked = _masked(sentence)
    found: list[Number] = []
    for match in _DIGIT_NUMBER.finditer(sentence):
        start, end = match.span()
        before, after = sentence[:start], sentence[end:]
        if any(a <= match.start("digits") < b for a, b in masked):
            continue
        if re.search(r"(?:19|20)\d\d[-\u2013/]$", before) and len(match["digits"]) == 2:
            continue  # the end of "2018-19" or "2022/23"
        letter_after = re.match(r"(?!per\b)[A-Za-z]", after)
        if _NAME_BEFORE.search(before) or (letter_after and not match["short"]):
            continue  # part of a name or code; an ordinal ("3rd"); a decade ("1990s")
        if re.search(r"[\d.,/:]$", before) or re.match(r"[/:]\d|\.\d", after):
            continue
        if _year(match, sentence) and not re.match(r"\s+(?:of them|people|workers)\b", after):
            continue
        value = float(match["digits"].replace(",", "").replace(" ", ""))
        scale = match["scale"] or match["short"]
        if (match["short"] == "m" and not match["sign"]) or (
            match["short"] == "k" and not match["sign"]
        ):
            continue  # "5m" is as likely metres as millions without a currency
        if scale:
            value *= SCALES[scale.lower()]
        number = _with_unit(sentence, start, end, value, match["sign"], words=False)
        found.append(replace(number, scale=SCALES[scale.lower()] if scale else 1.0))
    for match in _WORD_NUMBER.finditer(sentence):
        value = _word_value(match.group())
        if value is None or any(a <= match.start() < b for a, b in masked):
            continue
        if any(n.start <= match.start() < n.end for n in found):
            continue
        found.append(_with_unit(sentence, match.start(), match.end(), value, None, words=True))
    found.sort(key=lambda number: number.start)
    return found


def _with_unit(
    sentence: str, start: int, end: int, value: float, sign: str | None, *, words: bool
) -> Number:
    after = sentence[end:]
    currency = sign
    percent = False
    duration = None
    if (money := _CURRENCY_AFTER.match(after)) and (currency is None):
        currency, end = money["words"], end + money.end()
    elif pct := _PERCENT.match(after):
        percent, end = True, end + pct.end()
    elif (time := _DURATION.match(after)) and currency is None:
        duration = time["unit"].lower() + "s"
        end += time.end()
    return Number(start, end, value, currency=currency, percent=percent, duration=duration,
                  words=words)  # fmt: skip


def numbers(sentence: str) -> list[Number]:
    """The figures of a sentence, two numbers joined into one range where the words make one."""
    raw = raw_numbers(sentence)
    joined: list[Number] = []
    index = 0
    while index < len(raw):
        low = raw[index]
        high = raw[index + 1] if index + 1 < len(raw) else None
        words = _range_words(sentence, low, high) if high else None
        if high is not None and words is not None:
            joined.append(_range(low, high, words))
            index += 2
        else:
            joined.append(low)
            index += 1
    return joined


def _range_words(sentence: str, low: Number, high: Number) -> str | None:
    between = sentence[low.end : high.start]
    before = sentence[: low.start]
    if low.value is None or high.value is None or low.value >= high.value * high.scale:
        return None
    if _DASH.fullmatch(between) and not low.words:
        return f"'{sentence[low.start : high.end]}'"
    if re.fullmatch(r"\s+and\s+", between) and re.search(r"\bbetween\s+$", before, re.I):
        return "'between ... and'"
    if re.fullmatch(r"\s+to\s+", between) and not _CHANGE.search(before[-40:]):
        return "'... to ...'"
    return None


def _range(low: Number, high: Number, words: str) -> Number:
    """A low end written without the high end's scale ("1 and 2 million") takes that scale."""
    low_value, high_value = low.value or 0.0, high.value or 0.0
    if low.scale == 1.0 and high.scale > 1.0 and low_value * high.scale <= high_value * 1.0001:
        low_value *= high.scale
    return Number(
        low.start,
        high.end,
        None,
        low=low_value,
        high=high_value,
        currency=low.currency or high.currency,
        percent=low.percent or high.percent,
        duration=low.duration or high.duration,
        words=low.words and high.words,
        is_range=True,
        range_words=words,
    )
