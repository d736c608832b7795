"""What a figure counts: people (a noun of people after it, "of them", "who", or a noun of
people before it in its sentence), money (its currency, as an ISO 4217 code), a share
(percent) or a duration; any other count ("159 countries", "six times") is no figure the
product stores."""

import re
from dataclasses import dataclass

from app.reading.countries import DEMONYMS
from app.reading.numbers import Number
from app.reading.vocabulary import (
    CURRENCY_SIGNS,
    CURRENCY_WORDS,
    NATIONAL_CURRENCY,
    PEOPLE,
    words_of,
)

# Words after a figure that start no noun phrase: the figure's noun, if any, is elsewhere.
_FUNCTION = frozenset(
    words_of("""or and in of on at to from by for per a an the were was are is have has had died
    during this last who which that as with than this each every will would could may might
    can be been got""")
)
_MODIFIERS = frozenset(words_of("more new other additional foreign young"))
_POSSESSIVE = re.compile(r"\b(?:his|her|their|its|my|our|your)\s+$", re.IGNORECASE)
# A duration is a figure when it states a condition: "18-hour shifts", "two days off a year".
_DURATION_FIGURE = re.compile(
    r"^(?:\s+off\b|\s+of\s+(?:work|rest|leave|overtime)\b|\s+(?:a|per|each|every)\s+"
    r"(?:day|week|month|year)\b)",
    re.IGNORECASE,
)
# Words that make a duration a term of work or of a rule: "terms ranging from six months to
# two years", "discontinued for six months", "limited to a maximum of one year".
_TERMS = re.compile(
    r"\b(?:terms?|duration|contracts?|limited|discontinued|suspended|banned|stay|for up to|up to|"
    r"a maximum of|at most|at least)\b(?:\s+[\w-]+){0,6}\s*$",
    re.IGNORECASE,
)
_FRAME = re.compile(r"\b(?:past|last|next|first|previous|coming|recent|the)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Counted:
    unit: str  # persons, percent, money, days, hours, weeks, months, years
    currency: str | None
    what: str | None
    why: str | None = None  # when the unit is read from words away from the figure


def counted(sentence: str, number: Number, home: str | None) -> Counted | None:
    """What the figure counts, or None when it is no figure of people, money, time or rates."""
    before, after = sentence[: number.start], sentence[number.end :]
    if _POSSESSIVE.search(before):
        return None  # "his two children": a detail of a life, not a statistic
    if number.percent:
        return Counted("percent", None, _of_phrase(after))
    if number.currency:
        return Counted("money", currency_code(number.currency, after, home), _of_phrase(after))
    if number.duration:
        hyphenated = sentence[number.start : number.end].count("-") > 0
        termed = number.is_range or _TERMS.search(before)
        if (hyphenated or termed or _DURATION_FIGURE.match(after)) and not _FRAME.search(before):
            noun = re.match(r"\s*([\w-]+(?:\s+off)?)", after)
            return Counted(number.duration, None, noun.group(1) if noun else number.duration)
        return None
    words = re.findall(r"[A-Za-z\u2019'-]+|[^\sA-Za-z]", after[:80])
    if re.match(r"\s+(?:of\s+(?:them|whom|those)|who)\b", after):
        return Counted("persons", None, after.split(",")[0].strip()[:60] or None)
    if (
        not words
        or words[0].lower() in _FUNCTION
        or not words[0][0].isalpha()
        or words[0].endswith("ed")  # "the 274,000 recorded in 2023"
    ):
        if number.words and number.value is not None and number.value < 1000:
            return None  # "one of the biggest": a word number needs its noun
        return _people_around(sentence, number)
    phrase = []
    for word in words[:5]:
        if not word[0].isalpha() or word.lower() in _FUNCTION:
            break
        phrase.append(word)
        if (
            word.lower() in PEOPLE
            or _demonym_plural(" ".join(phrase[-2:]))
            or _demonym_plural(word)
        ):
            what = " ".join(w for w in phrase if w.lower() not in _MODIFIERS or w != phrase[0])
            return Counted("persons", None, what)
        if word[0].islower() and word.lower() not in _MODIFIERS and not _adjective(word):
            return None  # a count of something else: "159 countries", "six times"
    return None


def _adjective(word: str) -> bool:
    return word.lower() in {"migrant", "seasonal", "domestic", "skilled", "job", "foreign"}


def _demonym_plural(word: str) -> bool:
    return (word.endswith("s") and word[:-1] in DEMONYMS) or word in {"Nepalese", "Chinese"}


def _people_around(sentence: str, number: Number) -> Counted | None:
    """A figure with no noun of its own ("was estimated at 2.16 million") counts what its
    sentence counts, when that is people."""
    near = sentence[max(0, number.start - 120) : number.start] + sentence[number.end :][:40]
    for word in re.findall(r"[A-Za-z'-]+", near):
        if word.lower() in PEOPLE or word.lower() == "quota" or _demonym_plural(word):
            return Counted("persons", None, word, f"'{word}' in the sentence: a count of people")
    return None


def _of_phrase(after: str) -> str | None:
    phrase = re.match(r"\s*((?:of|in|a|per)\s+[\w\u2019' -]{2,40}?)(?=[,.;]|\s+(?:to|in|from)\b|$)",
                      after)  # fmt: skip
    return phrase.group(1).strip() if phrase else None


def currency_code(written: str, after: str, home: str | None) -> str | None:
    """A currency's ISO 4217 code: a sign as its table gives it ("US$" USD), a currency word
    as the country word before it says ("Nepali rupees"), else as the text's country uses it
    ("Rs" in a Nepali text: NPR)."""
    words = written.split()
    last = words[-1].lower() if words else ""
    country = DEMONYMS.get(" ".join(words[:-1])) if len(words) > 1 else None
    if written in CURRENCY_SIGNS and written not in ("Rs", "Rs.", "$"):
        return CURRENCY_SIGNS[written]
    if written in ("Rs", "Rs."):
        return NATIONAL_CURRENCY.get(("rupees", home or ""), "INR" if home == "IND" else None)
    if written == "$":
        return "USD"
    for candidate in (country, home):
        if candidate and (last, candidate) in NATIONAL_CURRENCY:
            return NATIONAL_CURRENCY[(last, candidate)]
    return CURRENCY_WORDS.get(last)
