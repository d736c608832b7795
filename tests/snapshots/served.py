"""What the API serves over the seed, as recorded copies: the bodies (and the headers a
client reads) of its pages, by-id reads, series, CSV, citations and errors, and the OpenAPI
document. `tests/test_snapshots.py` compares the API with them, so that moving code around
cannot change a byte a client sees.

The seed is loaded at test time, so the moment it was loaded (each record's `updated_at`,
its revisions' `recorded_at`, Last-Modified, and the record ETags' digests of bodies that
hold them) is replaced by a placeholder before comparing. Everything else is compared as
served.

A deliberate change of what is served (a correction to the seed, a new field) rewrites the
copies: `python -m tests.snapshots.served` (on SQLite; with TEST_DATABASE_URL, PostgreSQL's)."""

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

HERE = Path(__file__).resolve().parent
OPENAPI_FILE = HERE / "openapi.json"
# Headers a client acts on; the rest (dates, request ids, rate limits) vary per request.
KEPT_HEADERS = (
    "content-type",
    "etag",
    "last-modified",
    "link",
    "location",
    "x-total-count",
    "cache-control",
    "vary",
    "content-disposition",
    "allow",
)
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|\+00:00)")
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
_RECORD_DIGEST = re.compile(r'("[a-z]+-\d+-r\d+)-[0-9a-f]+"')


def snapshot_file(dialect: str) -> Path:
    return HERE / f"served-{dialect}.json"


def _plain(text: str) -> str:
    """`text` with the seed's load moment (and what is derived from it) as placeholders."""
    text = _MOMENT.sub("<moment>", text)
    text = _HTTP_DATE.sub("<http-date>", text)
    return _RECORD_DIGEST.sub(r'\1-<digest>"', text)


def requests_for(client: TestClient) -> list[tuple[str, dict[str, str]]]:
    """Every read to record: fixed paths, then one per record the seed holds."""
    fixed = [
        "/v1",
        "/v1/metrics",
        "/v1/metrics?format=csv",
        "/v1/sources",
        "/v1/sources?format=csv",
        "/v1/sources?format=ndjson",
        "/v1/sources?limit=2",
        "/v1/countries",
        "/v1/countries?format=csv",
        "/v1/pairs",
        "/v1/pairs?format=csv",
        "/v1/events",
        "/v1/events?format=csv",
        "/v1/events?origin=PRK&destination=RUS",
        "/v1/events?as_of=2026-01-01",
        "/v1/observations",
        "/v1/observations?format=csv",
        "/v1/observations?format=ndjson",
        "/v1/observations?limit=3",
        "/v1/observations?limit=3&sort=-value",
        "/v1/observations?sort=period_start",
        "/v1/observations?sort=-reported_on&format=csv",
        "/v1/observations?metric=nationals_entered&origin=PRK",
        "/v1/observations?metric=workers_entered&metric=entries",
        "/v1/observations?destination=RUS&region=RU-KRS",
        "/v1/observations?basis=projection&qualifier=approximate",
        "/v1/observations?source=2",
        "/v1/observations?period_from=2023&period_to=2024-06",
        "/v1/observations?reported_from=2024&reported_to=2025-12",
        "/v1/observations?stated=period",
        "/v1/observations?stated=all",
        "/v1/observations?include_retracted=true",
        "/v1/observations?visa_type=student",
        "/v1/observations?sector=construction",
        "/v1/observations?q=laborers",
        "/v1/observations?q=North%20Korean&format=csv",
        "/v1/observations?q=labor&sort=id",
        "/v1/observations?q=workers&limit=2",
        "/v1/observations?facet=origin&facet=metric&facet=source",
        "/v1/observations?facet=visa_type&facet=region&count=true",
        "/v1/observations?count=true&limit=2",
        "/v1/observations?fields=id,value,quote",
        "/v1/observations?fields=id&fields=dimensions&format=csv",
        "/v1/observations?limit=all&format=csv",
        "/v1/observations?limit=all&format=ndjson",
        "/v1/observations?as_of=2020-01-01",
        "/v1/observations?as_of=2030-01-01",
        "/v1/observations?as_of=2030-01-01&q=laborers",
        "/v1/observations?as_of=2030-01-01&facet=metric",
        "/v1/series?origin=PRK&destination=RUS",
        "/v1/series?origin=PRK&destination=RUS&format=csv",
        "/v1/series?origin=PRK&destination=RUS&format=ndjson",
        "/v1/series?metric=nationals_entered",
        "/v1/series?origin=PRK&destination=RUS&visa_type=student",
        "/v1/series?origin=PRK&destination=RUS&region=RU-KRS",
        "/v1/series?origin=PRK&destination=RUS&period_from=2024&as_of=2030-01-01",
        "/",
        # Errors: each as the problem a client reads.
        "/v1/observations?orgin=PRK",
        "/v1/observations?limit=5000",
        "/v1/observations?metric=nope",
        "/v1/observations?period_from=2024-13",
        "/v1/observations?as_of=2024-13-01",
        "/v1/observations?cursor=abc",
        "/v1/observations?facet=nope",
        "/v1/observations?facet=origin&format=csv",
        "/v1/observations?limit=all",
        "/v1/observations?sort=relevance",
        "/v1/observations?q=%2A%2A",
        "/v1/observations?fields=nope",
        "/v1/observations/abc",
        "/v1/observations/999",
        "/v1/observations/99999999999999999999",
        "/v1/sources/999",
        "/v1/events/999",
        "/v1/metrics/nope",
        "/v1/series?metric=nope",
        "/v1/nothing",
    ]
    listed: list[tuple[str, dict[str, str]]] = [(path, {}) for path in fixed]
    observations = client.get("/v1/observations?include_retracted=true&limit=1000").json()
    for observation in observations["data"]:
        base = f"/v1/observations/{observation['id']}"
        listed += [
            (base, {}),
            (f"{base}?as_of=2030-01-01", {}),
            (f"{base}/history", {}),
            (f"{base}/citation", {}),
            *((f"{base}/citation?format={kind}", {}) for kind in ("text", "csl", "bibtex", "ris")),
            (f"{base}/citation", {"Accept": "application/x-bibtex"}),
        ]
    for source in client.get("/v1/sources?limit=1000").json()["data"]:
        base = f"/v1/sources/{source['id']}"
        listed += [(base, {}), (f"{base}/history", {}), (f"{base}/text", {})]
    for event in client.get("/v1/events?limit=1000").json()["data"]:
        base = f"/v1/events/{event['id']}"
        listed += [(base, {}), (f"{base}/history", {})]
    for metric in client.get("/v1/metrics").json()["data"]:
        listed += [(f"/v1/metrics/{metric['code']}", {})]
    listed += [
        ("/v1/observations", {"Accept": "text/csv"}),
        ("/v1/observations", {"Accept": "application/x-ndjson"}),
        ("/v1/series?origin=PRK&destination=RUS", {"Accept": "text/csv"}),
    ]
    return listed


def served(client: TestClient) -> dict[str, Any]:
    """What each recorded request gets: status, the headers kept, and the body."""
    answers: dict[str, Any] = {}
    for path, headers in requests_for(client):
        response = client.get(path, headers=headers)
        key = path + "".join(f" [{name}: {value}]" for name, value in headers.items())
        answers[key] = {
            "status": response.status_code,
            "headers": {
                name: _plain(response.headers[name])
                for name in KEPT_HEADERS
                if name in response.headers
            },
            "body": _plain(response.text),
        }
    return answers


def _write(dialect: str, client: TestClient) -> None:
    snapshot_file(dialect).write_text(json.dumps(served(client), indent=1, ensure_ascii=False))
    if dialect == "sqlite":
        document = client.get("/openapi.json").json()
        OPENAPI_FILE.write_text(json.dumps(document, indent=1, ensure_ascii=False))


def main() -> None:
    from tests.conftest import ON_POSTGRES, Databases, make_client

    with tempfile.TemporaryDirectory() as folder:
        databases = Databases(Path(folder))
        try:
            with make_client(databases.copy(databases.seeded)) as client:
                _write("postgresql" if ON_POSTGRES else "sqlite", client)
        finally:
            databases.drop_all()


if __name__ == "__main__":
    main()
