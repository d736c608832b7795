"""Two instances of `laborstats serve` on one database, as a fleet behind a proxy runs:
whatever is written through one instance (or by the CLI beside them), the other serves at
once, in every form a reader meets it: by id, lists and their ETags, counts and facets,
search, the catalog, series, the change feed and CSV. Each instance keeps caches of its
own (counts, facets, the catalog, rendered answers); none may outlive a write made
elsewhere."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Databases
from tests.e2e.conftest import Server, running_server
from tests.tables.conftest import EUROSTAT, EUROSTAT_MAPPING, METRICS, TABLES

pytestmark = pytest.mark.e2e

# What a reader asks for, cached or not: each is read through both instances after
# every write and must be the same answer, ETag and all.
CATALOG = "/v1"
FACETS = "/v1/observations?limit=5&facet=origin&facet=metric&facet=source"
COUNT = "/v1/observations?count=true&limit=1"
CSV = "/v1/observations?limit=all&format=csv"
SERIES = "/v1/series?origin=PRK&destination=RUS"
CHANGES = "/v1/changes?limit=1000"
PROBES = (
    CATALOG,
    "/v1/observations/1",
    "/v1/observations/3",
    FACETS,
    COUNT,
    "/v1/observations?q=Fleetwood",
    "/v1/observations?q=Kursk",
    CSV,
    SERIES,
    "/v1/metrics",
    "/v1/pairs",
    "/v1/countries",
    "/v1/sources/2",
    "/v1/events",
    CHANGES,
)


@dataclass(frozen=True)
class Fleet:
    a: Server
    b: Server
    editor: dict[str, str]

    def read(self, server: Server, path: str) -> httpx.Response:
        response = httpx.get(server.url + path, timeout=30)
        assert response.status_code == 200, f"{path}: {response.text}"
        return response


@pytest.fixture(scope="module")
def fleet(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Two servers over one seeded database; the caches of each warmed by reading."""
    url = databases.copy(databases.seeded)
    logs = tmp_path_factory.mktemp("fleet")
    with (
        running_server(url, logs / "a.log") as a,
        running_server(url, logs / "b.log") as b,
    ):
        created = a.laborstats("token", "create", "--name", "fleet", "--role", "editor")
        secret = created.strip().splitlines()[-1]
        yield Fleet(a, b, editor={"Authorization": f"Bearer {secret}"})
        for server in (a, b):
            assert "Traceback" not in server.log.read_text()


def answers(fleet: Fleet, server: Server) -> dict[str, tuple[str | None, str]]:
    """Each probe's ETag and body as `server` serves it. Links that name the instance's
    own address (JSON-LD ids, feed links) are written as if through one address."""
    served = {}
    for path in PROBES:
        response = fleet.read(server, path)
        served[path] = (response.headers.get("etag"), response.text.replace(server.url, "URL"))
    return served


def agree_after(fleet: Fleet, write: Callable[[], None]) -> dict[str, tuple[str | None, str]]:
    """Warm both instances' caches, `write`, then read every probe through both: the
    answers before the write, once both instances were shown to agree after it."""
    before = answers(fleet, fleet.b)
    assert answers(fleet, fleet.a) == before
    write()
    after_b = answers(fleet, fleet.b)
    after_a = answers(fleet, fleet.a)
    differing = [path for path in PROBES if after_a[path] != after_b[path]]
    assert not differing, f"the instances disagree after the write on {differing}"
    return before


def changed(fleet: Fleet, before: dict[str, tuple[str | None, str]], path: str) -> bool:
    """Whether `path` reads differently through the second instance than before the
    write, its ETag included (a stale ETag would let a cache keep the old answer)."""
    response = fleet.read(fleet.b, path)
    etag, body = before[path]
    if response.headers.get("etag") == etag:
        return False
    assert body != response.text.replace(fleet.b.url, "URL")
    revalidated = httpx.get(fleet.b.url + path, headers={"If-None-Match": etag or ""}, timeout=30)
    return revalidated.status_code == 200


def ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code in (200, 201), response.text
    return response


def test_an_edit_through_one_instance_is_what_the_other_serves(fleet: Fleet) -> None:
    def edit() -> None:
        current = fleet.read(fleet.a, "/v1/observations/1")
        ok(
            httpx.patch(
                fleet.a.url + "/v1/observations/1",
                json={"value": 10001, "attributed_to": "Fleetwood official", "reason": "Test."},
                headers={**fleet.editor, "If-Match": current.headers["etag"]},
            )
        )

    before = agree_after(fleet, edit)
    assert fleet.read(fleet.b, "/v1/observations/1").json()["value"] == 10001
    assert [o["id"] for o in fleet.read(fleet.b, "/v1/observations?q=Fleetwood").json()["data"]]
    for path in ("/v1/observations/1", "/v1/observations?q=Fleetwood", SERIES, CHANGES, CSV):
        assert changed(fleet, before, path), path


def test_a_retraction_through_one_instance_leaves_the_others_counts(fleet: Fleet) -> None:
    def retract() -> None:
        revision = fleet.read(fleet.a, "/v1/observations/6").json()["revision"]
        ok(
            httpx.post(
                fleet.a.url + "/v1/observations/6/retract",
                json={"reason": "Withdrawn in the test.", "revision": revision},
                headers=fleet.editor,
            )
        )

    before = agree_after(fleet, retract)
    assert fleet.read(fleet.b, "/v1/observations?q=Kursk").json()["data"] == []
    for path in (FACETS, COUNT, CSV, SERIES, "/v1/observations?q=Kursk", CHANGES):
        assert changed(fleet, before, path), path


def test_a_source_edit_through_one_instance_reaches_the_others_citations(fleet: Fleet) -> None:
    def retitle() -> None:
        current = fleet.read(fleet.b, "/v1/sources/2")
        ok(
            httpx.patch(
                fleet.b.url + "/v1/sources/2",
                json={"title": "BBC report, retitled", "reason": "Test."},
                headers={**fleet.editor, "If-Match": current.headers["etag"]},
            )
        )

    before = agree_after(fleet, retitle)
    assert "BBC report, retitled" in fleet.read(fleet.a, "/v1/observations/1").text
    for path in ("/v1/sources/2", "/v1/observations/1", CSV, CHANGES):
        assert changed(fleet, before, path), path


def test_an_event_edit_through_one_instance_is_listed_by_the_other(fleet: Fleet) -> None:
    def retitle() -> None:
        current = fleet.read(fleet.a, "/v1/events/1")
        ok(
            httpx.patch(
                fleet.a.url + "/v1/events/1",
                json={"title": "An event retitled in the test", "reason": "Test."},
                headers={**fleet.editor, "If-Match": current.headers["etag"]},
            )
        )

    before = agree_after(fleet, retitle)
    for path in ("/v1/events", CHANGES):
        assert changed(fleet, before, path), path


def made_up_rows(source_id: int, origin: str, years: range) -> str:
    """Observations of a made-up claimant in the import format, each quote stating its
    year and figure (the source keeps no text, so no quote is checked against one)."""
    head = (
        "metric,origin,destination,period_start,period_end,value,qualifier,basis,"
        "attributed_to,source_id,quote\r\n"
    )
    return head + "".join(
        f"workers_entered,{origin},RUS,{year}-01-01,{year}-12-31,{year},exact,estimate,"
        f'Analyst,{source_id},"In {year}, {year} entered."\r\n'
        for year in years
    )


def new_source(fleet: Fleet) -> int:
    body = {"title": "A made-up survey", "type": "news_report"}
    created = httpx.post(fleet.a.url + "/v1/sources", json=body, headers=fleet.editor)
    return ok(created).json()["id"]


def origin_counts(fleet: Fleet, server: Server) -> dict[str, int]:
    facet = fleet.read(server, FACETS).json()["meta"]["facets"]["origin"]
    return {value["value"]: value["count"] for value in facet["values"]}


def test_an_import_through_one_instance_is_counted_by_the_other(fleet: Fleet) -> None:
    rows = made_up_rows(new_source(fleet), "UZB", range(2001, 2004))

    def post_import() -> None:
        headers = {**fleet.editor, "Content-Type": "text/csv"}
        ok(httpx.post(fleet.a.url + "/v1/imports", content=rows, headers=headers, timeout=60))

    before = agree_after(fleet, post_import)
    assert origin_counts(fleet, fleet.b)["UZB"] == 3
    assert any(p["origin"] == "UZB" for p in fleet.read(fleet.b, "/v1/pairs").json()["data"])
    for path in (CATALOG, FACETS, COUNT, CSV, "/v1/pairs", "/v1/countries", CHANGES):
        assert changed(fleet, before, path), path


def test_a_cli_import_beside_the_instances_is_served_by_both(fleet: Fleet, tmp_path: Path) -> None:
    rows = tmp_path / "observations.csv"
    rows.write_text(made_up_rows(new_source(fleet), "TJK", range(2001, 2006)), newline="")
    before = agree_after(fleet, lambda: fleet.a.laborstats("import", str(rows)))
    assert origin_counts(fleet, fleet.a)["TJK"] == origin_counts(fleet, fleet.b)["TJK"] == 5
    for path in (CATALOG, FACETS, COUNT, CSV, "/v1/pairs", "/v1/countries", CHANGES):
        assert changed(fleet, before, path), path


def test_a_table_import_through_one_instance_is_served_by_the_other(
    fleet: Fleet, tmp_path: Path
) -> None:
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "metrics.csv").write_text(METRICS, newline="")
    fleet.a.laborstats("import", str(metrics))
    files = {
        "table": (EUROSTAT, (TABLES / EUROSTAT).read_bytes(), "text/csv"),
        "mapping": ("mapping.json", json.dumps(EUROSTAT_MAPPING), "application/json"),
    }

    def post_table() -> None:
        posted = httpx.post(
            fleet.b.url + "/v1/imports", files=files, headers=fleet.editor, timeout=60
        )
        ok(posted)

    before = agree_after(fleet, post_table)
    assert "UKR" in origin_counts(fleet, fleet.a)
    for path in (CATALOG, FACETS, COUNT, CSV, "/v1/pairs", "/v1/countries", CHANGES):
        assert changed(fleet, before, path), path
