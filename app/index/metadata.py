"""The dataset described in schema.org's vocabulary: a JSON-LD `Dataset`, which `GET /v1`
serves as `dataset` and the home page carries for search engines and dataset catalogs.

Pure: the facts of the catalog and the data in (`DatasetFacts`, read by `service.py`), a
JSON-LD document out. Its URLs are absolute, from the base URL the request came to, since a
harvester keeps the description apart from the page it found it on."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from app.dataset import license as data_license

NAME = "laborstats: sourced labor-migration statistics"
DESCRIPTION = (
    "Sourced, dated labor-migration statistics. Every figure is a value of one metric "
    "(workers entered, entries, troops, pay...) between an origin and a destination country "
    "for a period, with how certain it is, what kind of figure it is (official, estimate, "
    "projection), who said it, where it was published, the verbatim quote or the table "
    "cell it is read from, and a citation. Competing figures are kept side by side, never "
    "merged."
)
KEYWORDS = (
    "labor migration",
    "labour migration",
    "migrant workers",
    "migration statistics",
    "sourced statistics",
)
# What the API names its own formats: the SDMX-CSV media type is app.http.formats's (which
# a pure module may not import); JSON-stat has no media type of its own but JSON's.
CSV = "text/csv"
SDMX_CSV = "application/vnd.sdmx.data+csv; version=2.0.0"
JSON_STAT = "application/json"


@dataclass(frozen=True)
class MetricFacts:
    code: str
    name: str
    unit: str
    definition: str


@dataclass(frozen=True)
class CountryFacts:
    alpha_3: str  # the code the API names countries by
    alpha_2: str | None
    name: str  # ISO 3166's


@dataclass(frozen=True)
class DatasetFacts:
    """What the description says, read from one data version."""

    data_version: int
    updated_at: datetime | None
    metrics: tuple[MetricFacts, ...]
    countries: tuple[CountryFacts, ...]
    pairs: tuple[tuple[str, str], ...]  # (origin, destination), each with figures
    earliest: date | None  # the first day of any figure's period
    latest: date | None  # the last day of any (an open-ended period's start)


def temporal_coverage(earliest: date | None, latest: date | None) -> str | None:
    """An ISO 8601 interval, as schema.org asks: '1990-01-01/2024-12-31'; '..' for an end
    the figures leave open."""
    if earliest is None and latest is None:
        return None
    return f"{earliest.isoformat() if earliest else '..'}/{latest.isoformat() if latest else '..'}"


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _country(country: CountryFacts) -> dict[str, Any]:
    codes = [("ISO 3166-1 alpha-3", country.alpha_3)]
    if country.alpha_2:
        codes.append(("ISO 3166-1 alpha-2", country.alpha_2))
    return {
        "@type": "Country",
        "name": country.name,
        "identifier": [
            {"@type": "PropertyValue", "propertyID": scheme, "value": code}
            for scheme, code in codes
        ],
    }


def _variable(metric: MetricFacts, base_url: str) -> dict[str, Any]:
    return {
        "@type": "PropertyValue",
        "propertyID": metric.code,
        "name": metric.name,
        "unitText": metric.unit,
        "description": metric.definition,
        "url": f"{base_url}/v1/metrics/{metric.code}",
    }


def _download(name: str, encoding: str, url: str) -> dict[str, Any]:
    return {"@type": "DataDownload", "name": name, "encodingFormat": encoding, "contentUrl": url}


def distributions(pairs: tuple[tuple[str, str], ...], base_url: str) -> list[dict[str, Any]]:
    """Every figure as CSV and as SDMX-CSV, and each country pair's series as JSON-stat
    (a series is always one pair)."""
    every = f"{base_url}/v1/observations?"
    downloads = [
        _download(
            "Every figure, as CSV", CSV, every + urlencode({"limit": "all", "format": "csv"})
        ),
        _download(
            "Every figure, as SDMX-CSV 2.0",
            SDMX_CSV,
            every + urlencode({"limit": "all", "format": "sdmx-csv"}),
        ),
    ]
    for origin, destination in pairs:
        query = urlencode({"origin": origin, "destination": destination, "format": "jsonstat"})
        downloads.append(
            _download(
                f"{origin} to {destination}, each period's figures, as JSON-stat 2.0",
                JSON_STAT,
                f"{base_url}/v1/series?{query}",
            )
        )
    return downloads


def dataset(facts: DatasetFacts, *, base_url: str) -> dict[str, Any]:
    """The JSON-LD `Dataset`; `base_url` is where the API is served ('https://host')."""
    base_url = base_url.rstrip("/")
    home = f"{base_url}/"
    described: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{home}#dataset",
        "name": NAME,
        "description": DESCRIPTION,
        "url": home,
        "license": data_license.LICENSE_URL,
        "creditText": data_license.CREDIT,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": data_license.COMPILATION, "url": home},
        "keywords": list(KEYWORDS),
        "version": str(facts.data_version),
    }
    if facts.updated_at is not None:
        described["dateModified"] = _moment(facts.updated_at)
    coverage = temporal_coverage(facts.earliest, facts.latest)
    if coverage is not None:
        described["temporalCoverage"] = coverage
    if facts.countries:
        described["spatialCoverage"] = [_country(country) for country in facts.countries]
    described["variableMeasured"] = [_variable(metric, base_url) for metric in facts.metrics]
    described["distribution"] = distributions(facts.pairs, base_url)
    return described


# For the OpenAPI document's example of `GET /v1`: the seed's description, in short.
EXAMPLE = dataset(
    DatasetFacts(
        data_version=1,
        updated_at=datetime(2026, 11, 26, 15, tzinfo=UTC),
        metrics=(
            MetricFacts(
                "workers_entered",
                "Labor migrants entered",
                "persons",
                "Labor migrants from the origin who entered the destination during the period, "
                "counted as people.",
            ),
        ),
        countries=(
            CountryFacts("PRK", "KP", "Korea, Democratic People's Republic of"),
            CountryFacts("RUS", "RU", "Russian Federation"),
        ),
        pairs=(("PRK", "RUS"),),
        earliest=date(1990, 1, 1),
        latest=date(2024, 12, 31),
    ),
    base_url="http://127.0.0.1:8000",
)
