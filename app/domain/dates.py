"""Dates as precise as their source ('2025', '2025-06', '2025-06-17', and '--06' or '--06-17'
when it gives no year), the periods figures cover, and the UTC day boundaries that as-of
reads use."""

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from app.domain.bounds import ValidText

# ASCII digits, the whole text: no trailing newline, no other scripts' digits.
PARTIAL_DATE_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
# ISO 8601's reduced forms without a year (XML Schema's gMonth and gMonthDay), for a source
# that says "in June" and no more: a month or a day of a month, never a guessed year.
YEARLESS_DATE_PATTERN = re.compile(r"--([0-9]{2})(?:-([0-9]{2}))?")
DAY_FORM = "YYYY-MM-DD"
DATED_FORM = "YYYY, YYYY-MM or YYYY-MM-DD"
PARTIAL_DATE_FORM = f"{DATED_FORM}, or --MM or --MM-DD when the source gives no year"
YEAR_NOT_GIVEN = "year not given"
NO_PERIOD_LABEL = "no period given"
# English whatever the process's locale (calendar.month_name follows LC_TIME).
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip


def _dated_span(text: str) -> tuple[date, date] | None:
    match = PARTIAL_DATE_PATTERN.fullmatch(text)
    if match is None:
        return None
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
        return None


def yearless_parts(text: str | None) -> tuple[int, int | None] | None:
    """'--06' -> (6, None), '--06-17' -> (6, 17): a valid month, or day of a month, given
    without a year. None for any other text (a date with a year, or no date)."""
    match = YEARLESS_DATE_PATTERN.fullmatch(text or "")
    if match is None:
        return None
    month, day = int(match[1]), int(match[2]) if match[2] else None
    try:
        date(2000, month, 1 if day is None else day)  # a leap year: '--02-29' is valid
    except ValueError:
        return None
    return month, day


def partial_date_span(text: str) -> tuple[date, date]:
    """The first and last day a date of reduced precision covers: '2024-02' -> Feb 1 to Feb 29.
    A date without a year ('--06') covers no span of a time line: refused, saying so."""
    span = _dated_span(text)
    if span is not None:
        return span
    if yearless_parts(text) is not None:
        raise ValueError(
            f"'{text}' has no year, so it has no place on a time line; use {DATED_FORM}"
        )
    raise ValueError(f"'{text}' is not a date; use {DATED_FORM}")


def check_partial_date(text: str) -> str:
    if _dated_span(text) is None and yearless_parts(text) is None:
        raise ValueError(f"'{text}' is not a date; use {PARTIAL_DATE_FORM}")
    return text


def check_dated_partial_date(text: str) -> str:
    partial_date_span(text)
    return text


def yearless_words(text: str | None) -> str | None:
    """'--06' -> 'June', '--06-17' -> '17 June'; None for a date with a year (or none)."""
    parts = yearless_parts(text)
    if parts is None:
        return None
    month, day = parts
    return MONTH_NAMES[month - 1] if day is None else f"{day} {MONTH_NAMES[month - 1]}"


def date_in_prose(text: str) -> str:
    """A date as descriptions and citations say it: as written when it has a year, and in
    words that say the year is missing when it has none ('--06' -> 'June, year not given')."""
    if not text.startswith("-"):  # every date with a year starts with a digit
        return text
    words = yearless_words(text)
    return f"{words}, {YEAR_NOT_GIVEN}" if words else text


PartialDate = Annotated[
    ValidText,
    AfterValidator(check_partial_date),
    Field(
        description=f"An ISO 8601 date, as precise as the source: {PARTIAL_DATE_FORM} "
        "(a month or a day of a month; the year is never guessed).",
        examples=["2025-06", "--06"],
        max_length=10,
    ),
]
# Where a date is placed on a time line (a filter's bound), it needs a year.
PartialDateWithYear = Annotated[
    ValidText,
    AfterValidator(check_dated_partial_date),
    Field(
        description=f"An ISO 8601 date with a year, as precise as wanted: {DATED_FORM}.",
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


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: object) -> object:
    """A day written YYYY-MM-DD (not a number of seconds since 1970, which pydantic would
    also take), refused as every bad date is."""
    if isinstance(value, str):
        try:
            if not _ISO_DAY.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not a date; use {DAY_FORM}") from None
    return value


# A day a client writes (a period's start or end).
Day = Annotated[date, BeforeValidator(parse_day)]


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (UTC): what was recorded before it counts."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass(frozen=True)
class AsOf:
    """A past day to answer as of: what was recorded before the end of it (UTC) counts.
    Validated from a date (`as_of=2025-03-01`), its end computed once, where it is parsed."""

    day: date
    end: datetime = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "end", end_of_day(self.day))

    def __str__(self) -> str:
        return self.day.isoformat()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(cls, handler(date))


def iso(moment: date | datetime | None) -> str | None:
    """ISO 8601 as served: dates as YYYY-MM-DD, moments in UTC with a Z."""
    if moment is None:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if isinstance(moment, datetime) else text
