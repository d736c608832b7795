"""Full-text search, `q=` on GET /v1/observations: what it finds, in what order, with which
`match`, kept current by every write and import, combined with every other parameter."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.models import ObservationRevision, SourceRevision
from app.observations import matching
from tests.conftest import Desk
from tests.factories import add_observation, add_source_without_text, observation_fields

# Observations of the seed's source 2, "BBC investigation into North Korean workers in Russia".
BBC = [1, 2, 8, 9]


def found(client: TestClient, q: str, **params: object) -> list[int]:
    response = client.get("/v1/observations", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_a_word_of_a_quote_finds_it_and_says_where(client: TestClient) -> None:
    (result,) = client.get("/v1/observations", params={"q": "Shoigu"}).json()["data"]
    assert result["id"] == 6
    match = result["match"]
    assert match["field"] == "quote"
    assert match["snippet"] == result["quote"]
    assert [match["snippet"][s:e] for s, e in match["highlights"]] == ["Shoigu"]


def test_the_claimant_is_searched(client: TestClient) -> None:
    (result,) = client.get("/v1/observations", params={"q": "unnamed"}).json()["data"]
    assert result["id"] == 5
    assert result["match"]["field"] == "attributed_to"
    assert result["match"]["highlights"] == [[0, 7]]


def test_the_source_title_is_searched(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"q": "investigation"})
    results = response.json()["data"]
    assert sorted(item["id"] for item in results) == BBC
    assert {item["match"]["field"] for item in results} == {"source_title"}


def test_every_word_must_match_case_aside(client: TestClient) -> None:
    assert sorted(found(client, "bbc INVESTIGATION")) == BBC
    assert found(client, "investigation Shoigu") == []


def test_a_word_with_punctuation_is_found_as_its_parts(client: TestClient) -> None:
    assert found(client, "10,000") == [1]
    # "North-Korean" reads as the words "North Korean", which the quotes write.
    assert 6 in found(client, "North-Korean")


def test_the_last_word_also_finds_longer_words_it_begins(client: TestClient) -> None:
    assert found(client, "Shoi") == [6]
    assert found(client, "Shoi Russian") == []  # only the last word is a prefix


def test_no_result_is_served_without_a_match_and_none_carries_one_without_q(
    client: TestClient,
) -> None:
    items = client.get("/v1/observations").json()["data"]
    assert items, "the list without q served nothing to check"
    for item in items:
        assert "match" not in item


def test_a_better_match_comes_first(desk: Desk) -> None:
    source = add_source_without_text(desk.session)
    once = add_observation(
        desk.session,
        source_id=source,
        quote="A long statement in which the word zanzibar appears once among many other words "
        "that say nothing in particular about anything at all, at length.",
    ).id
    often = add_observation(
        desk.session, source_id=source, quote="Zanzibar, zanzibar: zanzibar workers."
    ).id
    assert found(desk.client, "zanzibar") == [often, once]
    # An explicit sort still applies.
    assert found(desk.client, "zanzibar", sort="id") == [once, often]


def test_a_filter_narrows_the_matches(client: TestClient) -> None:
    everywhere = found(client, "workers")
    narrowed = found(client, "workers", source=2, basis="projection")
    assert narrowed == [2]
    assert set(narrowed) < set(everywhere)
    assert found(client, "workers", origin="UKR") == []


@pytest.mark.parametrize("sort", [None, "-id", "value"])
def test_paging_returns_every_match_once(client: TestClient, sort: str | None) -> None:
    params = {"q": "korean", "limit": 2, **({"sort": sort} if sort else {})}
    everything = found(client, "korean", **({"sort": sort} if sort else {}))
    seen: list[int] = []
    response = client.get("/v1/observations", params=params)
    while True:
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["data"]]
        following = response.json()["links"]["next"]
        if following is None:
            break
        response = client.get(following)
    assert seen == everything
    assert len(seen) == len(set(seen)) >= 5


def test_with_q_and_no_sort_the_order_is_relevance(client: TestClient) -> None:
    meta = client.get("/v1/observations", params={"q": "workers"}).json()["meta"]
    assert meta["sort"] == "relevance"


def test_relevance_without_q_is_a_400_naming_sort(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"sort": "relevance"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "sort"


@pytest.mark.parametrize("q", ["", "   ", "*", '"', "()", "-- ;"])
def test_nothing_to_search_for_is_a_400_naming_q(client: TestClient, q: str) -> None:
    response = client.get("/v1/observations", params={"q": q})
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == "q"


@pytest.mark.parametrize(
    "q",
    [
        'foo"',
        '"unbalanced',
        "AND OR NEAR(",
        "NEAR(a b, 3)",
        "a* OR b*",
        "title:workers",
        "^workers",
        "workers NOT korean",
        "!workers & | <-> :*",
        "'; DROP TABLE observation; --",
        "\\x00 \\' \\\\",
        "ü" * 400,
        " ".join(["word"] * 32),
        " ".join(["word"] * 33),
        "x" * 501,
        "a:* b:A",
    ],
)
def test_hostile_text_is_never_a_server_error(client: TestClient, q: str) -> None:
    response = client.get("/v1/observations", params={"q": q})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        problem = response.json()
        named = [problem.get("parameter")] + [e["name"] for e in problem.get("errors", [])]
        assert "q" in named
    csv_response = client.get("/v1/observations", params={"q": q, "format": "csv"})
    assert csv_response.status_code == response.status_code


def test_syntax_characters_are_plain_words(client: TestClient) -> None:
    assert found(client, '"Shoigu') == [6]
    assert found(client, "Shoigu*") == [6]
    assert found(client, "Shoigu OR Putin") == []  # OR is a word that must be found


def test_a_new_observation_is_found_at_once(desk: Desk) -> None:
    source = add_source_without_text(desk.session)
    response = desk.client.post(
        "/v1/observations",
        json=observation_fields(source_id=source, quote="Quokka farms employ many workers."),
        headers=desk.editor,
    )
    assert response.status_code == 201, response.text
    assert found(desk.client, "quokka") == [response.json()["id"]]


def test_an_edited_quote_is_found_by_its_new_words_only(desk: Desk) -> None:
    source = add_source_without_text(desk.session)
    observation = add_observation(desk.session, source_id=source, quote="Wombats dig burrows.")
    response = desk.client.patch(
        f"/v1/observations/{observation.id}",
        json={"quote": "Platypus lay eggs.", "reason": "Misquoted.", "revision": 1},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert found(desk.client, "platypus") == [observation.id]
    assert found(desk.client, "wombats") == []


def test_an_edit_of_other_fields_keeps_it_findable(desk: Desk) -> None:
    revision = desk.client.get("/v1/observations/6").json()["revision"]
    response = desk.client.patch(
        "/v1/observations/6",
        json={"value": 5001, "reason": "Typo.", "revision": revision},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert found(desk.client, "Shoigu") == [6]


def test_a_retracted_observation_is_found_only_with_include_retracted(desk: Desk) -> None:
    revision = desk.client.get("/v1/observations/6").json()["revision"]
    response = desk.client.post(
        "/v1/observations/6/retract",
        json={"reason": "Withdrawn.", "revision": revision},
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert found(desk.client, "Shoigu") == []
    assert found(desk.client, "Shoigu", include_retracted="true") == [6]


def test_a_source_title_edit_reindexes_its_observations(desk: Desk) -> None:
    revision = desk.client.get("/v1/sources/2").json()["revision"]
    response = desk.client.patch(
        "/v1/sources/2",
        json={
            "title": "BBC report on Pyongyang's overseas labour",
            "reason": "Retitled.",
            "revision": revision,
        },
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert sorted(found(desk.client, "overseas labour")) == BBC
    assert found(desk.client, "investigation") == []


def test_an_imports_rows_are_found(desk: Desk) -> None:
    body = (
        "metric,origin,destination,period_start,period_end,value,qualifier,basis,"
        "attributed_to,source_id,quote\n"
        "entries,PRK,RUS,2023-01-01,2023-12-31,9000,approximate,estimate,Okapi Institute,3,"
        "Russia is facing a massive worker shortage\n"
    )
    response = desk.client.post(
        "/v1/imports",
        content=body.encode(),
        headers={**desk.editor, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    (result,) = desk.client.get("/v1/observations", params={"q": "okapi"}).json()["data"]
    assert result["attributed_to"] == "Okapi Institute"
    assert result["match"]["field"] == "attributed_to"


def test_csv_with_q_has_the_match_columns_and_without_q_has_none(client: TestClient) -> None:
    response = client.get("/v1/observations", params={"q": "Shoigu", "format": "csv"})
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["id"] == "6"
    assert row["match_field"] == "quote"
    assert "**Shoigu**" in row["match_snippet"]
    assert list(row)[-2:] == matching.CSV_COLUMNS
    plain = client.get("/v1/observations", params={"format": "csv"}).text
    assert "match_field" not in plain.splitlines()[0]


@pytest.mark.parametrize("representation", ["csv", "ndjson"])
def test_the_whole_selection_streams_best_first_with_its_matches(
    client: TestClient, representation: str
) -> None:
    params = {"q": "korean", "limit": "all", "format": representation}
    response = client.get("/v1/observations", params=params)
    assert response.status_code == 200, response.text
    if representation == "csv":
        rows = list(csv.DictReader(io.StringIO(response.text)))
        ids = [int(row["id"]) for row in rows]
        assert rows, "the CSV export has no rows to check"
        assert all(row["match_field"] for row in rows)
    else:
        documents = [json.loads(line) for line in response.text.splitlines()]
        ids = [document["id"] for document in documents]
        assert documents, "the NDJSON export has no documents to check"
        assert all(document["match"]["highlights"] for document in documents)
    assert ids == found(client, "korean", limit=1000)
    assert response.headers["X-Total-Count"] == str(len(ids))


def test_a_long_field_is_cut_around_its_first_match(desk: Desk) -> None:
    source = add_source_without_text(desk.session)
    quote = "Filler words go on and on. " * 20 + "Then the narwhal appears. " + "More. " * 80
    observation = add_observation(desk.session, source_id=source, quote=quote)
    (result,) = desk.client.get("/v1/observations", params={"q": "narwhal"}).json()["data"]
    match = result["match"]
    assert result["id"] == observation.id
    assert len(match["snippet"]) <= matching.SNIPPET_LENGTH + 2
    assert match["snippet"].startswith(matching.ELLIPSIS)
    assert match["snippet"].endswith(matching.ELLIPSIS)
    ((start, end),) = match["highlights"]
    assert match["snippet"][start:end] == "narwhal"


def test_as_of_matches_the_texts_of_that_day(desk: Desk) -> None:
    """The seed as of two days ago; its source 2 retitled and observation 6's claimant
    renamed yesterday: each day finds its own words."""
    today = datetime.now(UTC).date()
    day_1, day_2 = today - timedelta(days=2), today - timedelta(days=1)
    noon = datetime.combine(day_1, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    for table in (ObservationRevision, SourceRevision):
        desk.session.execute(update(table).values(recorded_at=noon, updated_at=noon))
        desk.session.execute(
            update(table).where(table.superseded_at.is_not(None)).values(superseded_at=noon)
        )
    desk.session.commit()
    edits = [
        ("/v1/sources/2", {"title": "BBC report on overseas labour"}, SourceRevision, 2),
        ("/v1/observations/6", {"attributed_to": "Secretary Shoigu"}, ObservationRevision, 6),
    ]
    later = noon + timedelta(days=1)
    for path, change, table, record_id in edits:
        revision = desk.client.get(path).json()["revision"]
        response = desk.client.patch(
            path, json={**change, "reason": "Renamed.", "revision": revision}, headers=desk.editor
        )
        assert response.status_code == 200, response.text
        desk.session.execute(
            update(table)
            .where(table.id == record_id, table.revision == revision)
            .values(superseded_at=later)
        )
        desk.session.execute(
            update(table)
            .where(table.id == record_id, table.revision == revision + 1)
            .values(recorded_at=later)
        )
        desk.session.commit()
    on_day_1, on_day_2 = {"as_of": day_1.isoformat()}, {"as_of": day_2.isoformat()}
    assert sorted(found(desk.client, "investigation", **on_day_1)) == BBC
    assert found(desk.client, "investigation", **on_day_2) == []
    assert sorted(found(desk.client, "overseas", **on_day_2)) == BBC
    assert found(desk.client, "secretary", **on_day_1) == []
    response = desk.client.get("/v1/observations", params={"q": "secretary", **on_day_2})
    (result,) = response.json()["data"]
    assert result["id"] == 6
    assert result["match"] == {
        "field": "attributed_to",
        "snippet": "Secretary Shoigu",
        "highlights": [[0, 9]],
    }
    # Paged, past matches come once each too.
    page = desk.client.get("/v1/observations", params={"q": "korean", "limit": 3, **on_day_1})
    paged = [item["id"] for item in page.json()["data"]]
    while page.json()["links"]["next"]:
        page = desk.client.get(page.json()["links"]["next"])
        paged += [item["id"] for item in page.json()["data"]]
    assert paged == found(desk.client, "korean", **on_day_1)


def test_fields_keep_the_match(client: TestClient) -> None:
    params = {"q": "Shoigu", "fields": "id,value"}
    (result,) = client.get("/v1/observations", params=params).json()["data"]
    assert list(result) == ["id", "value", "match"]
    response = client.get("/v1/observations", params={**params, "format": "csv"})
    assert response.text.splitlines()[0] == "id,value,match_field,match_snippet"
    streamed = client.get("/v1/observations", params={**params, "format": "csv", "limit": "all"})
    assert streamed.text == response.text


def test_a_search_is_counted_and_faceted_as_listed(client: TestClient) -> None:
    params = {"q": "investigation", "count": "true", "facet": "metric"}
    meta = client.get("/v1/observations", params=params).json()["meta"]
    assert meta["total"] == len(BBC)
    assert sum(value["count"] for value in meta["facets"]["metric"]["values"]) == len(BBC)
