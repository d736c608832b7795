"""Checking a batch a column at a time takes exactly what the model takes, with the same
values, and leaves to the model every row it refuses."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from app.imports.column_checks import ColumnChecker
from app.observations.schemas import ObservationImport, figure_and_period_rules
from tests.factories import observation_fields

# Each with one field changed: values the model takes as they are, converts, or refuses.
CHANGES: list[dict[str, Any]] = [
    {},
    {"origin": "prk"},
    {"origin": " PRK "},
    {"origin": "XXX"},
    {"origin": 123},
    {"value": "1e3"},
    {"value": " 12 "},
    {"value": "1_000"},
    {"value": "inf"},
    {"value": "nan"},
    {"value": "12.5"},
    {"value": True},
    {"value": 5},
    {"value": 5.0},
    {"value": "abc"},
    {"value": None},
    {"period_start": "2023-1-1"},
    {"period_start": "20230101"},
    {"period_start": "2023-01-01T00:00:00"},
    {"period_start": date(2023, 1, 1)},
    {"period_start": 1672531200},
    {"period_end": None, "period_start": None},
    {"period_start": None},
    {"period_start": "2024-01-01"},
    {"reported_on": "2025"},
    {"reported_on": "2025-13"},
    {"reported_on": "2025-06"},
    {"reported_on": 2025},
    {"source_id": "3"},
    {"source_id": "03"},
    {"source_id": " 3"},
    {"source_id": "3.0"},
    {"source_id": 3.5},
    {"source_id": True},
    {"source_id": 0},
    {"source_id": "-1"},
    {"qualifier": "EXACT"},
    {"qualifier": "exact"},
    {"qualifier": "range"},
    {"qualifier": "range", "value": None, "lower_bound": "5", "upper_bound": "4"},
    {"qualifier": "at_least", "lower_bound": "7000"},
    {"qualifier": "at_most", "upper_bound": 6999},
    {"dimensions": {"visa_type": ""}},
    {"dimensions": {"visa_type": 5}},
    {"dimensions": {"visa_type": "student"}},
    {"dimensions": "visa_type"},
    {"foo": "bar"},
    {"quote": None},
    {"quote": ""},
    {"id": "0"},
    {"id": "12"},
    {"id": 1.0},
    {"revision": "2"},
    {"region": "ru-krs"},
    {"region": "RU-KRS"},
    {"region": "RU-KRS", "destination": "USA"},
    {"region": "US-CA", "destination": "usa"},
    {"attributed_to": ""},
    {"attributed_to": "x" * 501},
    {"period_label": ""},
    {"period_label": "the year 2023"},
    {"notes": 5},
]


def by_the_model(fields: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return ObservationImport.model_validate(fields).model_dump()
    except ValidationError:
        return None


@pytest.mark.parametrize("copies", [1, 3])  # 3: repeated values are checked once each
def test_the_columns_agree_with_the_model_row_by_row(copies: int) -> None:
    rows = [observation_fields(**change) for change in CHANGES for _ in range(copies)]
    checked = ColumnChecker(ObservationImport, figure_and_period_rules).check(rows)
    for row, values in zip(rows, checked, strict=True):
        expected = by_the_model(row)
        assert (values is None) == (expected is None), row
        if values is None:
            continue  # the model says what is wrong
        assert values == expected, row
        assert [type(v) for v in values.values()] == [type(v) for v in expected.values()], row


def test_rows_with_a_missing_or_an_unknown_field_are_left_to_the_model() -> None:
    missing = observation_fields()
    del missing["quote"]
    checked = ColumnChecker(ObservationImport, figure_and_period_rules).check(
        [missing, observation_fields(extra="x"), observation_fields()]
    )
    assert checked[:2] == [None, None]
    assert checked[2] == by_the_model(observation_fields())


def test_a_good_row_is_never_left_to_the_model_for_a_bad_neighbour() -> None:
    good, bad = observation_fields(), observation_fields(origin="XXX")
    checked = ColumnChecker(ObservationImport, figure_and_period_rules).check([good, bad] * 3)
    assert [values is not None for values in checked] == [True, False] * 3
