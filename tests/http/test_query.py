"""Query strings as models: unknown parameters, breakdown filters and page sizes
(app.http.query)."""

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.errors import UnknownParameter
from app.http.query import BreakdownParameters, LimitOrAll, NoParameters, QueryParameters


class Listing(QueryParameters):
    limit: int = 10
    sort: str = "id"


class Filtered(BreakdownParameters):
    limit: int = 10
    metric: str | None = None


LIMIT_OR_ALL = TypeAdapter(LimitOrAll)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, {"limit": 10, "sort": "id"}),
        ({"limit": "5"}, {"limit": 5, "sort": "id"}),
        ({"limit": 3, "sort": "value"}, {"limit": 3, "sort": "value"}),
    ],
)
def test_known_parameters_are_accepted(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert Listing.model_validate(given).model_dump() == expected


@pytest.mark.parametrize(
    ("given", "unknown"),
    [
        ({"limt": "5"}, ["limt"]),
        ({"limit": "5", "offset": "10"}, ["offset"]),
        ({"zeta": "1", "alpha": "2", "limit": "3"}, ["alpha", "zeta"]),
    ],
)
def test_an_unknown_parameter_is_refused_naming_it_and_the_accepted_ones(
    given: dict[str, Any], unknown: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        Listing.model_validate(given)
    errors = caught.value.errors()
    assert len(errors) == 1
    (error,) = errors
    assert error["type"] == "unknown_parameter"
    assert error["ctx"] == {"unknown": unknown, "allowed": ["limit", "sort"]}
    assert ", ".join(unknown) in error["msg"]
    assert "This endpoint accepts: limit, sort." in error["msg"]


@pytest.mark.parametrize(
    ("given", "opening"),
    [
        ({"offset": "1"}, "Unknown query parameter: offset."),
        ({"offset": "1", "page": "2"}, "Unknown query parameters: offset, page."),
    ],
)
def test_the_message_says_parameter_or_parameters_by_count(
    given: dict[str, Any], opening: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Listing.model_validate(given)
    assert caught.value.errors()[0]["msg"].startswith(opening)


def test_no_parameters_accepts_an_empty_query() -> None:
    assert NoParameters.model_validate({}).model_dump() == {}


@pytest.mark.parametrize("given", [{"limit": "5"}, {"format": "csv", "cursor": "x"}])
def test_no_parameters_refuses_any_parameter(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        NoParameters.model_validate(given)
    (error,) = caught.value.errors()
    assert error["type"] == "unknown_parameter"
    assert error["ctx"]["allowed"] == []
    assert "no parameters" in error["msg"]


def test_a_breakdown_model_keeps_extra_parameters() -> None:
    query = Filtered.model_validate({"limit": "2", "visa_type": "student"})
    assert query.limit == 2
    assert query.model_extra == {"visa_type": "student"}


@pytest.mark.parametrize(
    ("given", "breakdowns"),
    [
        ({}, {}),
        ({"limit": "2"}, {}),
        ({"visa_type": "student"}, {"visa_type": "student"}),
        ({"visa_type": ["student", "work"]}, {"visa_type": "work"}),
        ({"visa_type": "student", "sector": 7}, {"visa_type": "student", "sector": "7"}),
    ],
)
def test_breakdowns_are_the_extras_as_text_the_last_value_winning(
    given: dict[str, Any], breakdowns: dict[str, str]
) -> None:
    query = Filtered.model_validate(given)
    assert query.breakdowns(["visa_type", "sector"]) == breakdowns


@pytest.mark.parametrize(
    ("given", "unknown"),
    [
        ({"visa": "student"}, ["visa"]),
        ({"visa_type": "student", "zone": "a", "area": "b"}, ["area", "zone"]),
    ],
)
def test_an_extra_that_names_no_dimension_is_refused_listing_fields_and_dimensions(
    given: dict[str, Any], unknown: list[str]
) -> None:
    query = Filtered.model_validate(given)
    with pytest.raises(UnknownParameter) as caught:
        query.breakdowns(["visa_type", "sector"])
    assert caught.value.extra == {
        "unknown": unknown,
        "allowed": ["limit", "metric", "sector", "visa_type"],
    }
    assert ", ".join(unknown) in caught.value.detail
    assert "This endpoint accepts: limit, metric, sector, visa_type." in caught.value.detail
    assert caught.value.status == 400


def test_without_dimensions_any_extra_is_refused() -> None:
    query = Filtered.model_validate({"visa_type": "student"})
    with pytest.raises(UnknownParameter) as caught:
        query.breakdowns([])
    assert caught.value.extra == {"unknown": ["visa_type"], "allowed": ["limit", "metric"]}


@pytest.mark.parametrize(
    ("given", "validated"),
    [
        ("all", "all"),
        ("ALL", "all"),
        (" ALL ", "all"),
        ("All", "all"),
        ("5", 5),
        ("1", 1),
        ("1000", 1000),
        (7, 7),
    ],
)
def test_a_page_size_is_a_number_from_1_to_1000_or_all(given: object, validated: object) -> None:
    assert LIMIT_OR_ALL.validate_python(given) == validated


@pytest.mark.parametrize("given", ["0", "1001", "-1", "many", "", "2.5", "al", 0, 1001])
def test_a_page_size_outside_1_to_1000_is_refused_never_clamped(given: object) -> None:
    with pytest.raises(ValidationError, match="1 to 1000") as caught:
        LIMIT_OR_ALL.validate_python(given)
    assert repr(given) in caught.value.errors()[0]["msg"]
