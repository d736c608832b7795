"""Dates as precise as their source ('2025', '2025-06', '2025-06-17'), the periods figures
cover, and the UTC day boundaries that as-of reads use."""

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field

from app.domain.bounds import ValidText

# ASCII digits, the whole text: no trailing newline, no other scripts' digits.
PARTIAL_DATE_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
PARTIAL_DATE_FORM = "YYYY, YYYY-MM or YYYY-MM-DD"
NO_PERIOD_LABEL = "no period given"


def partial_date_span(text: str) -> tuple[date, date]:
    """The first and last day a date of reduced precision covers: '2024-02' -> Feb 1 to Feb 29."""
    match = PARTIAL_DATE_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a date; use {PARTIAL_DATE_FORM}")
    year, month, day = match.groups()
    try:
        if day:
            exact = date(int(year), int(month), int(day))
            return exact, exact
        if month:
            last_day = calendar.monthrange(int(year), int(month))[1]
            return date(int(year), int(month), 1), date(int(year), int(month), last_day)
        return date(int(year), 1, 1), date(int(year), 12, 31)
    except ValueError:
        raise ValueError(f"'{text}' is not a date; use {PARTIAL_DATE_FORM}") from None


def check_partial_date(text: str) -> str:
    partial_date_span(text)
    return text


PartialDate = Annotated[
    ValidText,
    AfterValidator(check_partial_date),
    Field(
        description=f"An ISO 8601 date, as precise as the source: {PARTIAL_DATE_FORM}.",
        examples=["2025-06"],
        max_length=10,
    ),
]


@lru_cache(maxsize=4096)  # an import labels many rows with few periods
def period_label_for(start: date | None, end: date | None) -> str:
    """A readable label for a period: '2024', '2024-06', 'since 2022-01-01', '…/…'."""
    if start is None:
        return NO_PERIOD_LABEL
    if end is None:
        return f"since {start}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if (
        start.day == 1
        and (end + timedelta(days=1)).day == 1
        and start.strftime("%Y-%m") == end.strftime("%Y-%m")
    ):
        return start.strftime("%Y-%m")
    return f"{start}/{end}"


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (UTC): what was recorded before it counts."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def iso(moment: date | datetime | None) -> str | None:
    """ISO 8601 as served: dates as YYYY-MM-DD, moments in UTC with a Z."""
    if moment is None:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if isinstance(moment, datetime) else text
