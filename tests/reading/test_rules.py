"""The reading rules one at a time. Sentences marked "(own)" are short ones written for the
rule; the others are from the labelled texts of tests/data/drafts."""

import pytest

from app.domain.figures import Qualifier
from app.reading.attribution import resolved, stated_in
from app.reading.countries import destinations_in, origins_in
from app.reading.hedges import qualifier_of
from app.reading.numbers import numbers
from app.reading.periods import periods_in
from app.reading.sentences import split


def test_sentences_keep_their_offsets_and_abbreviations() -> None:
    text = "Mr. Kim arrived in the U.S. in May. He said 5,000 left.\nA new line."  # (own)
    sentences = split(text)
    assert [s.text for s in sentences] == [
        "Mr. Kim arrived in the U.S. in May.",
        "He said 5,000 left.",
        "A new line.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


@pytest.mark.parametrize(
    ("sentence", "figures"),
    [
        ("Workers receive $100-$200 a month.", [(None, 100, 200, "$")]),
        ("In 2022 there were 38,000 visas available.", [(38000, None, None, None)]),
        ("between 1,200 and 2,300 million dollars annually", [(None, 1.2e9, 2.3e9, "dollars")]),
        ("Rs 1.4 million to 1.5 million per family", [(None, 1.4e6, 1.5e6, "Rs")]),
        ("2.2mn Bangladeshi workers are all set to leave", [(2.2e6, None, None, None)]),
        ("61, 845 Nepali people went", [(61845, None, None, None)]),
        ("between fifty and seventy workers (own)", [(None, 50, 70, None)]),
    ],
)
def test_numbers_values_ranges_and_currencies(
    sentence: str, figures: list[tuple[float | None, float | None, float | None, str | None]]
) -> None:
    found = [(n.value, n.low, n.high, n.currency) for n in numbers(sentence)]
    assert found == figures


@pytest.mark.parametrize(
    "sentence",
    [
        "COVID-19 hit the G7 on 5 March 2020.",  # (own) names, a day, a year
        "Hemanta's six-year-old son, aged 6, read Article 12 on page 3.",  # (own) ages, law, page
        "Call +44 (0) 207 907 1460 at 10 a.m. on the 3rd.",  # (own) phone, time, ordinal
        "in fiscal year 2020/21 and in 2018-19",  # (own) fiscal years
    ],
)
def test_what_is_no_figure(sentence: str) -> None:
    assert numbers(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "figure", "qualifier"),
    [
        ("told the BBC that over 10,000 North Korean laborers flowed", "10,000", "at_least"),
        ("around 13,000 North Koreans entered the country", "13,000", "approximate"),
        ("only two days off a year", "two", "exact"),
        ("There are nearly 2 million Nepali migrant workers", "2 million", "approximate"),
        ("as much as 70 percent of its seafood (own)", "70 percent", "at_most"),
        ("up to 80,000 workers (own)", "80,000", "at_most"),
        ("10,000 workers or more (own)", "10,000", "at_least"),
        ("North Korean workers typically work 18-hour shifts", "18-hour", "approximate"),
    ],
)
def test_qualifier_from_the_hedge(sentence: str, figure: str, qualifier: str) -> None:
    [number] = [n for n in numbers(sentence) if sentence[n.start : n.end].startswith(figure)]
    hedge = qualifier_of(sentence, number.start, number.end, is_range=False, range_words=None)
    assert hedge.qualifier == Qualifier(qualifier)


def _period(sentence: str, published_on: str | None = None, country: str | None = None):
    found = periods_in(sentence, published_on=published_on, country=country, before=None)
    return [(p.period_start, p.period_end) for p in found]


def test_periods_stated() -> None:
    assert _period("entered the country in 2024") == [("2024-01-01", "2024-12-31")]
    assert _period("in the first quarter of 2025") == [("2025-01-01", "2025-03-31")]
    assert _period("Between July 2014\u2013July 2015, 1002 died") == [("2014-07-01", "2015-07-31")]
    assert _period("since 2022") == [("2022-01-01", None)]
    assert _period("in fiscal year 2020/21", country="NPL") == [("2020-07-16", "2021-07-15")]


def test_relative_periods_resolve_against_the_publication_date_or_stay_open() -> None:
    assert _period("just last year", "2025-03-10") == [("2024-01-01", "2024-12-31")]
    assert _period("just last year", None) == [(None, None)]
    assert _period("this month", "2025") == [(None, None)]  # (own) a year says no month
    assert _period("in past two months alone", "2023-07-05") == [("2023-05-05", "2023-07-05")]
    # A fiscal year of a country whose fiscal year is not known stays open. (own)
    assert _period("in fiscal year 2020/21", country=None) == [(None, None)]
    # A point in time is no span. (own)
    assert _period("As of November 2024, 272,164 workers") == [(None, None)]


def test_a_period_after_a_verb_of_saying_dates_the_saying() -> None:
    assert _period("The United Nations estimated in 2017 that the country earned") == []


def test_attribution_patterns() -> None:
    said = stated_in("However, a South Korean intelligence official told the BBC that over 10,000")
    assert said is not None
    assert (said.who, said.relay) == ("South Korean intelligence official", "BBC")
    according = stated_in("According to the Department of Foreign Employment, around 750,000")
    assert according is not None
    assert according.who == "Department of Foreign Employment"
    data = stated_in("Russian government estimates suggest that around 13,000 North Koreans")
    assert data is not None
    assert data.who == "Russian government estimates"
    inverted = stated_in("a total of 1,396 foreign citizens, said Maninath Gope, spokesperson.")
    assert inverted is not None
    assert inverted.who == "Maninath Gope, spokesperson"


def test_a_pronoun_and_a_definite_description_read_as_the_source_before() -> None:
    first = stated_in("A South Korean intelligence official told the BBC that 10,000 came.")
    same = stated_in("According to the same official, 50,000 more will come.")
    assert first is not None
    assert same is not None
    again = resolved(same, [first], "")
    assert again is not None
    assert again.who == "South Korean intelligence official"
    assert not again.stated
    assert again.reason
    board = stated_in("According to the board, at least 25 bodies are yet to be brought.")
    assert board is not None
    text_before = "The Foreign Employment Board has stated that the bodies were brought."
    named = resolved(board, [], text_before)
    assert named is not None
    assert named.who == "Foreign Employment Board"


def test_countries_from_names_and_demonyms() -> None:
    sentence = "over 10,000 North Korean laborers flowed into Russia just last year"
    assert [m.code for m in origins_in(sentence)] == ["PRK"]
    assert [m.code for m in destinations_in(sentence)] == ["RUS"]
    own = "5,000 Nepalis, Filipinos and Bangladeshi workers went to Qatar."  # (own)
    assert {m.code for m in origins_in(own)} == {"NPL", "PHL", "BGD"}
    # One of several places is no single destination.
    assert destinations_in("workers in the Gulf and Malaysia") == []
