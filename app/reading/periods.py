"""The period a figure covers, read from its sentence: stated ("in 2023", "in March 2024",
"between 2019 and 2022", "in the first quarter of 2024", "fiscal year 2020/21") or relative
("last year", "this month", "in the past two months", "the previous year", "the same
period"), resolved against the publication date or the period read before it. A relative
period nothing resolves is left open: a period is never guessed.

dateparser would read "last year" too, but against today's date, silently; here every
relative period names what it was read against, and a fiscal year needs its country."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.dates import MONTH_NAMES

_MONTH = "|".join(MONTH_NAMES)
_MONTH_NUMBER = {name.lower(): i + 1 for i, name in enumerate(MONTH_NAMES)}
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
            "4th": 4, "q1": 1, "q2": 2, "q3": 3, "q4": 4}  # fmt: skip
# Where each country's fiscal year starts (month, day); a calendar year elsewhere is not
# assumed: a fiscal year of a country not listed stays open.
FISCAL_YEAR_START: dict[str, tuple[int, int]] = {
    "NPL": (7, 16), "BGD": (7, 1), "PAK": (7, 1), "IND": (4, 1), "JPN": (4, 1),
    "AUS": (7, 1), "NZL": (7, 1), "EGY": (7, 1), "KEN": (7, 1), "USA": (10, 1),
    "GBR": (4, 6), "PHL": (1, 1), "KOR": (1, 1), "IDN": (1, 1), "LKA": (1, 1),
    "MYS": (1, 1), "QAT": (1, 1), "SAU": (1, 1), "ARE": (1, 1), "RUS": (1, 1),
}  # fmt: skip
_Y = r"((?:19|20)\d{2})"
_QUARTERS = "first|second|third|fourth|1st|2nd|3rd|4th"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("fiscal_asof",
         rf"\bas of ({_MONTH}) (\d{{1,2}}) of the current fiscal year,? {_Y}[/-]\d{{2}}"),
        ("fiscal", rf"\b(?:fiscal year|financial year|FY)\s?{_Y}[/-](\d{{2,4}})"),
        ("fiscal", rf"\b{_Y}[/-](\d{{2}})(?:\s+(?:fiscal|financial) year)?\b(?![/-]?\d)"),
        ("days", rf"\bbetween (\d{{1,2}}) ({_MONTH}) {_Y} and (\d{{1,2}}) ({_MONTH}) {_Y}"),
        ("year_to", rf"\b(?:in )?the (?:year|12 months) to (\d{{1,2}}) ({_MONTH}) {_Y}"),
        ("point",
         rf"\b(?:as of|as at|at) (?:the end of )?({_MONTH})(?: {_Y}| (?:last|this) year)?"),
        ("month_of", rf"\b({_MONTH})(?=\u2019s|'s)"),
        ("quarter", rf"\b(?:in |during )?(?:the )?({_QUARTERS}) quarter of {_Y}"),
        ("quarter", rf"\b(Q[1-4])\s+{_Y}"),
        ("half", rf"\b(?:in |during )?the (first|second) half of {_Y}"),
        ("month_span",
         rf"\b(?:between |from )({_MONTH}) {_Y}\s*(?:-|\u2013|to|and)\s*({_MONTH}) {_Y}"),
        ("months", rf"\b(?:from |between )({_MONTH}) (?:to|and) ({_MONTH}),? {_Y}"),
        ("years", rf"\b(?:between |from ){_Y} (?:and|to) {_Y}"),
        ("years", rf"\b{_Y}\s*[-\u2013]\s*((?:19|20)\d{{2}})\b(?![/\d])"),
        ("since_month", rf"\bsince ({_MONTH}) {_Y}"),
        ("since", rf"\bsince {_Y}\b"),
        ("month", rf"\b(?:in |during |for |of |as of )?({_MONTH}),? {_Y}\b"),
        ("year", rf"\b(?:in|during|for|throughout|in the year) {_Y}\b(?![/-]\d)"),
        ("relative", r"\b(?:just |earlier |so far )?(last|this|next|previous) (year|month)\b"),
        ("past", r"\b(?:in |over |during )?(?:the )?(?:past|last) (two|three|four|five|six|\d+) "
                 r"(days|weeks|months|years)\b"),
        ("previous",
         r"\bthe (?:previous|preceding) year(?:\u2019s|'s)?|\ba year (?:earlier|before)\b"),
        ("same", r"\b(?:the same period|during the period|in the period)\b"),
    )
]  # fmt: skip
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# A period right after a verb of saying dates the saying, not the figure.
_SAID = re.compile(
    r"\b(?:said|says|told|announced|admitted|reported|published|released|stated|noted|"
    r"estimated)\s*$",
    re.I,
)


@dataclass(frozen=True)
class Period:
    start: int  # offsets in the sentence
    end: int
    words: str
    period_start: str | None
    period_end: str | None
    inferred: str | None  # why, when it was read against something the words do not state
    possessive: bool  # "the previous year's": it belongs to the figure after it
    kind: str = ""


def _iso(day: date) -> str:
    return day.isoformat()


def _year(year: int) -> tuple[str, str]:
    return f"{year}-01-01", f"{year}-12-31"


def _month(year: int, month: int) -> tuple[str, str]:
    last = calendar.monthrange(year, month)[1]
    return f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last:02d}"


def _fiscal(year: int, country: str | None) -> tuple[date, date] | None:
    if country not in FISCAL_YEAR_START:
        return None
    month, day = FISCAL_YEAR_START[country]
    start = date(year, month, day)
    return start, date(year + 1, month, day) - timedelta(days=1)


def _published(published_on: str | None) -> tuple[int, int | None, int | None] | None:
    if not published_on:
        return None
    parts = [int(part) for part in published_on.split("-")]
    return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None


def periods_in(
    sentence: str, *, published_on: str | None, country: str | None, before: "Period | None"
) -> list[Period]:
    """Every period the sentence states, resolved where something resolves it. `before` is
    the last period read in the text before this sentence ("the same period")."""
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            if _SAID.search(sentence[: match.start()]):
                continue
            taken.append(match.span())
            bounds, why = _resolve(kind, match, published_on, country, found, before)
            words = match.group().strip()
            possessive = bool(re.match(r"(?:\u2019s|'s)\b", sentence[match.end() :]))
            found.append(
                Period(match.start(), match.end(), words, *(bounds or (None, None)), why,
                       possessive or words.endswith(("'s", "\u2019s")), kind)
            )  # fmt: skip
    found.sort(key=lambda period: period.start)
    return _same_period_of_year(found)


def _same_period_of_year(found: list[Period]) -> list[Period]:
    """'in 2022, ... during the same period': the same months of that year, one period."""
    years = [p for p in found if p.kind == "year"]
    same = [p for p in found if p.kind == "same" and p.period_start]
    if len(years) != 1 or not same:
        return found
    bounds = same_period_in_year(same[0], int(years[0].words[-4:]))
    if bounds is None:
        return found
    merged = Period(same[0].start, same[0].end, f"{years[0].words}, {same[0].words}", *bounds,
                    None, False, "same")  # fmt: skip
    return [merged if p is same[0] else p for p in found if p is not years[0]]


def _resolve(
    kind: str,
    match: re.Match[str],
    published_on: str | None,
    country: str | None,
    found: list[Period],
    before: Period | None,
) -> tuple[tuple[str, str | None] | None, str | None]:
    groups = match.groups()
    published = _published(published_on)
    if kind == "fiscal":
        span = _fiscal(int(groups[0]), country)
        return ((_iso(span[0]), _iso(span[1])), None) if span else (None, None)
    if kind == "fiscal_asof":
        span = _fiscal(int(groups[2]), country)
        if span is None:
            return None, None
        month, day = _MONTH_NUMBER[groups[0].lower()], int(groups[1])
        end = date(span[0].year, month, day)
        end = end if end >= span[0] else date(span[0].year + 1, month, day)
        return (_iso(span[0]), _iso(end)), None
    if kind == "days":
        first = date(int(groups[2]), _MONTH_NUMBER[groups[1].lower()], int(groups[0]))
        last = date(int(groups[5]), _MONTH_NUMBER[groups[4].lower()], int(groups[3]))
        return (_iso(first), _iso(last)), None
    if kind == "year_to":
        last = date(int(groups[2]), _MONTH_NUMBER[groups[1].lower()], int(groups[0]))
        return (_shift(_iso(last + timedelta(days=1))), _iso(last)), None
    if kind in ("point", "month_of"):
        return None, None  # a point in time, or a month without its year: the span is open
    if kind == "quarter":
        quarter, year = _ORDINAL[groups[0].lower()], int(groups[1])
        return (_month(year, 3 * quarter - 2)[0], _month(year, 3 * quarter)[1]), None
    if kind == "half":
        half, year = (1 if groups[0].lower() == "first" else 2), int(groups[1])
        return (_month(year, 6 * half - 5)[0], _month(year, 6 * half)[1]), None
    if kind == "month_span":
        first = _month(int(groups[1]), _MONTH_NUMBER[groups[0].lower()])
        last = _month(int(groups[3]), _MONTH_NUMBER[groups[2].lower()])
        return (first[0], last[1]), None
    if kind == "months":
        year = int(groups[2])
        first, last = (_month(year, _MONTH_NUMBER[g.lower()]) for g in groups[:2])
        return (first[0], last[1]), None
    if kind == "years":
        first, last = int(groups[0]), groups[1]
        end = int(last) if len(last) == 4 else int(groups[0][:2] + last)
        return ((_year(first)[0], _year(end)[1]), None) if end > first else (None, None)
    if kind == "since_month":
        return (_month(int(groups[1]), _MONTH_NUMBER[groups[0].lower()])[0], None), None
    if kind == "since":
        return (_year(int(groups[0]))[0], None), None
    if kind == "month":
        return _month(int(groups[1]), _MONTH_NUMBER[groups[0].lower()]), None
    if kind == "year":
        return _year(int(groups[0])), None
    if kind == "relative":
        return _relative(groups[0].lower(), groups[1].lower(), match.group(), published_on)
    if kind == "past":
        if published is None or published[2] is None:
            return None, None
        count = _SMALL.get(groups[0].lower()) or int(groups[0])
        end = date(*published)  # type: ignore[arg-type]
        start = _back(end, count, groups[1].lower())
        why = f"'{match.group().strip()}' read back from the publication date {published_on}"
        return (_iso(start), _iso(end)), why
    if kind == "previous":
        anchor = next((p for p in reversed(found) if p.period_start), None)
        if anchor is None or anchor.period_end is None:
            return None, None
        return (_shift(anchor.period_start), _shift(anchor.period_end)), None  # type: ignore[arg-type]
    if kind == "same" and before is not None and before.period_start:
        return (before.period_start, before.period_end), None
    return None, None


def _relative(
    which: str, unit: str, words: str, published_on: str | None
) -> tuple[tuple[str, str] | None, str | None]:
    published = _published(published_on)
    if published is None or which == "previous" or (unit == "month" and published[1] is None):
        return None, None
    shift = {"last": -1, "this": 0, "next": 1}[which]
    why = f"'{words.strip()}' read against the publication date {published_on}"
    if unit == "year":
        return _year(published[0] + shift), why
    months = published[0] * 12 + (published[1] or 1) - 1 + shift
    return _month(months // 12, months % 12 + 1), why


def _back(end: date, count: int, unit: str) -> date:
    if unit == "days":
        return end - timedelta(days=count)
    if unit == "weeks":
        return end - timedelta(weeks=count)
    months = end.year * 12 + end.month - 1 - count * (12 if unit == "years" else 1)
    year, month = months // 12, months % 12 + 1
    return date(year, month, min(end.day, calendar.monthrange(year, month)[1]))


def _shift(day: str) -> str:
    """The same day a year earlier (28 February for 29 February)."""
    year, month, number = (int(part) for part in day.split("-"))
    return _iso(date(year - 1, month, min(number, calendar.monthrange(year - 1, month)[1])))


def same_period_in_year(period: Period, year: int) -> tuple[str, str | None] | None:
    """'during the same period' of another year: the period's months in that year."""
    if period.period_start is None:
        return None
    shift = int(period.period_start[:4]) - year
    start, end = period.period_start, period.period_end
    for _ in range(shift):
        start, end = _shift(start), _shift(end) if end else None
    return (start, end) if shift >= 0 else None
