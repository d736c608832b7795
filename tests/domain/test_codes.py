"""ISO 3166 country and subdivision codes (app.domain.codes)."""

import pytest
from pydantic import TypeAdapter, ValidationError

from app.domain.codes import (
    CountryCode,
    SubdivisionCode,
    check_country,
    check_subdivision,
    subdivision_country,
)

COUNTRY = TypeAdapter(CountryCode)
SUBDIVISION = TypeAdapter(SubdivisionCode)


@pytest.mark.parametrize("code", ["RUS", "PRK", "KOR", "CHN", "UZB"])
def test_check_country_returns_an_alpha_3_code_unchanged(code: str) -> None:
    assert check_country(code) == code


@pytest.mark.parametrize("code", ["XXX", "RU", "RUSS", "", "643", "Russia"])
def test_check_country_refuses_what_is_not_an_alpha_3_code(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-3") as caught:
        check_country(code)
    assert f"'{code}'" in str(caught.value)


@pytest.mark.parametrize("code", ["RU-KRS", "RU-MOW", "KR-11", "CN-BJ"])
def test_check_subdivision_returns_an_iso_3166_2_code_unchanged(code: str) -> None:
    assert check_subdivision(code) == code


@pytest.mark.parametrize("code", ["RU-XXX", "RU", "RUS", "KRS", "RU-KRSX", "RU_KRS", ""])
def test_check_subdivision_refuses_what_is_not_a_subdivision_code(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-2 subdivision code") as caught:
        check_subdivision(code)
    assert f"'{code}'" in str(caught.value)
    assert "RU-KRS" in str(caught.value)


@pytest.mark.parametrize(
    ("subdivision", "country"),
    [
        ("RU-KRS", "RUS"),
        ("RU-MOW", "RUS"),
        ("KR-11", "KOR"),
        ("CN-BJ", "CHN"),
        ("RU-XXX", ""),
        ("RU", ""),
        ("", ""),
    ],
)
def test_a_subdivision_belongs_to_the_alpha_3_country_of_its_prefix(
    subdivision: str, country: str
) -> None:
    assert subdivision_country(subdivision) == country


@pytest.mark.parametrize(
    ("given", "validated"),
    [("RUS", "RUS"), ("rus", "RUS"), ("Prk", "PRK"), ("  kor ", "KOR"), ("\tRUS\n", "RUS")],
)
def test_a_country_code_is_accepted_in_any_case_and_served_in_upper_case(
    given: str, validated: str
) -> None:
    assert COUNTRY.validate_python(given) == validated


@pytest.mark.parametrize("given", ["XXX", "RU", "RUSS", "xxx", "", "R U S"])
def test_a_country_code_that_is_not_alpha_3_is_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="alpha-3"):
        COUNTRY.validate_python(given)


def test_a_country_code_that_is_not_text_is_refused() -> None:
    with pytest.raises(ValidationError):
        COUNTRY.validate_python(643)


@pytest.mark.parametrize(
    ("given", "validated"),
    [("RU-KRS", "RU-KRS"), ("ru-krs", "RU-KRS"), (" Ru-Krs ", "RU-KRS"), ("kr-11", "KR-11")],
)
def test_a_subdivision_code_is_accepted_in_any_case_and_served_in_upper_case(
    given: str, validated: str
) -> None:
    assert SUBDIVISION.validate_python(given) == validated


@pytest.mark.parametrize("given", ["RU-XXX", "RUS", "ru", "RU-KRSSS", ""])
def test_a_subdivision_code_that_is_not_iso_3166_2_is_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="ISO 3166-2 subdivision code"):
        SUBDIVISION.validate_python(given)
