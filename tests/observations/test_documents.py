"""Observations as served: citations, documents and CSV rows (app.observations.documents)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from app.domain.observation import SERVED_FIELDS
from app.observations.documents import cite, csv_rows, observation_documents

UNITS = {"workers_entered": "persons", "remittances": "USD"}

ORIGINAL = SimpleNamespace(
    id=1, title="Title", publisher="Publisher", published_on="2025", relayed_through=None
)
RELAY = SimpleNamespace(id=2, title="Other", publisher=None, published_on=None, relayed_through=1)
SECOND_RELAY = SimpleNamespace(
    id=3, title="Third", publisher="Wire", published_on="2025-07-01", relayed_through=2
)


def _row(**changes: Any) -> SimpleNamespace:
    """A stored observation row with every field a document reads."""
    fields: dict[str, Any] = {
        "id": 1,
        "metric": "workers_entered",
        "origin": "PRK",
        "destination": "RUS",
        "region": "RU-KRS",
        "dimensions": {"visa_type": "student"},
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 12, 31),
        "period_label": "2024",
        "value": 10000.0,
        "lower_bound": 10000.0,
        "upper_bound": None,
        "qualifier": "at_least",
        "basis": "estimate",
        "attributed_to": "Someone",
        "source_id": 2,
        "reported_on": "2025-06",
        "quote": "Over 10,000 came.",
        "cell": None,
        "notes": None,
        "inferred": {},
        "part_of": None,
        "revision": 3,
        "updated_at": datetime(2025, 7, 1, 9, 30, tzinfo=UTC),
        "retracted_at": None,
        "retraction_reason": None,
    }
    return SimpleNamespace(**{**fields, **changes})


@pytest.mark.parametrize(
    ("attributed_to", "reported_on", "chain", "citation"),
    [
        ("Someone", None, [], "Someone."),
        ("Someone", "2025-06", [], "Someone (2025-06)."),
        ("Someone", None, [ORIGINAL], 'Someone, in "Title" (Publisher, 2025).'),
        (
            "Someone",
            "2025-06",
            [ORIGINAL],
            'Someone (2025-06), in "Title" (Publisher, 2025).',
        ),
        (
            "Someone",
            "2025-06",
            [ORIGINAL, RELAY],
            'Someone (2025-06), in "Title" (Publisher, 2025), as relayed by "Other" '
            "(publisher not named, date not given).",
        ),
        (
            "An official",
            "2025",
            [RELAY, ORIGINAL, SECOND_RELAY],
            'An official (2025), in "Other" (publisher not named, date not given), '
            'as relayed by "Title" (Publisher, 2025), as relayed by "Third" (Wire, 2025-07-01).',
        ),
    ],
)
def test_a_citation_names_who_when_the_source_and_each_relay(
    attributed_to: str, reported_on: str | None, chain: list[SimpleNamespace], citation: str
) -> None:
    row = _row(attributed_to=attributed_to, reported_on=reported_on)
    assert cite(row, chain) == citation


def test_a_document_is_the_served_form_of_a_row() -> None:
    (document,) = observation_documents([_row()], units=UNITS, chains={2: [ORIGINAL, RELAY]})
    assert document == {
        "id": 1,
        "metric": "workers_entered",
        "unit": "persons",
        "origin": "PRK",
        "destination": "RUS",
        "region": "RU-KRS",
        "dimensions": {"visa_type": "student"},
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "period_label": "2024",
        "value": 10000,
        "lower_bound": 10000,
        "upper_bound": None,
        "qualifier": "at_least",
        "basis": "estimate",
        "attributed_to": "Someone",
        "source_id": 2,
        "reported_on": "2025-06",
        "quote": "Over 10,000 came.",
        "cell": None,
        "quote_start": None,
        "quote_end": None,
        "quote_url": None,
        "cell_url": None,
        "notes": None,
        "citation": 'Someone (2025-06), in "Title" (Publisher, 2025), as relayed by "Other" '
        "(publisher not named, date not given).",
        "inferred": {},
        "part_of": None,
        "revision": 3,
        "updated_at": "2025-07-01T09:30:00Z",
        "retracted": False,
        "retracted_at": None,
        "retraction_reason": None,
    }


def test_a_documents_keys_are_the_served_fields_in_order() -> None:
    documents = observation_documents(
        [_row(), _row(id=2, notes="n", retracted_at=datetime(2025, 8, 1, tzinfo=UTC))],
        units=UNITS,
        chains={},
    )
    assert [list(document) for document in documents] == [SERVED_FIELDS, SERVED_FIELDS]


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        (10000.0, 10000),
        (0.0, 0),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_figures_are_served_as_people_write_them(stored: float | None, served: Any) -> None:
    (document,) = observation_documents(
        [_row(value=stored, lower_bound=stored, upper_bound=stored)], units=UNITS, chains={}
    )
    for name in ("value", "lower_bound", "upper_bound"):
        assert document[name] == served
        assert type(document[name]) is type(served)


def test_dates_and_moments_are_served_as_iso_text() -> None:
    row = _row(
        period_start=date(2023, 2, 1),
        period_end=None,
        updated_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        retracted_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    (document,) = observation_documents([row], units=UNITS, chains={})
    assert document["period_start"] == "2023-02-01"
    assert document["period_end"] is None
    assert document["updated_at"] == "2025-01-02T03:04:05Z"
    assert document["retracted_at"] == "2025-03-04T05:06:07Z"


@pytest.mark.parametrize(
    ("retracted_at", "retracted"),
    [(None, False), (datetime(2025, 8, 1, tzinfo=UTC), True)],
)
def test_an_observation_is_retracted_only_when_it_has_a_retraction_moment(
    retracted_at: datetime | None, retracted: bool
) -> None:
    (document,) = observation_documents([_row(retracted_at=retracted_at)], units=UNITS, chains={})
    assert document["retracted"] is retracted


@pytest.mark.parametrize(
    ("metric", "unit"),
    [("workers_entered", "persons"), ("remittances", "USD"), ("unheard_of", "")],
)
def test_the_unit_is_the_metrics_or_empty_when_unknown(metric: str, unit: str) -> None:
    (document,) = observation_documents([_row(metric=metric)], units=UNITS, chains={})
    assert document["unit"] == unit


def test_a_source_without_a_chain_is_cited_by_who_and_when_alone() -> None:
    (document,) = observation_documents([_row()], units=UNITS, chains={7: [ORIGINAL]})
    assert document["citation"] == "Someone (2025-06)."


def test_rows_with_the_same_claim_share_one_citation_and_others_get_their_own() -> None:
    rows = [
        _row(id=1),
        _row(id=2, value=5.0, dimensions={"visa_type": "work"}),
        _row(id=3, reported_on="2024"),
        _row(id=4, source_id=1),
        _row(id=5, attributed_to="Someone else"),
    ]
    documents = observation_documents(rows, units=UNITS, chains={1: [ORIGINAL], 2: [RELAY]})
    citations = [document["citation"] for document in documents]
    assert citations == [
        'Someone (2025-06), in "Other" (publisher not named, date not given).',
        'Someone (2025-06), in "Other" (publisher not named, date not given).',
        'Someone (2024), in "Other" (publisher not named, date not given).',
        'Someone (2025-06), in "Title" (Publisher, 2025).',
        'Someone else (2025-06), in "Other" (publisher not named, date not given).',
    ]


def test_csv_rows_spread_each_breakdown_into_a_column_of_its_own() -> None:
    documents = observation_documents(
        [
            _row(id=1, dimensions={"visa_type": "student", "sector": "construction"}),
            _row(id=2, dimensions={}),
        ],
        units=UNITS,
        chains={},
    )
    first, second = csv_rows(documents)
    assert first == {
        **documents[0],
        "visa_type": "student",
        "sector": "construction",
    }
    assert first["dimensions"] == {"visa_type": "student", "sector": "construction"}
    assert second == documents[1]
    assert "visa_type" not in second


def test_a_quote_is_placed_in_the_nearest_text_along_its_relay_chain() -> None:
    relay_text = "Preamble. Over 10,000 came. And more."
    texts = {RELAY.id: relay_text}
    (document,) = observation_documents(
        [_row()],
        units=UNITS,
        chains={2: [ORIGINAL, RELAY]},
        text_of=lambda source: texts.get(source.id),
    )
    start, end = document["quote_start"], document["quote_end"]
    assert relay_text[start:end] == "Over 10,000 came."
    assert document["quote_url"] == f"/v1/sources/{RELAY.id}/text#char={start},{end}"
