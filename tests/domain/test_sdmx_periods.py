"""SDMX's notations for periods (TIME_PERIOD) read as the API's periods: the days they
cover, and a label."""

from datetime import date

import pytest

from app.tables.periods import sdmx_period


@pytest.mark.parametrize(
    ("written", "start", "end", "label"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "2024"),
        ("2024-A1", date(2024, 1, 1), date(2024, 12, 31), "2024"),
        ("2024-S1", date(2024, 1, 1), date(2024, 6, 30), "2024-S1"),
        ("2024-S2", date(2024, 7, 1), date(2024, 12, 31), "2024-S2"),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31), "2024-Q1"),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31), "2024-Q4"),
        ("2024-M06", date(2024, 6, 1), date(2024, 6, 30), "2024-06"),
        ("2024-M02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2022-07", date(2022, 7, 1), date(2022, 7, 31), "2022-07"),
        ("2024-W05", date(2024, 1, 29), date(2024, 2, 4), "2024-W05"),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        ("2024-D060", date(2024, 2, 29), date(2024, 2, 29), "2024-02-29"),
        ("2024-06-17", date(2024, 6, 17), date(2024, 6, 17), "2024-06-17"),
    ],
)
def test_an_sdmx_period_covers_the_days_it_names(
    written: str, start: date, end: date, label: str
) -> None:
    period = sdmx_period(written)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    "written", ["2024-Q5", "2024-S3", "2024-M13", "2023-W53", "2023-D366", "2024-13", "24", "Q1"]
)
def test_a_period_no_calendar_has_is_refused_naming_the_forms(written: str) -> None:
    with pytest.raises(ValueError, match="YYYY-Q1") as refused:
        sdmx_period(written)
    assert written in str(refused.value)
