"""propose() over whole texts: quotes are exact substrings, reasons are given for what is
inferred, and a long text reads well under a second."""

import json
from pathlib import Path

import pytest

from app.reading import propose

SEED = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "drafts"
    / "00-north-korean-workers-in-russia.json"
)


@pytest.fixture(scope="module")
def seed() -> dict:
    if not SEED.is_file():
        pytest.skip("the labelled seed text is missing")
    return json.loads(SEED.read_text("utf-8"))


def test_quotes_and_spans_are_the_texts_own_words(seed: dict) -> None:
    proposals = propose(seed["text"], published_on=None)
    assert proposals
    for proposal in proposals:
        assert seed["text"][proposal.quote_start : proposal.quote_end] == proposal.quote
        assert seed["text"][proposal.span_start : proposal.span_end] == proposal.span


def test_the_seeds_first_figure(seed: dict) -> None:
    first = next(p for p in propose(seed["text"], published_on=None) if "10,000" in p.span)
    assert first.span == "over 10,000"
    assert (first.value, first.qualifier, first.unit) == (10000, "at_least", "persons")
    assert (first.attributed_to, first.relayed_through) == (
        "South Korean intelligence official",
        "BBC",
    )
    assert (first.origin, first.destination) == ("PRK", "RUS")
    # The text is undated: 'last year' is left open, never guessed.
    assert first.period_start is None
    assert "period" not in first.inferred
    assert first.explanation["qualifier"] == "'over' before the figure"


def test_last_year_against_a_publication_date_is_inferred_with_its_reason() -> None:
    text = "Officials said over 10,000 workers left last year."  # (own)
    [proposal] = propose(text, published_on="2025-03-10")
    assert (proposal.period_start, proposal.period_end) == ("2024-01-01", "2024-12-31")
    assert proposal.inferred["period"] == (
        "'last year' read against the publication date 2025-03-10"
    )


def test_attribution_from_the_sentence_before_is_inferred(seed: dict) -> None:
    days = next(p for p in propose(seed["text"], published_on=None) if p.unit == "days")
    assert days.attributed_to == "ex-laborers"
    assert "sentence before" in days.inferred["attributed_to"]


def test_a_long_text_reads_every_copy_of_its_figures(seed: dict) -> None:
    """How fast is bench/drafts.py's to say (a timed test fails on a busy machine)."""
    text = "\n".join([seed["text"]] * 5)  # about 2,300 words
    assert len(text.split()) >= 2000
    once = propose(seed["text"], published_on="2025-03-10")
    assert len(propose(text, published_on="2025-03-10")) == 5 * len(once)
