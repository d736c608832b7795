"""GET /v1/observations/{id} with `Accept: application/ld+json`: the observation as a
schema.org Claim in JSON-LD, which rdflib reads (with schema.org's context from
tests/data/schemaorg/claim-context.jsonld, never the network) into a graph holding what the
API's JSON says of the same observation."""

import json
from pathlib import Path
from typing import Any

import pytest
import rdflib.plugins.shared.jsonld.context as jsonld_context
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from app.observations.claims import CONTEXT
from tests.factories import add_observation

SDO = Namespace("http://schema.org/")  # as schema.org's context expands its terms
VENDORED = Path(__file__).parents[1] / "data" / "schemaorg" / "claim-context.jsonld"
LD_JSON = {"Accept": "application/ld+json"}
SEED_IDS = range(1, 17)


@pytest.fixture(autouse=True)
def local_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    """rdflib's JSON-LD parser fetches a remote context through `source_to_json`: give it
    the vendored schema.org context, and fail for any other URL (no network in tests)."""
    vendored = json.loads(VENDORED.read_text("utf-8"))

    def load(url: Any, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], None]:
        assert str(url).rstrip("/") == CONTEXT, f"a remote context was asked for: {url}"
        return vendored, None

    monkeypatch.setattr(jsonld_context, "source_to_json", load)


def _claim(client: TestClient, observation_id: int, **params: str) -> tuple[dict[str, Any], Graph]:
    response = client.get(f"/v1/observations/{observation_id}", params=params, headers=LD_JSON)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == "https://schema.org"
    return document, Graph().parse(data=response.text, format="json-ld")


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node:
    objects = list(graph.objects(subject, predicate))
    assert len(objects) == 1, (subject, predicate, objects)
    return objects[0]


def _properties(graph: Graph, figure: Node) -> dict[str, Any]:
    """The figure's additionalProperty PropertyValues, by name."""
    found = {}
    for node in graph.objects(figure, SDO.additionalProperty):
        assert (node, RDF.type, SDO.PropertyValue) in graph
        found[str(_one(graph, node, SDO.name))] = _one(graph, node, SDO.value).toPython()
    return found


def _terms(document: Any) -> set[str]:
    """Every key and @type a JSON-LD document names, besides JSON-LD's keywords."""
    if isinstance(document, list):
        return set().union(*map(_terms, document)) if document else set()
    if not isinstance(document, dict):
        return set()
    named = {key for key in document if not key.startswith("@")}
    if isinstance(document.get("@type"), str):
        named.add(document["@type"])
    return named.union(*(_terms(value) for value in document.values()))


@pytest.mark.parametrize("observation_id", SEED_IDS)
def test_rdflib_reads_a_claim_holding_what_the_json_says(
    client: TestClient, observation_id: int
) -> None:
    served = client.get(f"/v1/observations/{observation_id}").json()
    document, graph = _claim(client, observation_id)
    claim = URIRef(f"http://testserver/v1/observations/{observation_id}")
    assert (claim, RDF.type, SDO.Claim) in graph
    assert _one(graph, claim, SDO.author) == Literal(served["attributed_to"])
    assert _one(graph, claim, SDO.identifier) == Literal(str(observation_id))
    # Where it appears: its source, then the sources it was relayed through.
    chain = [served["source"], *served["relay_chain"]]
    works = {URIRef(f"http://testserver/v1/sources/{source['id']}"): source for source in chain}
    assert set(graph.objects(claim, SDO.appearance)) == set(works)
    for work, source in works.items():
        assert (work, RDF.type, SDO.CreativeWork) in graph
        title = _one(graph, work, SDO.name).toPython()
        assert title.strip("[]") == source["title"]
        if source["publisher"]:
            assert _one(graph, work, SDO.publisher) == Literal(source["publisher"])
        if source["url"]:
            assert _one(graph, work, SDO.url) == URIRef(source["url"])
        dated = list(graph.objects(work, SDO.datePublished))
        year_first = (source["published_on"] or "")[:1].isdigit()
        assert [str(d) for d in dated] == ([source["published_on"]] if year_first else [])
    # What it was read from: the quote, where the kept text holds it; or the table's cell.
    [evidence] = graph.objects(claim, SDO.isBasedOn)
    if served["quote"]:
        assert (evidence, RDF.type, SDO.Quotation) in graph
        assert _one(graph, evidence, SDO.text) == Literal(served["quote"])
        assert _one(graph, evidence, SDO.url) == URIRef(f"http://testserver{served['quote_url']}")
    else:
        assert evidence == URIRef(f"http://testserver{served['cell_url']}")
    # The figure it states.
    figure = _one(graph, claim, SDO.about)
    assert (figure, RDF.type, SDO.Observation) in graph
    for field, term in (
        ("value", "value"),
        ("lower_bound", "minValue"),
        ("upper_bound", "maxValue"),
    ):
        read = [node.toPython() for node in graph.objects(figure, SDO[term])]
        assert read == ([] if served[field] is None else [served[field]])
    assert _one(graph, figure, SDO.unitText) == Literal(served["unit"])
    stated = {
        name: served[name]
        for name in ("qualifier", "basis", "metric", "origin", "destination", "region")
        if served[name] is not None
    }
    assert _properties(graph, figure) == {**stated, **served["dimensions"]}
    places = {
        str(_one(graph, p, SDO.identifier)) for p in graph.objects(claim, SDO.spatialCoverage)
    }
    assert places == {served["origin"], served["destination"]}
    if served["period_start"]:
        period = f"{served['period_start']}/{served['period_end'] or '..'}"
        assert _one(graph, claim, SDO.temporalCoverage) == Literal(period)
    assert not list(graph.objects(claim, SDO.creativeWorkStatus))
    # Every term it names is one schema.org's context defines (none left to @vocab).
    defined = set(json.loads(VENDORED.read_text("utf-8"))["@context"])
    assert _terms(document) <= defined, _terms(document) - defined


def test_when_the_claim_was_made_is_its_date_and_a_retraction_its_status(desk) -> None:
    with desk.session as session:
        made = add_observation(
            session, reported_on="2025-06", attributed_to="Ministry of Labour"
        ).id
        yearless = add_observation(session, reported_on="--06", value=7100).id
    _, graph = _claim(desk.client, made)
    claim = URIRef(f"http://testserver/v1/observations/{made}")
    assert _one(graph, claim, SDO.datePublished) == Literal("2025-06", datatype=SDO.Date)
    assert _one(graph, claim, SDO.author) == Literal("Ministry of Labour")
    _, graph = _claim(desk.client, yearless)  # no year: no date schema.org could read
    undated = URIRef(f"http://testserver/v1/observations/{yearless}")
    assert not list(graph.objects(undated, SDO.datePublished))

    etag = desk.client.get(f"/v1/observations/{made}").headers["etag"]
    retracted = desk.client.post(
        f"/v1/observations/{made}/retract",
        json={"reason": "The ministry withdrew the figure."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert retracted.status_code == 200, retracted.text
    document, graph = _claim(desk.client, made)
    assert document["creativeWorkStatus"] == "Retracted"
    assert _one(graph, claim, SDO.creativeWorkStatus) == Literal("Retracted")


def test_the_accept_header_chooses_and_each_answer_has_an_etag_of_its_own(
    client: TestClient,
) -> None:
    plain = client.get("/v1/observations/1")
    assert plain.headers["content-type"] == "application/json"
    assert "@context" not in plain.json()
    for accept in ("application/json", "*/*", "application/ld+json;q=0.5, application/json"):
        answer = client.get("/v1/observations/1", headers={"Accept": accept})
        assert answer.headers["content-type"] == "application/json", accept
    claim = client.get("/v1/observations/1", headers=LD_JSON)
    assert claim.headers["content-type"] == "application/ld+json"
    assert claim.headers["etag"] != plain.headers["etag"]
    assert "Accept" in claim.headers["vary"]
    again = client.get(
        "/v1/observations/1", headers={**LD_JSON, "If-None-Match": claim.headers["etag"]}
    )
    assert again.status_code == 304
    # As of a past day too, and a missing observation is the same 404 either way.
    assert (
        client.get("/v1/observations/1", params={"as_of": "2030-01-01"}, headers=LD_JSON).json()[
            "@type"
        ]
        == "Claim"
    )
    missing = client.get("/v1/observations/99999", headers=LD_JSON)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
