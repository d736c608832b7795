"""GET /v1/observations/{id}/citation: text, CSL-JSON, BibTeX and RIS made from the same data,
each checked by an implementation of its own: the CSL-JSON schema of the citation-style-
language project (csl-data.json, vendored beside this file with its MIT licence, from
citation-style-language/schema at e3ce254), bibtexparser and rispy."""

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema_rs
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.dataset.license import COMPILATION, CREDIT
from app.observations.citations import date_parts
from app.sources import service as sources_service
from app.sources.schemas import SourceCreate
from tests.conftest import Desk
from tests.factories import add_observation, seeded_revision

CSL_SCHEMA = jsonschema_rs.validator_for(
    json.loads((Path(__file__).parent / "csl-data.json").read_text("utf-8"))
)
SEED_IDS = range(1, 10)
URL = "/v1/observations/{}/citation"
CSL = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex"
RIS = "application/x-research-info-systems"


def cite(client: TestClient, observation_id: int, citation_format: str) -> Any:
    response = client.get(URL.format(observation_id), params={"format": citation_format})
    assert response.status_code == 200, response.text
    return response.json() if citation_format in ("csl", "json") else response.text


def bibtex_entry(text: str) -> Any:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, text
    (entry,) = library.entries
    return entry


def bibtex_fields(text: str) -> dict[str, str]:
    # pylatexenc reads \textasciicircum{} as the modifier letter; TeX prints it as ^.
    return {f.key: f.value.replace("\u02c6", "^") for f in bibtex_entry(text).fields}


def ris_record(text: str) -> dict[str, Any]:
    assert text.endswith("ER  - \r\n")
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines), text
    assert lines[0].startswith("TY  - ")
    (record,) = rispy.loads(text)
    return record


def cited_title(source: dict[str, Any]) -> str:
    """A title the source does not give itself (a description) is cited in brackets."""
    return f"[{source['title']}]" if "title" in source["inferred"] else source["title"]


def test_csl_json_of_every_seed_observation_is_valid_csl_data(client: TestClient) -> None:
    for observation_id in SEED_IDS:
        observation = client.get(f"/v1/observations/{observation_id}").json()
        items = cite(client, observation_id, "csl")
        CSL_SCHEMA.validate(items)
        (item,) = items
        assert item["id"] == f"laborstats-observation-{observation_id}"
        assert item["title"] == cited_title(observation["source"])
        assert item["author"] == [{"literal": observation["attributed_to"]}]
        assert item.get("publisher") == observation["source"]["publisher"]
        assert item.get("URL") == observation["source"]["url"]


def test_csl_type_follows_the_source_type(client: TestClient) -> None:
    assert cite(client, 1, "csl")[0]["type"] == "article-newspaper"  # BBC news report
    assert cite(client, 3, "csl")[0]["type"] == "report"  # government estimates
    assert cite(client, 6, "csl")[0]["type"] == "speech"  # Shoigu's statement


def test_a_partial_date_gives_only_the_parts_it_has(desk: Desk) -> None:
    source = sources_service.create_source(
        desk.session,
        SourceCreate(title="A statement in June", published_on="2025-06", type="testimony"),
        actor="test",
    )
    desk.session.commit()
    observation = add_observation(desk.session, source_id=source.id).id
    client = desk.client
    (item,) = cite(client, observation, "csl")
    assert item["issued"] == {"date-parts": [[2025, 6]]}
    fields = bibtex_fields(cite(client, observation, "bibtex"))
    assert (fields["year"], fields["month"]) == ("2025", "jun")
    assert "date" not in fields
    record = ris_record(cite(client, observation, "ris"))
    assert (record["year"], record["date"]) == ("2025", "2025/06//")
    assert [date_parts(d) for d in ("2025", "2025-06", "2025-06-17")] == [
        [2025],
        [2025, 6],
        [2025, 6, 17],
    ]
    assert date_parts("--06") is None  # a form no date-parts can hold is never filled in


def test_a_missing_date_publisher_or_url_is_left_out_not_guessed(client: TestClient) -> None:
    # Observation 5's source (1) names no publisher and no date, and has no URL.
    (item,) = cite(client, 5, "csl")
    assert not {"issued", "publisher", "URL"} & item.keys()
    assert (
        not {"year", "month", "date", "publisher", "url"}
        & bibtex_fields(cite(client, 5, "bibtex")).keys()
    )
    record = ris_record(cite(client, 5, "ris"))
    assert not {"year", "date", "publisher", "urls"} & record.keys()


def test_bibtex_of_every_seed_observation_parses_as_one_entry(client: TestClient) -> None:
    for observation_id in SEED_IDS:
        observation = client.get(f"/v1/observations/{observation_id}").json()
        entry = bibtex_entry(cite(client, observation_id, "bibtex"))
        assert entry.key == f"laborstats-observation-{observation_id}"
        assert entry.entry_type in ("misc", "techreport")
        fields = {f.key: f.value for f in entry.fields}
        assert fields["author"] == observation["attributed_to"]  # one name, never split
        assert fields["title"] == cited_title(observation["source"])


def test_ris_of_every_seed_observation_parses_with_crlf_lines(client: TestClient) -> None:
    for observation_id in SEED_IDS:
        observation = client.get(f"/v1/observations/{observation_id}").json()
        record = ris_record(cite(client, observation_id, "ris"))
        assert record["type_of_reference"] in ("NEWS", "RPRT", "GEN")
        assert record["id"] == f"laborstats-observation-{observation_id}"
        assert record["authors"] == [observation["attributed_to"]]
        assert record["title"] == cited_title(observation["source"])


def test_every_format_carries_the_same_data(client: TestClient) -> None:
    for observation_id in SEED_IDS:
        everything = cite(client, observation_id, "json")
        (item,) = cite(client, observation_id, "csl")
        bibtex = cite(client, observation_id, "bibtex")
        ris = cite(client, observation_id, "ris")
        text = cite(client, observation_id, "text")
        assert everything == {
            "observation_id": observation_id,
            "text": text,
            "csl": [item],
            "bibtex": bibtex,
            "ris": ris,
        }
        fields, record = bibtex_fields(bibtex), ris_record(ris)
        served = client.get(f"/v1/observations/{observation_id}").json()["citation"]
        assert text == f"{served} {CREDIT}"
        assert item["title"] in text
        assert fields["title"] == record["title"] == item["title"]
        assert fields["author"] == record["authors"][0] == item["author"][0]["literal"]
        assert fields.get("note") == record.get("notes", [None])[0] == item.get("note")
        publisher = fields.get("publisher", fields.get("institution"))
        assert publisher == record.get("publisher") == item.get("publisher")
        parts = item.get("issued", {}).get("date-parts", [[]])[0]
        assert fields.get("year") == record.get("year") == (str(parts[0]) if parts else None)


def test_the_note_gives_the_period_the_claim_date_and_the_relay(client: TestClient) -> None:
    (item,) = cite(client, 1, "csl")
    assert item["note"] == (
        "Period: 2024. As relayed by [News report: North Korean laborers sent to work in "
        "Russia] (publisher not named, date not given). Inferred, not stated: period 2024 "
        "(The report says 'last year' and is undated; 2024 is the year it gives for the "
        "Russian government estimates of North Koreans who 'entered the country in 2024', but "
        "it does not say the two are the same year). " + CREDIT
    )
    note = cite(client, 6, "csl")[0]["note"]
    assert note.startswith("Claim made in June; the year is not given. ")


def test_special_characters_are_escaped_in_bibtex_and_kept_in_the_other_formats(
    desk: Desk,
) -> None:
    title = 'Pay of $100-$200 {sic} & 50% cut: #1_report \\ ~^ "quoted"\nsecond line'
    source = sources_service.create_source(
        desk.session,
        SourceCreate(
            title=title,
            publisher="R&D {Desk}",
            url="https://example.org/a%20b{c}",
            published_on="2025",
            type="testimony",
        ),
        actor="test",
    )
    desk.session.commit()
    observation = add_observation(desk.session, source_id=source.id, attributed_to="Smith and Co")

    bibtex = cite(desk.client, observation.id, "bibtex")
    assert "\\$100-\\$200 \\{sic\\} \\& 50\\% cut: \\#1\\_report" in bibtex
    fields = bibtex_fields(bibtex)
    one_line = title.replace("\n", " ")
    assert fields["title"] == one_line
    assert fields["author"] == "Smith and Co"  # braced whole: not two authors
    assert fields["publisher"] == "R&D {Desk}"
    # The url field is verbatim: read without LaTeX decoding, the address is the same.
    (raw,) = bibtexparser.parse_string(bibtex).entries
    assert raw.fields_dict["url"].value == "https://example.org/a%20b%7Bc%7D"
    assert (fields["year"], "month" in fields) == ("2025", False)  # a year: no month

    record = ris_record(cite(desk.client, observation.id, "ris"))
    assert record["title"] == one_line
    assert (record["year"], "date" in record) == ("2025", False)
    assert record["urls"] == ["https://example.org/a%20b{c}"]
    (item,) = cite(desk.client, observation.id, "csl")
    CSL_SCHEMA.validate([item])
    assert (item["title"], item["issued"], item["type"]) == (
        title,
        {"date-parts": [[2025]]},
        "interview",
    )


def test_a_retracted_observation_says_so_in_every_format(desk: Desk) -> None:
    response = desk.client.post(
        "/v1/observations/2/retract",
        json={
            "reason": "The official's projection was withdrawn.",
            "revision": seeded_revision("observation", 2),
        },
        headers=desk.editor,
    )
    assert response.status_code == 200, response.text
    today = datetime.now(UTC).date().isoformat()
    said = f"Retracted on {today}: The official's projection was withdrawn."
    assert cite(desk.client, 2, "text").endswith(f". {said} {CREDIT}")
    assert cite(desk.client, 2, "csl")[0]["note"].endswith(f"{said} {CREDIT}")
    assert bibtex_fields(cite(desk.client, 2, "bibtex"))["note"].endswith(f"{said} {CREDIT}")
    assert ris_record(cite(desk.client, 2, "ris"))["notes"][0].endswith(f"{said} {CREDIT}")


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/plain", "text/plain; charset=utf-8"),
        (CSL, CSL),
        (BIBTEX, f"{BIBTEX}; charset=utf-8"),
        (RIS, f"{RIS}; charset=utf-8"),
        (f"{BIBTEX};q=0.5, {RIS}", f"{RIS}; charset=utf-8"),
        ("text/html", "application/json"),  # nothing offered matches: the default, no 406
        (None, "application/json"),
    ],
)
def test_the_accept_header_chooses_the_format(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(URL.format(1), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type


def test_format_wins_over_accept(client: TestClient) -> None:
    response = client.get(URL.format(1), params={"format": "ris"}, headers={"Accept": CSL})
    assert response.headers["content-type"] == f"{RIS}; charset=utf-8"


def test_an_unknown_format_is_a_400_naming_it(client: TestClient) -> None:
    response = client.get(URL.format(1), params={"format": "endnote"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["name"] == "format"


def test_a_missing_observation_is_a_404_problem(client: TestClient) -> None:
    response = client.get(URL.format(999), params={"format": "bibtex"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "999" in response.json()["detail"]


def test_each_format_has_its_etag_and_a_current_copy_gets_304(client: TestClient) -> None:
    etags = set()
    for citation_format in ("json", "text", "csl", "bibtex", "ris"):
        response = client.get(URL.format(6), params={"format": citation_format})
        etag = response.headers["etag"]
        assert etag.startswith('"citation-6-r3-')  # the seed corrected it twice
        assert "Accept" in response.headers["vary"]
        etags.add(etag)
        again = client.get(
            URL.format(6), params={"format": citation_format}, headers={"If-None-Match": etag}
        )
        assert (again.status_code, again.content) == (304, b"")
    assert len(etags) == 5


def test_head_answers_with_the_get_headers_and_no_body(client: TestClient) -> None:
    get = client.get(URL.format(3), params={"format": "bibtex"})
    head = client.head(URL.format(3), params={"format": "bibtex"})
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == get.headers["etag"]


def test_a_citations_etag_is_no_if_match_for_editing_the_observation(desk: Desk) -> None:
    etag = desk.client.get(URL.format(1)).headers["etag"]
    response = desk.client.patch(
        "/v1/observations/1",
        json={"value": 11000, "reason": "test"},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 412


def test_as_of_today_cites_what_is_current(client: TestClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    now = client.get(URL.format(4), params={"format": "bibtex"})
    then = client.get(URL.format(4), params={"format": "bibtex", "as_of": today})
    assert then.text == now.text
    assert client.get(URL.format(4), params={"as_of": "2000-01-01"}).status_code == 404


def test_the_documented_examples_are_what_observation_1_is_served_as(
    client: TestClient,
) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/observations/{observation_id}/citation"
    ]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/plain", CSL, BIBTEX, RIS}
    for media_type, citation_format in [
        ("text/plain", "text"),
        (CSL, "csl"),
        (BIBTEX, "bibtex"),
        (RIS, "ris"),
    ]:
        assert content[media_type]["example"] == cite(client, 1, citation_format), media_type
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["ObservationCitations"]["examples"]
    assert example == cite(client, 1, "json")


def test_the_readmes_citation_examples_work(client: TestClient) -> None:
    """The citation curls of the README and of the docs/ pages it links to."""
    documents = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    docs = "\n".join(path.read_text("utf-8") for path in documents)
    commands = [c for c in re.findall(r"^curl (.*)$", docs, re.MULTILINE) if "/citation" in c]
    assert len(commands) >= 4
    for command in commands:
        words = shlex.split(command)
        headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
        (url,) = [word for word in words if word.startswith("http://127.0.0.1:8000/")]
        response = client.get(url.removeprefix("http://127.0.0.1:8000"), headers=headers)
        assert response.status_code == 200, command
        assert response.headers["content-type"] != "application/json", command


@pytest.mark.parametrize("observation_id", [1, 5, 9])
def test_every_format_credits_the_compilation_beside_the_original_source(
    client: TestClient, observation_id: int
) -> None:
    assert CREDIT == "Via laborstats, CC BY 4.0."
    text = cite(client, observation_id, "text")
    (item,) = cite(client, observation_id, "csl")
    fields = bibtex_fields(cite(client, observation_id, "bibtex"))
    record = ris_record(cite(client, observation_id, "ris"))
    assert text.endswith(CREDIT)
    assert item["title"] in text  # the original source, beside the compilation
    assert item["source"] == COMPILATION
    assert item["note"].endswith(CREDIT)
    assert fields["note"].endswith(CREDIT)
    assert record["notes"][0].endswith(CREDIT)
    assert record["database_provider"] == COMPILATION
