"""The rule that reads an observation's dates against its quote (date-beyond-quote;
app/checks/service.py states it): a year the quote does not give, or a month it
contradicts, unless the field is marked inferred."""

import re
from collections.abc import Mapping
from datetime import date

from app.checks.figures import excerpt
from app.domain.dates import MONTH_NAMES as MONTHS

_YEAR = re.compile(r"(?<![\d,.])(\d{4})(?:[-\u2013/](\d{2}))?(?![\d,]\d)")
_MONTH = re.compile(rf"\b(?:{'|'.join(MONTHS)})\b")
_LABEL_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_WHEN_WORDS = re.compile(
    r"\b(?:last|this|next|previous|past|the same|that) (?:year|month|week|spring|summer|"
    r"autumn|fall|winter)\b|\b(?:yesterday|today|recently)\b",
    re.IGNORECASE,
)
# '2025', '2025-06', '2025-06-17', and without a year '--06', '--06-17'.
_REPORTED_ON = re.compile(r"(?:(?P<year>\d{4})|-)(?:-(?P<month>\d{2})(?:-\d{2})?)?")


def years_in(quote: str) -> set[str]:
    """The years a quote writes: '2024', and both of '2023-24' (not of '2024-06')."""
    years = set()
    for match in _YEAR.finditer(quote):
        years.add(match[1])
        if match[2] and match[2] > match[1][2:]:
            years.add(match[1][:2] + match[2])
    return years


def months_in(quote: str) -> list[tuple[int, int, int]]:
    """(month number, start, end) of each month the quote names; 'May' only where it cannot
    be the verb opening a sentence."""
    found: list[tuple[int, int, int]] = []
    if not any(month in quote for month in MONTHS):  # most quotes name none: found at once
        return found
    for match in _MONTH.finditer(quote):
        if match.group() == "May" and re.search(r"(?:^|[.!?]\s+)$", quote[: match.start()]):
            continue
        found.append((MONTHS.index(match.group()) + 1, match.start(), match.end()))
    return found


def dates_beyond_quote(
    quote: str,
    *,
    reported_on: str | None,
    period_start: date | None,
    period_end: date | None,
    period_label: str | None,
    inferred: Mapping[str, str],
) -> list[str]:
    """What the dates say beyond the quote: a year of reported_on or of the period that the
    quote does not write, or a month of reported_on the quote contradicts; none for a field
    marked inferred."""
    findings = []
    stated_years = years_in(quote)
    if reported_on and "reported_on" not in inferred:
        findings += _reported_on(quote, reported_on, stated_years)
    if "period" not in inferred:
        findings += _period(quote, period_start, period_end, period_label, stated_years)
    return findings


def _reported_on(quote: str, reported_on: str, stated_years: set[str]) -> list[str]:
    match = _REPORTED_ON.fullmatch(reported_on)
    if match is None or not (match["year"] or match["month"]):
        return []
    year = match["year"]
    month = int(match["month"]) if match["month"] else None
    named = months_in(quote)
    findings = []
    if year and year not in stated_years:
        fix = "leave it empty" if month is None else "store --" + reported_on[5:]
        findings.append(
            f"reported_on {reported_on} gives a year; the quote gives {_given(stated_years)} "
            f"({_anchor(quote, named)}): {fix}, or mark reported_on as inferred with its reason"
        )
    if month is not None and named and month not in {number for number, _, _ in named}:
        said = ", ".join(dict.fromkeys(MONTHS[number - 1] for number, _, _ in named))
        findings.append(
            f"reported_on {reported_on} gives {MONTHS[month - 1]}; the quote names {said} "
            f"({_anchor(quote, named)}): store the month the quote names, or mark reported_on "
            "as inferred with its reason"
        )
    return findings


def _period(
    quote: str,
    start: date | None,
    end: date | None,
    label: str | None,
    stated_years: set[str],
) -> list[str]:
    years = {str(day.year) for day in (start, end) if day is not None}
    years |= set(_LABEL_YEAR.findall(label or ""))
    missing = sorted(years - stated_years)
    if not missing:
        return []
    span = f"{start} to {end}" if end else f"from {start}" if start else "no dates"
    gives = "the year" if len(missing) == 1 else "the years"
    return [
        f"period {label} ({span}) gives {gives} {', '.join(missing)}; the quote gives "
        f"{_given(stated_years)} ({_anchor(quote, months_in(quote))}): mark period as "
        "inferred with its reason, or leave it empty"
    ]


def _given(stated_years: set[str]) -> str:
    return "only " + ", ".join(sorted(stated_years)) if stated_years else "none"


def _anchor(quote: str, named: list[tuple[int, int, int]]) -> str:
    """The words that say when, if any: a month named, or 'last year'; else the quote's
    opening."""
    if named:
        return excerpt(quote, named[0][1], named[0][2])
    when = _WHEN_WORDS.search(quote)
    if when:
        return excerpt(quote, when.start(), when.end())
    return excerpt(quote, 0, 0, words=5)


def open_period_beyond_quote(
    quote: str, *, period_start: date | None, period_end: date | None, inferred: Mapping[str, str]
) -> list[str]:
    """An open period ('since 2022') starts on a day (2022-01-01) the quote does not give,
    unless the period is marked inferred."""
    if period_start is None or period_end is not None or "period" in inferred:
        return []
    if str(period_start) in quote or months_in(quote):
        return []
    return [
        f"period starts on {period_start}, a day the quote does not give "
        f"({_anchor(quote, [])}): mark period as inferred with its reason"
    ]
