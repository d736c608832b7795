"""Served field order, partial-update fields and Frictionless types (app.domain.shapes)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, Field, ValidationError, create_model

from app.domain.figures import Figure
from app.domain.shapes import frictionless_type, optional_fields, served_order


class Letters(BaseModel):
    a: int
    b: int
    c: int
    d: int
    e: int


@pytest.mark.parametrize(
    ("placement", "order"),
    [
        ({}, ["a", "b", "c", "d", "e"]),
        ({"e": None}, ["e", "a", "b", "c", "d"]),
        ({"e": "a"}, ["a", "e", "b", "c", "d"]),
        ({"a": "e"}, ["b", "c", "d", "e", "a"]),
        ({"b": "d"}, ["a", "c", "d", "b", "e"]),
        ({"a": None}, ["a", "b", "c", "d", "e"]),
        ({"e": None, "d": "a"}, ["e", "a", "d", "b", "c"]),
        ({"e": None, "d": "e"}, ["e", "d", "a", "b", "c"]),
        ({"d": "a", "e": "a"}, ["a", "e", "d", "b", "c"]),
    ],
)
def test_each_placed_field_moves_right_after_the_field_it_names(
    placement: dict[str, str | None], order: list[str]
) -> None:
    assert served_order(Letters, placement) == order


def test_a_placement_after_a_field_the_model_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="'z' is not in list"):
        served_order(Letters, {"a": "z"})


def _no_shouting(text: str) -> str:
    if text.isupper():
        raise ValueError("no shouting")
    return text


class Whole(BaseModel):
    count: int = Field(ge=1, le=10, description="How many.", examples=[3])
    name: Annotated[str, AfterValidator(_no_shouting)] = Field(
        min_length=2, description="What it is called."
    )
    day: date = Field(description="Which day.")
    maybe: str | None = Field(default="kept", description="Has a default of its own.")


Partial = create_model("Partial", **optional_fields(Whole))


def test_every_field_of_a_partial_model_is_optional_and_none_by_default() -> None:
    assert list(Partial.model_fields) == ["count", "name", "day", "maybe"]
    for name, info in Partial.model_fields.items():
        assert not info.is_required(), name
        assert info.default is None, name
    assert Partial().model_dump() == {"count": None, "name": None, "day": None, "maybe": None}


def test_a_partial_model_accepts_an_explicit_none_for_a_required_field() -> None:
    update = Partial.model_validate({"count": None, "name": None, "day": None})
    assert update.model_dump(exclude_unset=True) == {"count": None, "name": None, "day": None}


def test_a_partial_model_keeps_each_description_and_example() -> None:
    assert {name: info.description for name, info in Partial.model_fields.items()} == {
        "count": "How many.",
        "name": "What it is called.",
        "day": "Which day.",
        "maybe": "Has a default of its own.",
    }
    assert Partial.model_fields["count"].examples == [3]


@pytest.mark.parametrize(
    ("given", "dumped"),
    [
        ({"count": 1}, {"count": 1}),
        ({"count": "10"}, {"count": 10}),
        ({"name": "ab"}, {"name": "ab"}),
        ({"day": "2024-06-17"}, {"day": date(2024, 6, 17)}),
    ],
)
def test_a_partial_model_converts_a_given_value_as_the_original_does(
    given: dict[str, Any], dumped: dict[str, Any]
) -> None:
    assert Partial.model_validate(given).model_dump(exclude_unset=True) == dumped


@pytest.mark.parametrize(
    ("given", "error_type"),
    [
        ({"count": 0}, "greater_than_equal"),
        ({"count": 11}, "less_than_equal"),
        ({"count": "many"}, "int_parsing"),
        ({"name": "a"}, "string_too_short"),
        ({"name": "LOUD"}, "value_error"),
        ({"day": "June"}, "date_from_datetime_parsing"),
    ],
)
def test_a_partial_model_checks_a_given_value_as_the_original_does(
    given: dict[str, Any], error_type: str
) -> None:
    with pytest.raises(ValidationError) as original:
        Whole.model_validate({"count": 1, "name": "ab", "day": "2024-01-01", **given})
    with pytest.raises(ValidationError) as partial:
        Partial.model_validate(given)
    assert [e["type"] for e in original.value.errors()] == [error_type]
    assert [e["type"] for e in partial.value.errors()] == [error_type]


class Kind(StrEnum):
    big = "big"
    small = "small"


class Columns(BaseModel):
    flag: bool
    count: int
    ratio: float
    figure: Figure
    constrained: Annotated[float, Field(ge=0)]
    moment: datetime
    day: date
    maybe_flag: bool | None = None
    maybe_count: int | None = None
    maybe_figure: Figure | None = None
    maybe_moment: datetime | None = None
    maybe_day: date | None = None
    text: str
    maybe_text: str | None = None
    kind: Kind
    mapping: dict[str, str]
    items: list[int]


@pytest.mark.parametrize(
    ("name", "table_type"),
    [
        ("flag", "boolean"),
        ("count", "integer"),
        ("ratio", "number"),
        ("figure", "number"),
        ("constrained", "number"),
        ("moment", "datetime"),
        ("day", "date"),
        ("maybe_flag", "boolean"),
        ("maybe_count", "integer"),
        ("maybe_figure", "number"),
        ("maybe_moment", "datetime"),
        ("maybe_day", "date"),
        ("text", "string"),
        ("maybe_text", "string"),
        ("kind", "string"),
        ("mapping", "object"),
        ("items", "string"),
    ],
)
def test_each_field_has_the_frictionless_type_of_its_python_type(
    name: str, table_type: str
) -> None:
    assert frictionless_type(Columns, name) == table_type
