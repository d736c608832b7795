"""The dataset's schema.org description (a JSON-LD `Dataset`), as `GET /v1` serves it and
the home page carries it, read by independent readers: extruct finds it in the page, rdflib
reads it as RDF with schema.org's own context (vendored: tests/data/schemaorg/), and the
shape checks below, SPARQL over that graph, stand in for a SHACL shape. Every value is
compared with what the API itself serves, never written into the test."""

import json
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import extruct
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from app.dataset.license import LICENSE_URL
from app.explorer.router import json_ld_block, with_block
from app.index import metadata
from app.metrics import service as metrics_service
from app.metrics.schemas import MetricCreate
from tests.conftest import Desk
from tests.factories import add_observation

SCHEMA = Namespace("http://schema.org/")
CONTEXT_FILE = Path(__file__).parents[1] / "data" / "schemaorg" / "dataset-context.jsonld"
CONTEXT: dict[str, Any] = json.loads(CONTEXT_FILE.read_text("utf-8"))["@context"]


def page_descriptions(client: TestClient, path: str = "/") -> list[dict[str, Any]]:
    """Every schema.org Dataset extruct finds in the page's JSON-LD."""
    response = client.get(path)
    assert response.status_code == 200
    found = extruct.extract(response.text, base_url=str(client.base_url), syntaxes=["json-ld"])
    return [item for item in found["json-ld"] if item.get("@type") == "Dataset"]


def graph_of(document: dict[str, Any]) -> Graph:
    """The description as RDF, read with schema.org's context in place of its URL."""
    assert document["@context"] == "https://schema.org"
    used = terms_of(document)
    assert used <= CONTEXT.keys(), f"not in the vendored context: {sorted(used - CONTEXT.keys())}"
    graph = Graph()
    graph.parse(data=json.dumps({**document, "@context": CONTEXT}), format="json-ld")
    return graph


def terms_of(value: Any) -> set[str]:
    """Every property and type a JSON-LD document names (its keys and @type values)."""
    if isinstance(value, list):
        return set().union(*map(terms_of, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    names = {key for key in value if not key.startswith("@")}
    if isinstance(value.get("@type"), str):
        names.add(value["@type"])
    return names.union(*map(terms_of, value.values()))


def the_dataset(graph: Graph) -> Node:
    datasets = list(graph.subjects(RDF.type, SCHEMA.Dataset))
    assert len(datasets) == 1, datasets
    return datasets[0]


@pytest.fixture(scope="module")
def described(client: TestClient) -> dict[str, Any]:
    return client.get("/v1").json()["dataset"]


@pytest.fixture(scope="module")
def graph(described: dict[str, Any]) -> Graph:
    return graph_of(described)


def figures(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/v1/observations?limit=all&format=ndjson")
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines() if line]
    assert rows
    return rows


# -- Where it is served ---------------------------------------------------------------------


def test_the_home_page_carries_exactly_one_dataset_the_one_v1_serves(
    client: TestClient, described: dict[str, Any]
) -> None:
    found = page_descriptions(client)
    assert len(found) == 1
    assert found[0] == described
    # Any query string (the page's own state) gets the same page.
    assert page_descriptions(client, "/?origin=PRK&destination=RUS") == found


def test_the_block_is_data_the_csp_lets_be_the_only_script_without_a_source(
    client: TestClient,
) -> None:
    page = client.get("/").text
    assert page.count('<script type="application/ld+json">') == 1
    head, _, _ = page.partition("</head>")
    assert '<script type="application/ld+json">' in head
    assert client.get("/").headers["content-security-policy"].count("'unsafe-inline'") == 0


def test_no_text_of_the_data_can_close_the_block_or_open_a_comment() -> None:
    hostile = {"@type": "Dataset", "description": "</script><script>alert(1)</script><!-- &"}
    block = json_ld_block(hostile)
    inner = block.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    for character in "<>&":
        assert character not in inner
    assert json.loads(inner) == hostile
    page = with_block("<html><head><title>t</title></head><body></body></html>", block)
    [found] = extruct.extract(page, syntaxes=["json-ld"])["json-ld"]
    assert found == hostile


def test_a_metric_defined_with_markup_is_served_as_written_and_closes_nothing(
    desk: Desk,
) -> None:
    definition = "Counts </script><script>alert(1)</script> nothing & <!-- everything."
    metrics_service.create_metric(
        desk.session,
        MetricCreate(
            code="hostile_words",
            name="Hostile words",
            unit="persons",
            definition=definition,
            kind="flow",
            dimensions=[],
        ),
        actor="test",
    )
    desk.session.commit()
    page = desk.client.get("/").text
    assert page.count("</script>") == 2  # the module's, and the block's own
    [found] = page_descriptions(desk.client)
    [variable] = [v for v in found["variableMeasured"] if v["propertyID"] == "hostile_words"]
    assert variable["description"] == definition


# -- Caching ----------------------------------------------------------------------------------


def test_the_page_is_revalidated_a_304_while_unchanged_a_new_etag_once_the_data_moves(
    desk: Desk,
) -> None:
    first = desk.client.get("/")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = desk.client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""

    add_observation(
        desk.session, origin="NPL", destination="QAT", period_start="2031-01-01",
        period_end="2031-12-31",
    )  # fmt: skip
    moved = desk.client.get("/", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["etag"] != etag
    [found] = page_descriptions(desk.client)
    assert found["temporalCoverage"].endswith("/2031-12-31")
    codes = {place["identifier"][0]["value"] for place in found["spatialCoverage"]}
    assert {"NPL", "QAT"} <= codes
    assert desk.client.get("/", headers={"If-None-Match": moved.headers["etag"]}).status_code == 304


# -- What it says, as RDF: the shape ----------------------------------------------------------

# Each required property of the Dataset, as a SPARQL pattern over `?dataset`; the SHACL
# shape this stands for would say minCount 1 for each.
REQUIRED = {
    "name": "?dataset schema:name ?value . FILTER(isLiteral(?value) && STRLEN(STR(?value)) > 0)",
    "description": (
        "?dataset schema:description ?value . "
        "FILTER(isLiteral(?value) && STRLEN(STR(?value)) >= 50)"
    ),
    "license": "?dataset schema:license ?value . FILTER(isIRI(?value))",
    "url": "?dataset schema:url ?value . FILTER(isIRI(?value))",
    "creator": "?dataset schema:creator ?value . ?value a schema:Organization ; schema:name ?n .",
    "temporalCoverage": "?dataset schema:temporalCoverage ?value . FILTER(isLiteral(?value))",
    "spatialCoverage": (
        "?dataset schema:spatialCoverage ?value . ?value a schema:Country ; schema:name ?n ; "
        "schema:identifier ?code . ?code schema:propertyID ?scheme ; schema:value ?v ."
    ),
    "variableMeasured": (
        "?dataset schema:variableMeasured ?value . ?value a schema:PropertyValue ; "
        "schema:name ?n ; schema:unitText ?u ; schema:description ?d ."
    ),
    "distribution": (
        "?dataset schema:distribution ?value . ?value a schema:DataDownload ; "
        "schema:contentUrl ?url ; schema:encodingFormat ?format . FILTER(isIRI(?url))"
    ),
    "dateModified": "?dataset schema:dateModified ?value . FILTER(isLiteral(?value))",
    "isAccessibleForFree": "?dataset schema:isAccessibleForFree true .",
    "keywords": "?dataset schema:keywords ?value .",
}


def holds(graph: Graph, pattern: str) -> bool:
    query = f"ASK {{ ?dataset a schema:Dataset . {pattern} }}"
    return bool(graph.query(query, initNs={"schema": SCHEMA}).askAnswer)


@pytest.mark.parametrize("name", REQUIRED)
def test_the_dataset_has_each_required_property(graph: Graph, name: str) -> None:
    assert holds(graph, REQUIRED[name]), name


def test_the_shape_checks_fail_on_a_description_without_them(described: dict[str, Any]) -> None:
    """The checks above can fail: each is false once its property is left out."""
    for name in REQUIRED:
        bare = graph_of({key: value for key, value in described.items() if key != name})
        assert not holds(bare, REQUIRED[name]), name


def test_every_part_of_the_description_is_typed(graph: Graph) -> None:
    """Every node the description holds has a type (no misspelt property or stray node)."""
    nodes = {node for node in graph.subjects() if not isinstance(node, Literal)}
    assert len(nodes) > 10
    untyped = [node for node in nodes if (node, RDF.type, None) not in graph]
    assert untyped == []


def test_the_licence_is_the_one_v1_states(client: TestClient, graph: Graph) -> None:
    stated = client.get("/v1").json()["license"]["url"]
    assert list(graph.objects(the_dataset(graph), SCHEMA.license)) == [URIRef(stated)]


def test_the_data_modified_is_when_v1_says_the_data_last_changed(
    client: TestClient, described: dict[str, Any]
) -> None:
    index = client.get("/v1").json()
    assert described["dateModified"] == index["last_updated"]
    assert described["version"] == str(index["data_version"])


def test_each_metric_is_a_variable_measured_as_v1_metrics_serves_it(
    client: TestClient, graph: Graph
) -> None:
    served = client.get("/v1/metrics").json()["data"]
    assert served
    rows = graph.query(
        """SELECT ?code ?name ?unit ?definition WHERE {
             ?dataset a schema:Dataset ; schema:variableMeasured ?v .
             ?v schema:propertyID ?code ; schema:name ?name ; schema:unitText ?unit ;
                schema:description ?definition .
           }""",
        initNs={"schema": SCHEMA},
    )
    described = sorted(tuple(str(term) for term in row) for row in rows)
    expected = sorted((m["code"], m["name"], m["unit"], m["definition"]) for m in served)
    assert described == expected


def test_the_temporal_coverage_spans_the_figures_periods(
    client: TestClient, described: dict[str, Any]
) -> None:
    """From the first day any figure's period starts to the last day any ends (an
    open-ended period bounds it by its start)."""
    days = [
        (row["period_start"] or row["period_end"], row["period_end"] or row["period_start"])
        for row in figures(client)
        if row["period_start"] or row["period_end"]
    ]
    assert days
    earliest = min(date.fromisoformat(first) for first, _ in days)
    latest = max(date.fromisoformat(last) for _, last in days)
    assert described["temporalCoverage"] == f"{earliest.isoformat()}/{latest.isoformat()}"


def test_the_spatial_coverage_is_the_countries_the_figures_name(
    client: TestClient, graph: Graph
) -> None:
    served = {
        country["code"]: country["name"] for country in client.get("/v1/countries").json()["data"]
    }
    assert served
    rows = graph.query(
        """SELECT ?name ?code WHERE {
             ?dataset a schema:Dataset ; schema:spatialCoverage ?place .
             ?place a schema:Country ; schema:name ?name ; schema:identifier ?id .
             ?id schema:propertyID "ISO 3166-1 alpha-3" ; schema:value ?code .
           }""",
        initNs={"schema": SCHEMA},
    )
    assert {str(row[1]): str(row[0]) for row in rows} == served


def test_every_download_is_served_in_the_format_it_names(
    client: TestClient, described: dict[str, Any]
) -> None:
    downloads = described["distribution"]
    formats = {url_format(d["contentUrl"]) for d in downloads}
    assert {"csv", "sdmx-csv", "jsonstat"} <= formats
    pairs = client.get("/v1/pairs").json()["data"]
    assert len([d for d in downloads if url_format(d["contentUrl"]) == "jsonstat"]) == len(pairs)
    for download in downloads:
        response = client.get(download["contentUrl"])
        assert response.status_code == 200, download
        served_type = response.headers["content-type"].split(";")[0]
        assert served_type == download["encodingFormat"].split(";")[0], download


def url_format(url: str) -> str:
    return parse_qs(urlsplit(url).query)["format"][0]


# -- The pure description ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "expected"),
    [
        (date(1990, 1, 1), date(2024, 12, 31), "1990-01-01/2024-12-31"),
        (None, date(2024, 12, 31), "../2024-12-31"),
        (date(2022, 1, 1), None, "2022-01-01/.."),
        (None, None, None),
    ],
)
def test_the_temporal_coverage_is_an_iso_8601_interval(
    earliest: date | None, latest: date | None, expected: str | None
) -> None:
    assert metadata.temporal_coverage(earliest, latest) == expected


def test_with_no_figures_the_description_leaves_out_what_it_cannot_say() -> None:
    facts = metadata.DatasetFacts(
        data_version=1, updated_at=None, metrics=(), countries=(), pairs=(), earliest=None,
        latest=None,
    )  # fmt: skip
    empty = metadata.dataset(facts, base_url="https://example.org/")
    for name in ("dateModified", "temporalCoverage", "spatialCoverage"):
        assert name not in empty
    assert empty["url"] == "https://example.org/"
    assert [d["contentUrl"] for d in empty["distribution"]] == [
        "https://example.org/v1/observations?limit=all&format=csv",
        "https://example.org/v1/observations?limit=all&format=sdmx-csv",
    ]


def test_the_openapi_example_is_a_description_rdflib_reads() -> None:
    graph = graph_of(metadata.EXAMPLE)
    dataset = the_dataset(graph)
    assert (dataset, SCHEMA.license, URIRef(LICENSE_URL)) in graph
