"""Periods as SDMX writes them (TIME_PERIOD: '2024', '2024-Q1', '2024-M06', '2024-S1',
'2024-W05', '2024-06', '2024-06-17'...) as the API's periods: the first and last day they
cover, and a label that keeps the publisher's notation where the API has none of its own.
Any other span is an ISO 8601 interval of two days ('2022-01-01/2024-12-31'), and a period
with no end ("since 2022") one whose end is open ('2022-01-01/..', as ISO 8601-2 writes
it). `time_period` writes a period back in the shortest of these forms."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from app.domain.dates import period_label_for

SDMX_PERIOD_FORMS = (
    "YYYY, YYYY-A1, YYYY-S1, YYYY-Q1, YYYY-M06, YYYY-06, YYYY-W05, YYYY-D001, YYYY-MM-DD, "
    "or an interval YYYY-MM-DD/YYYY-MM-DD (YYYY-MM-DD/.. for one with no end)"
)
_PERIOD = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?:(?P<kind>[ASTQMWD])(?P<number>[0-9]{1,3})"
    r"|(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?))?"
)
_INTERVAL = re.compile(
    r"(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2})/(?P<end>[0-9]{4}-[0-9]{2}-[0-9]{2}|\.\.)"
)
OPEN_END = ".."
# How many of each period a year holds, and how many months each spans.
_PARTS = {"A": (1, 12), "S": (2, 6), "T": (3, 4), "Q": (4, 3), "M": (12, 1)}


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date | None  # None: open, the period has not ended (or its end is not given)
    label: str


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    last = first + count - 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


@lru_cache(maxsize=4096)  # a table repeats its few periods on every series
def sdmx_period(text: str) -> Period:
    """The period a TIME_PERIOD names; ValueError naming the forms read, for any other."""
    interval = _INTERVAL.fullmatch(text.strip())
    if interval is not None:
        return _interval(interval)
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"'{text[:40]}' is not a period; use {SDMX_PERIOD_FORMS}")
    year, kind = int(match["year"]), match["kind"]
    try:
        if kind in _PARTS:
            count, months = _PARTS[kind]
            number = int(match["number"])
            if not 1 <= number <= count:
                raise ValueError
            start, end = _months(year, (number - 1) * months + 1, months)
            label = str(year) if kind == "A" else f"{year}-{kind}{number:0{len(str(count))}d}"
            return Period(start, end, period_label_for(start, end) if kind == "M" else label)
        if kind == "W":  # ISO 8601 weeks, Monday to Sunday
            start = date.fromisocalendar(year, int(match["number"]), 1)
            return Period(start, start + timedelta(days=6), f"{year}-W{int(match['number']):02d}")
        if kind == "D":
            start = date(year, 1, 1) + timedelta(days=int(match["number"]) - 1)
            if start.year != year or int(match["number"]) < 1:
                raise ValueError
            return Period(start, start, str(start))
        if match["day"]:
            day = date(year, int(match["month"]), int(match["day"]))
            return Period(day, day, str(day))
        if match["month"]:
            start, end = _months(year, int(match["month"]), 1)
            return Period(start, end, period_label_for(start, end))
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    except ValueError:
        raise ValueError(f"'{text[:40]}' names no such period; use {SDMX_PERIOD_FORMS}") from None


def _interval(match: re.Match[str]) -> Period:
    """An ISO 8601 interval of two days, or from a day with its end open ('..')."""
    try:
        start = date.fromisoformat(match["start"])
        end = None if match["end"] == OPEN_END else date.fromisoformat(match["end"])
    except ValueError:
        raise ValueError(
            f"'{match[0][:40]}' names no such period; use {SDMX_PERIOD_FORMS}"
        ) from None
    if end is not None and end < start:
        raise ValueError(f"'{match[0][:40]}' ends before it starts: swap its days")
    return Period(start, end, period_label_for(start, end))


def _month_span(start: date, end: date) -> int | None:
    """How many whole months start..end covers, if it starts on a month's first day and ends
    on a month's last day, in one year; None otherwise."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1 or start.year != end.year:
        return None
    return end.month - start.month + 1


def time_period(start: date | None, end: date | None) -> str:
    """A period as TIME_PERIOD writes it, which `sdmx_period` reads back to the same days:
    a year, semester, trimester, quarter or month (YYYY, YYYY-S1, YYYY-T1, YYYY-Q1,
    YYYY-MM), an ISO week (YYYY-W05), a day, or any other span as an interval of two days
    ('2022-01-01/2024-12-31'), its end open when not given ('2022-01-01/..'). No period:
    empty."""
    if start is None:
        return ""
    if end is None:
        return f"{start.isoformat()}/{OPEN_END}"
    months = _month_span(start, end)
    if months == 12:
        return f"{start.year:04d}"
    if months == 1:
        return f"{start.year:04d}-{start.month:02d}"
    for kind in "STQ":
        span = _PARTS[kind][1]
        if months == span and (start.month - 1) % span == 0:
            return f"{start.year:04d}-{kind}{(start.month - 1) // span + 1}"
    if start == end:
        return start.isoformat()
    if start.isoweekday() == 1 and end == start + timedelta(days=6):
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{start.isoformat()}/{end.isoformat()}"
