"""An observation as a schema.org `Claim` in JSON-LD (`Accept: application/ld+json` on
GET /v1/observations/{id}): who made the claim, where it appears, the words it was read
from and the figure it states, in properties schema.org defines (https://schema.org/Claim
and what a Claim inherits from CreativeWork and Thing).

- `author`: the claimant (`attributed_to`), as text: schema.org accepts text where it
  expects a Person or an Organization, and a claimant ("a South Korean intelligence
  official") is often neither named nor known to be one or the other. Nothing is guessed.
- `datePublished`: when the claim was made (`reported_on`), only a date with a year (a
  schema.org Date is ISO 8601; '--06' is left out, as the citations leave it out).
- `appearance`: the source as a CreativeWork (name, url, publisher, datePublished), then
  the sources it was relayed through, each `isBasedOn` the one it relays.
- `isBasedOn`: the words the figure was read from, a `Quotation` (its `text`, its place
  in the kept text as `url`); or the table cell it was read from. The Claim's own `text`
  is left out: the quote is the reporter's sentence, not the claimant's words.
- `about`: the figure, an `Observation` (schema.org's statistical observation, a
  QuantitativeValue): the metric's name, `value`, `minValue` and `maxValue` (the bounds),
  `unitText`, and as `additionalProperty` (PropertyValue) what schema.org has no property
  for: the qualifier, the basis, the metric's code, origin, destination, region and
  breakdowns.
- `temporalCoverage`: the period as an ISO 8601 interval (`2022-01-01/..` when open);
  `spatialCoverage`: the origin and destination, as Countries.
- `creativeWorkStatus` `Retracted` for a retracted observation; `identifier`, `url` and
  `@id`: the observation's id and address.

Pure: the observation as served and its relay chain in, a dict out."""

from collections.abc import Mapping, Sequence
from typing import Any

from app.countries.service import country_names
from app.domain.dates import PARTIAL_DATE_PATTERN
from app.sources.service import SourceRow, title_of

CONTEXT = "https://schema.org"
MEDIA_TYPE = "application/ld+json"
RETRACTED = "Retracted"  # creativeWorkStatus: a stage in a work's life, in words


def _dated(text: str | None) -> str | None:
    """A date schema.org reads (ISO 8601 with a year: 2025, 2025-06, 2025-06-17), or None."""
    return text if text and PARTIAL_DATE_PATTERN.fullmatch(text) else None


def source_url(base_url: str, source_id: int) -> str:
    return f"{base_url}/v1/sources/{source_id}"


def _work(source: SourceRow, base_url: str, relayed: str | None) -> dict[str, Any]:
    """A source as a CreativeWork: its address here is its @id; its own url, if any."""
    work: dict[str, Any] = {
        "@type": "CreativeWork",
        "@id": source_url(base_url, source.id),
        "name": title_of(source),
    }
    if source.url:
        work["url"] = source.url
    if source.publisher:
        work["publisher"] = source.publisher  # text, as the author: no guess at its kind
    published = _dated(source.published_on)
    if published:
        work["datePublished"] = published
    if relayed is not None:
        work["isBasedOn"] = {"@id": relayed}
    return work


def _appearance(chain: Sequence[SourceRow], base_url: str) -> list[dict[str, Any]]:
    """The source, then each source that relayed it, based on the one before."""
    works, relayed = [], None
    for source in chain:
        works.append(_work(source, base_url, relayed))
        relayed = source_url(base_url, source.id)
    return works


def _property(name: str, value: Any) -> dict[str, Any]:
    return {"@type": "PropertyValue", "name": name, "value": value}


def _figure(observation: Mapping[str, Any], metric_name: str) -> dict[str, Any]:
    """The figure the claim states, as a schema.org Observation."""
    figure: dict[str, Any] = {"@type": "Observation", "name": metric_name}
    for field, term in (
        ("value", "value"),
        ("lower_bound", "minValue"),
        ("upper_bound", "maxValue"),
    ):
        if observation[field] is not None:
            figure[term] = observation[field]  # served as people write it: 10000
    figure["unitText"] = observation["unit"]
    stated = [
        ("qualifier", observation["qualifier"]),
        ("basis", observation["basis"]),
        ("metric", observation["metric"]),
        ("origin", observation["origin"]),
        ("destination", observation["destination"]),
        ("region", observation["region"]),
        *sorted(observation["dimensions"].items()),
    ]
    figure["additionalProperty"] = [_property(n, v) for n, v in stated if v is not None]
    return figure


def _country(code: str) -> dict[str, Any]:
    return {"@type": "Country", "identifier": code, "name": country_names(code)[0]}


def _evidence(observation: Mapping[str, Any], base_url: str) -> list[dict[str, Any]]:
    """What the figure was read from: its quote, and or its table cell."""
    evidence: list[dict[str, Any]] = []
    if observation["quote"]:
        quotation: dict[str, Any] = {"@type": "Quotation", "text": observation["quote"]}
        if observation["quote_url"]:
            quotation["url"] = base_url + observation["quote_url"]
        evidence.append(quotation)
    if observation["cell_url"]:
        evidence.append({"@id": base_url + observation["cell_url"]})
    return evidence


def claim(
    observation: Mapping[str, Any],
    chain: Sequence[SourceRow],
    *,
    metric_name: str,
    base_url: str,
) -> dict[str, Any]:
    """The observation (as served) as a schema.org Claim; `chain` is its source, then the
    sources it was relayed through; `base_url` the API's, with no trailing slash."""
    address = f"{base_url}/v1/observations/{observation['id']}"
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Claim",
        "@id": address,
        "url": address,
        "identifier": str(observation["id"]),
        "author": observation["attributed_to"],
    }
    reported = _dated(observation["reported_on"])
    if reported:
        document["datePublished"] = reported
    if chain:
        works = _appearance(chain, base_url)
        document["appearance"] = works[0] if len(works) == 1 else works
    evidence = _evidence(observation, base_url)
    if evidence:
        document["isBasedOn"] = evidence[0] if len(evidence) == 1 else evidence
    document["about"] = _figure(observation, metric_name)
    if observation["period_start"]:
        document["temporalCoverage"] = (
            f"{observation['period_start']}/{observation['period_end'] or '..'}"
        )
    document["spatialCoverage"] = [
        _country(observation["origin"]),
        _country(observation["destination"]),
    ]
    if observation["retracted"]:
        document["creativeWorkStatus"] = RETRACTED
    return document
