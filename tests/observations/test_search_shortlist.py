"""A ranked search's pages are read from the best matches of the index alone when nothing
but the word narrows them (app.observations.search.shortlisted): the pages must be those
of ranking every match, page after page, also when most of the best matches are retracted
and the page falls back on every match. The rows here are SYNTHETIC, written by the test:
many quotes sharing a common word, of varied lengths and repetitions so that their scores
spread, with ties."""

import json
from typing import Any

import pytest
from sqlalchemy import text

from app.observations import search
from app.observations.filters import ObservationFilter
from app.observations.params import ObservationSort
from app.observations.service import SHORTLIST_PER_ROW, list_statement
from tests.conftest import ON_POSTGRES, Desk
from tests.factories import add_source_without_text, observation_fields

ROWS = 1500


def synthetic_rows(source_id: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(ROWS):
        repeated = " ".join(["quarry"] * (1 + n % 3))
        filler = " ".join(f"word{k}" for k in range(n % 17))
        rows.append(
            observation_fields(
                source_id=source_id,
                attributed_to=f"Synthetic analyst {n}",
                quote=f"[SYNTHETIC] {repeated} workers {filler} (row {n % 250}).",
                period_start=f"{1900 + n % 120}-01-01",
                period_end=f"{1900 + n % 120}-12-31",
                value=n + 1,
            )
        )
    return rows


@pytest.fixture
def searched(desk: Desk) -> Desk:
    source = add_source_without_text(desk.session)
    body = "".join(json.dumps(row) + "\n" for row in synthetic_rows(source))
    loaded = desk.client.post(
        "/v1/imports",
        content=body,
        headers={**desk.editor, "Content-Type": "application/x-ndjson"},
    )
    assert loaded.status_code == 200, loaded.text
    return desk


def every_match_ranked(desk: Desk, q: str) -> list[int]:
    """The order of ranking every match: the statement a page falls back on."""
    desk.session.rollback()  # read in a snapshot of now
    query = ObservationFilter(text=search.parse(q))
    dialect = "postgresql" if ON_POSTGRES else "sqlite"
    statement = list_statement(query, ObservationSort.relevance, dialect=dialect)
    ranked = [row.id for row in desk.session.connection().execute(statement)]
    desk.session.rollback()
    return ranked


def paged(desk: Desk, q: str, limit: int) -> list[int]:
    ids: list[int] = []
    response = desk.client.get("/v1/observations", params={"q": q, "limit": limit})
    while True:
        assert response.status_code == 200, response.text
        ids += [item["id"] for item in response.json()["data"]]
        following = response.json()["links"]["next"]
        if following is None:
            return ids
        response = desk.client.get(following)


@pytest.mark.parametrize(("q", "limit"), [("quarry", 100), ("quarry", 7), ("quar", 50)])
def test_pages_of_a_common_word_are_those_of_ranking_every_match(
    searched: Desk, q: str, limit: int
) -> None:
    expected = every_match_ranked(searched, q)
    assert len(expected) == ROWS
    assert paged(searched, q, limit) == expected


def test_pages_are_the_same_when_the_best_matches_are_retracted(searched: Desk) -> None:
    best = every_match_ranked(searched, "quarry")[: SHORTLIST_PER_ROW * 101 + 50]
    searched.session.execute(
        text(
            "UPDATE observation SET retracted_at = CURRENT_TIMESTAMP, "
            "retraction_reason = 'test' WHERE id IN (" + ",".join(map(str, best)) + ")"
        )
    )
    searched.session.commit()
    expected = every_match_ranked(searched, "quarry")
    assert len(expected) == ROWS - len(best)
    assert paged(searched, "quarry", 100) == expected
