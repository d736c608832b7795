"""Partial dates (with a year or without one), period labels and UTC day boundaries
(app.domain.dates)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.domain.dates import (
    DATED_FORM,
    NO_PERIOD_LABEL,
    PARTIAL_DATE_FORM,
    check_dated_partial_date,
    check_partial_date,
    date_in_prose,
    end_of_day,
    iso,
    partial_date_span,
    period_label_for,
    yearless_parts,
    yearless_words,
)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("1999", date(1999, 1, 1), date(1999, 12, 31)),
        ("2024-06", date(2024, 6, 1), date(2024, 6, 30)),
        ("2024-01", date(2024, 1, 1), date(2024, 1, 31)),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
        ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),
        ("2024-06-17", date(2024, 6, 17), date(2024, 6, 17)),
        ("2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_a_partial_date_spans_its_first_to_its_last_day(text: str, first: date, last: date) -> None:
    assert partial_date_span(text) == (first, last)


@pytest.mark.parametrize(
    "text",
    [
        "2024-13",
        "2024-00",
        "2023-02-29",
        "2024-04-31",
        "2024-06-00",
        "June",
        "24",
        "2024-1",
        "2024-06-1",
        "2024/06",
        "20240617",
        " 2024",
        "2024-06-17T00:00",
        "",
        "2024\n",
        "\uff12\uff10\uff12\uff14-\uff10\uff16",  # full-width digits
        "--02-30",
        "--04-31",
        "--13",
        "--00",
        "--06-00",
        "--06-32",
        "--6",
        "--06-1",
        "---06",
        "--0617",
        "--06-",
        "-06",
        "06",
        "06-17",
        "--06\n",
        "--\uff10\uff16",  # full-width digits
    ],
)
def test_a_text_that_is_not_a_partial_date_is_refused_naming_it_and_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date") as caught:
        check_partial_date(text)
    message = str(caught.value)
    assert f"'{text}'" in message
    assert PARTIAL_DATE_FORM in message
    assert "YYYY, YYYY-MM or YYYY-MM-DD, or --MM or --MM-DD" in message
    with pytest.raises(ValueError, match="is not a date") as caught:
        partial_date_span(text)
    assert DATED_FORM in str(caught.value)


@pytest.mark.parametrize(
    ("text", "parts", "words"),
    [
        ("--06", (6, None), "June"),
        ("--01", (1, None), "January"),
        ("--12", (12, None), "December"),
        ("--06-17", (6, 17), "17 June"),
        ("--01-31", (1, 31), "31 January"),
        ("--02-29", (2, 29), "29 February"),  # a day some years have
        ("--12-01", (12, 1), "1 December"),
    ],
)
def test_a_month_or_day_without_a_year_is_a_partial_date_kept_as_written(
    text: str, parts: tuple[int, int | None], words: str
) -> None:
    assert check_partial_date(text) == text
    assert yearless_parts(text) == parts
    assert yearless_words(text) == words
    assert date_in_prose(text) == f"{words}, year not given"


@pytest.mark.parametrize("text", ["--06", "--06-17", "--02-29"])
def test_a_date_without_a_year_has_no_span_on_a_time_line(text: str) -> None:
    with pytest.raises(ValueError, match="has no year") as caught:
        partial_date_span(text)
    assert f"'{text}'" in str(caught.value)
    assert DATED_FORM in str(caught.value)
    with pytest.raises(ValueError, match=f"'{text}' has no year"):
        check_dated_partial_date(text)


@pytest.mark.parametrize("text", ["2025", "2025-06", "2025-06-17", "--02-30", "June", ""])
def test_only_a_valid_date_without_a_year_has_yearless_parts(text: str) -> None:
    assert yearless_parts(text) is None
    assert yearless_words(text) is None


@pytest.mark.parametrize("text", ["2025", "2025-06", "2025-06-17"])
def test_a_date_with_a_year_is_said_as_written(text: str) -> None:
    assert date_in_prose(text) == text
    assert check_dated_partial_date(text) == text


@pytest.mark.parametrize("text", ["2024", "2024-02", "2024-02-29"])
def test_check_partial_date_returns_a_valid_date_unchanged(text: str) -> None:
    assert check_partial_date(text) == text


@pytest.mark.parametrize("text", ["2024-13", "2023-02-29", "June"])
def test_check_partial_date_refuses_what_partial_date_span_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=f"'{text}' is not a date"):
        check_partial_date(text)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), "2024"),
        (date(2024, 6, 1), date(2024, 6, 30), "2024-06"),
        (date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        (date(2023, 2, 1), date(2023, 2, 28), "2023-02"),
        (date(2022, 1, 1), None, "since 2022-01-01"),
        (None, None, NO_PERIOD_LABEL),
        (None, date(2024, 12, 31), "no period given"),
        (date(2024, 12, 1), date(2024, 12, 31), "2024-12"),
        (date(2024, 11, 1), date(2024, 12, 31), "2024-11-01/2024-12-31"),
        (date(2024, 12, 1), date(2025, 1, 31), "2024-12-01/2025-01-31"),
        (date(2023, 1, 1), date(2024, 12, 31), "2023-01-01/2024-12-31"),
        (date(2024, 6, 17), date(2024, 6, 17), "2024-06-17/2024-06-17"),
        (date(2024, 6, 1), date(2024, 6, 29), "2024-06-01/2024-06-29"),
        (date(2024, 6, 2), date(2024, 6, 30), "2024-06-02/2024-06-30"),
        (date(2024, 6, 1), date(2024, 7, 31), "2024-06-01/2024-07-31"),
        (date(2024, 1, 1), date(2024, 12, 30), "2024-01-01/2024-12-30"),
    ],
)
def test_a_period_is_labelled_as_a_person_would_say_it(
    start: date | None, end: date | None, label: str
) -> None:
    assert period_label_for(start, end) == label


@pytest.mark.parametrize(
    ("day", "moment"),
    [
        (date(2024, 6, 17), datetime(2024, 6, 18, tzinfo=UTC)),
        (date(2024, 2, 28), datetime(2024, 2, 29, tzinfo=UTC)),
        (date(2024, 2, 29), datetime(2024, 3, 1, tzinfo=UTC)),
        (date(2024, 12, 31), datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_end_of_a_day_is_the_first_utc_moment_of_the_next(day: date, moment: datetime) -> None:
    result = end_of_day(day)
    assert result == moment
    assert result.utcoffset() == timedelta(0)
    assert (result.hour, result.minute, result.second, result.microsecond) == (0, 0, 0, 0)


def test_a_moment_just_before_the_end_of_a_day_is_before_it() -> None:
    last_moment = datetime(2024, 6, 17, 23, 59, 59, 999999, tzinfo=UTC)
    assert last_moment < end_of_day(date(2024, 6, 17))
    assert end_of_day(date(2024, 6, 17)) - last_moment == timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (date(2024, 6, 7), "2024-06-07"),
        (datetime(2024, 6, 7, 12, 30, tzinfo=UTC), "2024-06-07T12:30:00Z"),
        (datetime(2024, 6, 7, 12, 30, 5, 123000, tzinfo=UTC), "2024-06-07T12:30:05.123000Z"),
        (datetime(2024, 6, 7, 15, 30, tzinfo=timezone(timedelta(hours=3))), "2024-06-07T12:30:00Z"),
        (None, None),
    ],
)
def test_iso_serves_dates_plainly_and_utc_moments_with_a_z(
    moment: date | datetime | None, text: str | None
) -> None:
    assert iso(moment) == text
