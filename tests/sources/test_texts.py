"""Source texts: kept, served as text/plain, out of lists and CSV, and the quotes of
observations checked against them (on create, edit and import) and placed in them."""

import csv
import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import SEED_DIR
from app.db import create_db_engine
from app.errors import ImportFailed
from app.exports.service import export_database
from app.imports.service import import_path
from app.models import SourceRevision
from tests.conftest import Desk, load_folder
from tests.factories import observation_fields, seeded_revision

ARTICLE = SEED_DIR / "documents" / "north-korean-workers-in-russia.txt"
NOT_IN_THE_ARTICLE = "Over a million North Korean workers entered Russia."


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_the_seeds_article_is_served_as_source_1s_text_byte_for_byte(client: TestClient) -> None:
    response = client.get("/v1/sources/1/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == ARTICLE.read_bytes()
    again = client.get("/v1/sources/1/text", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    source = client.get("/v1/sources/1").json()
    assert source["has_text"] is True
    assert source["text_sha256"] == hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    assert "text" not in source


def test_a_source_without_a_text_is_a_404_problem(client: TestClient) -> None:
    body = problem(client.get("/v1/sources/2/text"), 404)
    assert "keeps no text" in body["detail"]
    problem(client.get("/v1/sources/999/text"), 404)


def test_lists_and_csv_leave_the_text_out_but_say_whether_there_is_one(
    client: TestClient,
) -> None:
    listed = client.get("/v1/sources").json()["data"]
    # The article keeps its text; the sources it relays, and the seed's table, keep none.
    assert [source["has_text"] for source in listed] == [True, False, False, False, False]
    assert all("text" not in source for source in listed)
    exported = client.get("/v1/observations", params={"format": "csv"}).text
    assert "Thousands of North Korean laborers" not in exported


def test_every_seed_quote_is_placed_at_its_offsets_in_the_article(client: TestClient) -> None:
    article = ARTICLE.read_bytes().decode()
    observations = client.get("/v1/observations", params={"limit": 1000}).json()["data"]
    quoted = [observation for observation in observations if observation["quote"] is not None]
    assert quoted
    for observation in quoted:
        start, end = observation["quote_start"], observation["quote_end"]
        assert article[start:end] == observation["quote"], observation["id"]
        assert observation["quote_url"] == f"/v1/sources/1/text#char={start},{end}"


def test_offsets_count_code_points_not_bytes(client: TestClient) -> None:
    # The article's curly apostrophes are three bytes each in UTF-8, one character here.
    article = ARTICLE.read_bytes().decode()
    last = client.get("/v1/observations/6").json()
    assert len(article.encode()) > len(article)
    assert last["quote_end"] <= len(article)
    assert article[last["quote_start"] : last["quote_end"]] == last["quote"]


@pytest.mark.parametrize("source_id", [1, 2])  # 2 is relayed through 1, which holds the text
def test_a_quote_not_in_its_sources_text_is_refused_on_create(desk: Desk, source_id: int) -> None:
    fields = observation_fields(source_id=source_id, quote=NOT_IN_THE_ARTICLE)
    response = desk.client.post("/v1/observations", json=fields, headers=desk.editor)
    body = problem(response, 422)
    assert body["field"] == "quote"
    assert "source 1" in body["detail"]


def test_a_quote_not_in_its_sources_text_is_refused_on_edit(desk: Desk) -> None:
    before = desk.data_version()
    response = desk.client.patch(
        "/v1/observations/1",
        json={
            "quote": NOT_IN_THE_ARTICLE,
            "reason": "test",
            "revision": seeded_revision("observation", 1),
        },
        headers=desk.editor,
    )
    assert "quote" in problem(response, 422)["detail"]
    assert desk.data_version() == before


def test_a_quote_not_in_its_sources_text_fails_the_whole_import(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    good = observation_fields(metric="entries", attributed_to="Good")
    bad = observation_fields(metric="entries", attributed_to="Bad", quote=NOT_IN_THE_ARTICLE)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(good))
        writer.writeheader()
        writer.writerows([good, bad])
    before = desk.tables()
    with pytest.raises(ImportFailed) as failure, desk.session.begin():
        import_path(desk.session, path)
    [found] = failure.value.extra["problems"]
    assert (found["file"], found["line"]) == ("rows.csv", 3)
    assert found["message"].startswith("quote:")
    assert desk.tables() == before


def test_a_source_kept_only_by_its_hash_serves_no_text_and_checks_no_quote(desk: Desk) -> None:
    digest = hashlib.sha256(b"A text whose licence forbids keeping it.").hexdigest()
    created = desk.client.post(
        "/v1/sources",
        json={"title": "Licensed report", "type": "news_report", "text_sha256": digest},
        headers=desk.editor,
    ).json()
    assert (created["has_text"], created["text_sha256"]) == (False, digest)
    assert "SHA-256" in problem(desk.client.get(f"/v1/sources/{created['id']}/text"), 404)["detail"]
    fields = observation_fields(source_id=created["id"], quote=NOT_IN_THE_ARTICLE)
    response = desk.client.post("/v1/observations", json=fields, headers=desk.editor)
    assert response.status_code == 201, response.text
    assert [response.json()[k] for k in ("quote_start", "quote_end", "quote_url")] == [None] * 3


def test_a_text_is_written_with_its_digest_and_a_wrong_digest_is_refused(desk: Desk) -> None:
    text = "Первая строка.\r\nSecond line: 5,000 workers.\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    body = {"title": "A report", "type": "news_report", "text": text}
    wrong = desk.client.post(
        "/v1/sources", json={**body, "text_sha256": "0" * 64}, headers=desk.editor
    )
    assert "text_sha256" in problem(wrong, 422)["detail"]
    created = desk.client.post("/v1/sources", json=body, headers=desk.editor).json()
    assert created["text_sha256"] == digest
    served = desk.client.get(f"/v1/sources/{created['id']}/text")
    assert served.content == text.encode()
    fields = observation_fields(source_id=created["id"], quote="5,000 workers")
    observation = desk.client.post("/v1/observations", json=fields, headers=desk.editor).json()
    start, end = observation["quote_start"], observation["quote_end"]
    assert text[start:end] == "5,000 workers"


def test_a_text_edit_that_would_lose_a_stored_quote_is_refused(desk: Desk) -> None:
    response = desk.client.patch(
        "/v1/sources/1",
        json={
            "text": "Nothing of what was quoted.",
            "reason": "test",
            "revision": seeded_revision("source", 1),
        },
        headers=desk.editor,
    )
    assert "observation 1, 2" in problem(response, 422)["detail"]


def test_a_changed_text_moves_the_offsets_and_keeps_the_old_text_in_its_revisions(
    desk: Desk,
) -> None:
    article = ARTICLE.read_bytes().decode()
    response = desk.client.patch(
        "/v1/sources/1",
        json={
            "text": "Added first.\n" + article,
            "reason": "a heading found",
            "revision": seeded_revision("source", 1),
        },
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    assert response.json()["text_sha256"] != hashlib.sha256(article.encode()).hexdigest()
    first = desk.client.get("/v1/observations/1").json()
    assert first["quote_start"] == article.index(first["quote"]) + len("Added first.\n")
    query = select(SourceRevision.text).where(SourceRevision.id == 1)
    history = list(desk.session.scalars(query.order_by(SourceRevision.revision)))
    # The seed's revisions (its corrections of the notes) keep the text they had.
    seeded = seeded_revision("source", 1)
    assert history == [article] * seeded + ["Added first.\n" + article]


def test_a_text_as_large_as_a_body_may_be_is_refused_past_the_limit(desk: Desk) -> None:
    body = {"title": "Huge", "type": "news_report", "text": "x" * (1024 * 1024 + 1)}
    problem(desk.client.post("/v1/sources", json=body, headers=desk.editor), 413)


def test_a_text_file_outside_the_folder_is_refused(empty_db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("not for import")
    (folder / "sources.csv").write_text(
        "id,title,type,text_file\r\n1,Report,news_report,../secret.txt\r\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed) as failure:
        load_folder(empty_db_url, folder, actor="test")
    [found] = failure.value.extra["problems"]
    assert found["line"] == 2
    assert found["message"].startswith("text_file:")


def test_export_and_restore_keep_each_text_byte_for_byte(
    desk: Desk, empty_db_url: str, client_for, tmp_path: Path
) -> None:
    text = '=A text a spreadsheet would run,\r\nwith "quotes", tabs\tand ünïcode.\n'
    desk.client.post(
        "/v1/sources", json={"title": "T", "type": "news_report", "text": text}, headers=desk.editor
    )
    for url, folder in ((desk.url, tmp_path / "first"), (empty_db_url, tmp_path / "second")):
        if folder.name == "second":
            load_folder(empty_db_url, tmp_path / "first", actor="restore")
        engine = create_db_engine(url)
        try:
            export_database(engine, folder)
        finally:
            engine.dispose()
    for name in ("sources.csv", "source_revisions.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    restored = client_for(empty_db_url)
    assert restored.get("/v1/sources/1/text").content == ARTICLE.read_bytes()
    added = desk.client.get("/v1/sources", params={"limit": 100}).json()["data"][-1]
    assert restored.get(f"/v1/sources/{added['id']}/text").content == text.encode()


def test_the_served_source_schema_neither_lists_nor_requires_the_text(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("SourcePublic", "SourceDetail"):
        assert "text" not in schemas[name]["properties"], name
        assert "text" not in schemas[name]["required"], name
        assert "has_text" in schemas[name]["required"], name
    assert "text" in schemas["SourceCreate"]["properties"]
