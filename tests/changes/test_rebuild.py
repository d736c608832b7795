"""Rebuilding the dataset from what changed while six editors write at once on a real
server: a consumer that follows `/v1/changes` (fetching each changed record) and one that
polls the lists' `updated_after=` each end with a copy equal, cell for cell, to a full
export taken once the writers stop. Both copies start empty and are built only from what
those endpoints say, so a change skipped, or a record read too early and never read again,
leaves a cell that differs."""

import csv
import io
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import DataSession, create_db_engine
from app.observations import editing
from tests.conftest import Databases, Desk
from tests.e2e.conftest import Server, running_server
from tests.factories import ARTICLE_QUOTE, bearer, make_token, observation_fields

WRITERS = 6
ROUNDS = 6
# The feed's page size: small, so that the follower pages while the writers write.
FEED_PAGE = 25
# Before every record: a poller's first `updated_after` asks for them all.
EPOCH = "1970-01-01T00:00:00Z"
# Text a spreadsheet would run (= + - @ tab or CR first, after any quotes): a CSV export
# writes it behind a ' (docs/api.md).
RUNS_AS_FORMULA = re.compile(r"'*[=+\-@\t\r]")

Document = dict[str, Any]
Records = dict[Any, Document]  # by id; metrics by code
Statuses = Counter[tuple[str, int]]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def ndjson(response: httpx.Response) -> list[Document]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line]


def paged(client: httpx.Client, url: str, **params: str) -> list[Document]:
    """A whole list of sources or events (pages of at most 1000), by its cursors."""
    documents: list[Document] = []
    query: dict[str, Any] = {"limit": 1000, **params}
    while True:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        documents += page["data"]
        if page["meta"]["next_cursor"] is None:
            return documents
        query["cursor"] = page["meta"]["next_cursor"]


# The writers: each an editor with a token of its own, on a connection of its own.


@dataclass
class Writer:
    """An editor at work: creates figures, sources and events, corrects and retracts its
    own (always with If-Match), and corrects figures everyone shares, where another writer
    may have got there first (a 412)."""

    number: int
    client: httpx.Client
    shared: list[int]
    random: random.Random
    statuses: Statuses = field(default_factory=Counter)
    observations: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    source: int | None = None

    def send(self, operation: str, method: str, url: str, **options: Any) -> httpx.Response:
        response = self.client.request(method, url, **options)
        self.statuses[(operation, response.status_code)] += 1
        return response

    def create(self, operation: str, url: str, body: Document) -> int:
        response = self.send(operation, "POST", url, json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def change(self, operation: str, href: str, body: Document, *, retract: bool = False) -> int:
        """Read the record's ETag, then write with If-Match; the status."""
        etag = self.client.get(href).headers["etag"]
        method, url = ("POST", f"{href}/retract") if retract else ("PATCH", href)
        return self.send(operation, method, url, json=body, headers={"If-Match": etag}).status_code

    def new_observation(self, n: int) -> Document:
        own_source = {"source_id": self.source, "quote": f"Writer {self.number} counted them."}
        return observation_fields(
            value=self.random.randint(100, 90_000),
            period_start=f"{2000 + n}-01-01",
            period_end=f"{2000 + n}-12-31",
            attributed_to=f"Analyst {self.number}",
            **(own_source if n % 2 == 1 else {}),
        )

    def round(self, n: int) -> None:
        who = f"writer {self.number}, round {n}"
        if n == 0:
            body = {"title": f"Field notes of writer {self.number}", "type": "news_report"}
            self.source = self.create("create source", "/v1/sources", body)
        new = self.create("create observation", "/v1/observations", self.new_observation(n))
        self.observations.append(new)
        own = f"/v1/observations/{self.random.choice(self.observations)}"
        value = self.random.randint(100, 90_000)
        body = {"value": value, "notes": f"Revised by {who}.", "reason": f"Corrected by {who}."}
        assert self.change("edit own observation", own, body) == 200
        if self.random.random() < 0.6:
            shared = f"/v1/observations/{self.random.choice(self.shared)}"
            body = {"notes": f"Checked again by {who}.", "reason": f"Checked by {who}."}
            assert self.change("edit shared observation", shared, body) in (200, 412)
        if n % 3 == 2:
            withdrawn = f"/v1/observations/{self.observations.pop(0)}"
            body = {"reason": f"Withdrawn by {who}."}
            assert self.change("retract observation", withdrawn, body, retract=True) == 200
        if n % 2 == 0:
            event = {
                "occurred_on": f"{2010 + n}-0{1 + self.number}",
                "title": f"An event {who} noted",
                **{"origin": "PRK", "destination": "RUS"},
                **{"source_id": 1, "quote": ARTICLE_QUOTE},
            }
            self.events.append(self.create("create event", "/v1/events", event))
        else:
            body = {"title": f"An event {who} corrected", "reason": f"Retitled by {who}."}
            assert self.change("edit event", f"/v1/events/{self.events[-1]}", body) == 200
        if n == 4:
            # Its notes and address: no other record's cells are derived from them.
            body = {"notes": f"Kept by {who}.", "url": f"https://example.org/{self.number}"}
            body["reason"] = f"Described by {who}."
            assert self.change("edit source", f"/v1/sources/{self.source}", body) == 200
        if n == 5:
            withdrawn = f"/v1/events/{self.events.pop(0)}"
            body = {"reason": f"Withdrawn by {who}."}
            assert self.change("retract event", withdrawn, body, retract=True) == 200


def write(server: Server, token: str, number: int, shared: list[int]) -> Statuses:
    with httpx.Client(base_url=server.url, headers=bearer(token), timeout=30) as client:
        writer = Writer(number, client, shared, random.Random(number))
        for n in range(ROUNDS):
            writer.round(n)
        return writer.statuses


# The consumers: each starts with nothing and keeps a copy of what it reads.


@dataclass
class Copy:
    """Records of each kind, as a consumer keeps them."""

    observations: Records = field(default_factory=dict)
    sources: Records = field(default_factory=dict)
    events: Records = field(default_factory=dict)
    metrics: Records = field(default_factory=dict)

    def of(self, kind: str) -> Records:
        return {
            "observation": self.observations,
            "source": self.sources,
            "event": self.events,
            "metric": self.metrics,
        }[kind]


@dataclass
class FeedFollower:
    """Follows `/v1/changes` from its start, `since=` the last page's cursor, and fetches
    each changed record from the change's `href`."""

    client: httpx.Client
    copy: Copy = field(default_factory=Copy)
    changes: list[Document] = field(default_factory=list)
    since: str | None = None

    def catch_up(self) -> None:
        """Every change after the last one read, page after page, to the last page."""
        while True:
            params: dict[str, Any] = {"limit": FEED_PAGE}
            if self.since is not None:
                params["since"] = self.since
            response = self.client.get("/v1/changes", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            self.changes += page["data"]
            # Read after the page: each record is at least as new as its change.
            changed = dict.fromkeys((c["kind"], c["id"], c["href"]) for c in page["data"])
            for kind, record_id, href in changed:
                record = self.client.get(href)
                assert record.status_code == 200, record.text
                self.copy.of(kind)[record_id] = record.json()
            self.since = page["meta"]["resume_cursor"] or self.since
            if page["meta"]["next_cursor"] is None:
                return


@dataclass
class UpdatedAfterPoller:
    """Polls each list for the records added, revised or retracted after the newest
    `updated_at` it holds of that kind (the server's moments, never its own clock's), and
    replaces its rows by id."""

    client: httpx.Client
    copy: Copy = field(default_factory=Copy)
    newest: dict[str, str] = field(default_factory=dict)
    polls: int = 0

    def poll(self) -> None:
        after = {kind: self.newest.get(kind, EPOCH) for kind in ("observation", "source", "event")}
        figures = {"updated_after": after["observation"], "include_retracted": "true"}
        figures |= {"limit": "all", "format": "ndjson"}  # the whole selection, one snapshot
        self.keep("observation", ndjson(self.client.get("/v1/observations", params=figures)))
        self.keep("source", paged(self.client, "/v1/sources", updated_after=after["source"]))
        events = {"updated_after": after["event"], "include_retracted": "true"}
        self.keep("event", paged(self.client, "/v1/events", **events))
        self.polls += 1

    def keep(self, kind: str, changed: list[Document]) -> None:
        for document in changed:
            self.copy.of(kind)[document["id"]] = document
        moments = [self.newest.get(kind, EPOCH), *(d["updated_at"] for d in changed)]
        self.newest[kind] = max(moments, key=moment)


def keep_up(step: Callable[[], None], writing: threading.Event) -> None:
    while writing.is_set():
        step()
        time.sleep(0.02)


# What a consumer derives from its own copy: counts over figures that are no change to the
# source or metric they count (as lists serve them, retracted figures left out).


def listed_figures(observations: Iterable[Document]) -> list[Document]:
    return [o for o in observations if not o["retracted"]]


def with_counts(sources: Records, observations: Records) -> Records:
    cited = Counter(o["source_id"] for o in listed_figures(observations.values()))
    return {i: {**source, "observation_count": cited[i]} for i, source in sources.items()}


def with_stats(metrics: Records, observations: Records) -> Records:
    derived: Records = {}
    for code, metric in metrics.items():
        counted = [o for o in listed_figures(observations.values()) if o["metric"] == code]
        starts = [o["period_start"] for o in counted if o["period_start"] is not None]
        ends = [o["period_end"] for o in counted if o["period_end"] is not None]
        derived[code] = {
            **metric,
            "observation_count": len(counted),
            "first_period_start": min(starts, default=None),
            "last_period_end": max(ends, default=None),
        }
    return derived


# The full export, once the writers have stopped.


@dataclass(frozen=True)
class Export:
    observations: Records
    csv_header: list[str]
    csv_rows: list[list[str]]
    sources: Records
    events: Records
    metrics: Records


def export(client: httpx.Client) -> Export:
    everything = {"include_retracted": "true", "limit": "all"}
    observations = ndjson(client.get("/v1/observations", params={**everything, "format": "ndjson"}))
    table = client.get("/v1/observations", params={**everything, "format": "csv"})
    assert table.status_code == 200, table.text
    header, *rows = csv.reader(io.StringIO(table.text))
    metrics = client.get("/v1/metrics")
    assert metrics.status_code == 200, metrics.text
    events = paged(client, "/v1/events", include_retracted="true")
    return Export(
        observations={document["id"]: document for document in observations},
        csv_header=header,
        csv_rows=rows,
        sources={document["id"]: document for document in paged(client, "/v1/sources")},
        events={document["id"]: document for document in events},
        metrics={document["code"]: document for document in metrics.json()["data"]},
    )


def csv_cell(value: Any) -> str:
    """A JSON value as the CSV export writes it: nothing for null or an empty mapping,
    booleans in lowercase, a mapping as compact JSON with sorted keys, and text that a
    spreadsheet would run behind a '."""
    if value is None or value == {}:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, str) and RUNS_AS_FORMULA.match(value):
        return "'" + value
    return str(value)


def csv_rows(copy: Records, header: list[str]) -> list[list[str]]:
    """Copied figures as the rows of the CSV export, in id order: each breakdown a column."""
    return [
        [
            csv_cell(document[name] if name in document else document["dimensions"].get(name))
            for name in header
        ]
        for document in (copy[record_id] for record_id in sorted(copy))
    ]


def as_exported(copy: Records, exported: Records) -> Records:
    """Each copied record with the fields the export serves: a record read by itself also
    serves what only one record shows (its relay chain, its parts)."""
    names = {name for document in exported.values() for name in document}
    for document in copy.values():
        assert names <= document.keys(), names - document.keys()
    return {
        record_id: {name: document[name] for name in exported.get(record_id, document)}
        for record_id, document in copy.items()
    }


def assert_rebuilt(copy: Copy, exported: Export) -> None:
    """Every served field of every record, and every cell of the figures' CSV export."""
    observations = as_exported(copy.observations, exported.observations)
    assert observations == exported.observations
    assert csv_rows(observations, exported.csv_header) == exported.csv_rows
    sources = with_counts(copy.sources, copy.observations)
    assert as_exported(sources, exported.sources) == exported.sources
    assert as_exported(copy.events, exported.events) == exported.events


# One run: six writers, two consumers keeping up with them, then the export.


@dataclass(frozen=True)
class Run:
    statuses: Statuses
    follower: FeedFollower
    poller: UpdatedAfterPoller
    # What the consumers had read by the time the writers stopped.
    fed_meanwhile: int
    polls_meanwhile: int
    exported: Export


@pytest.fixture(scope="module")
def run(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    url = databases.copy(databases.seeded)
    engine = create_db_engine(url)
    with DataSession(engine) as session:
        tokens = [make_token(session, f"writer-{n}", "editor") for n in range(WRITERS)]
    engine.dispose()
    log = Path(tmp_path_factory.mktemp("rebuild")) / "server.log"
    # Eight clients share one address here: no per-address read budget between them.
    unlimited = {"RATE_LIMIT_READS": "0"}
    with (
        running_server(url, log, "--workers", "1", env=unlimited) as server,
        httpx.Client(base_url=server.url, timeout=30) as follower_client,
        httpx.Client(base_url=server.url, timeout=30) as poller_client,
    ):
        follower, poller = FeedFollower(follower_client), UpdatedAfterPoller(poller_client)
        yield play(server, tokens, follower, poller)
    assert "Traceback" not in log.read_text()


def play(
    server: Server, tokens: list[str], follower: FeedFollower, poller: UpdatedAfterPoller
) -> Run:
    reader = follower.client
    listed = ndjson(reader.get("/v1/observations", params={"limit": "all", "format": "ndjson"}))
    shared = [document["id"] for document in listed]
    writing = threading.Event()
    writing.set()
    with ThreadPoolExecutor(WRITERS + 2) as pool:
        following = pool.submit(keep_up, follower.catch_up, writing)
        polling = pool.submit(keep_up, poller.poll, writing)
        try:
            writers = [
                pool.submit(write, server, token, n, shared) for n, token in enumerate(tokens)
            ]
            statuses: Statuses = sum((writer.result() for writer in writers), Counter())
            fed_meanwhile = sum(c["recorded_by"] != "seed" for c in list(follower.changes))
            polls_meanwhile = poller.polls
        finally:
            writing.clear()
        following.result()
        polling.result()
    # Every write was answered after its commit: once more each, to the end, then export.
    version = reader.get("/v1").json()["data_version"]
    follower.catch_up()
    poller.poll()
    exported = export(reader)
    assert reader.get("/v1").json()["data_version"] == version  # nothing written meanwhile
    return Run(statuses, follower, poller, fed_meanwhile, polls_meanwhile, exported)


@pytest.mark.e2e
def test_six_writers_create_edit_and_retract_at_once_without_a_fault(run: Run) -> None:
    operations = Counter(operation for operation, _ in run.statuses.elements())
    assert operations["create observation"] == WRITERS * ROUNDS
    assert operations["edit own observation"] == WRITERS * ROUNDS
    assert operations["retract observation"] == 2 * WRITERS
    assert operations["edit event"] == WRITERS * ROUNDS // 2
    assert operations["retract event"] == WRITERS
    assert operations["edit source"] == WRITERS
    assert {status for _, status in run.statuses} <= {200, 201, 412}
    assert run.statuses[("edit shared observation", 200)] > 0
    # The consumers read the writers' changes while they wrote, not only once they stopped.
    assert run.fed_meanwhile > 0
    assert run.polls_meanwhile > 2


@pytest.mark.e2e
def test_the_feed_names_every_revision_of_every_record_once_in_commit_order(run: Run) -> None:
    fed: dict[tuple[str, Any], list[int]] = {}
    for change in run.follower.changes:
        fed.setdefault((change["kind"], change["id"]), []).append(change["revision"])
    exported = run.exported
    current = {("observation", i): d["revision"] for i, d in exported.observations.items()}
    current |= {("source", i): d["revision"] for i, d in exported.sources.items()}
    current |= {("event", i): d["revision"] for i, d in exported.events.items()}
    # Metrics serve no revision: each one's are numbered from 1, none missing.
    current |= {("metric", code): len(fed.get(("metric", code), [])) for code in exported.metrics}
    assert fed == {key: list(range(1, revision + 1)) for key, revision in current.items()}
    versions = [change["data_version"] for change in run.follower.changes]
    assert versions == sorted(versions)


@pytest.mark.e2e
def test_a_feed_follower_rebuilds_every_record_cell_for_cell(run: Run) -> None:
    copy, exported = run.follower.copy, run.exported
    assert_rebuilt(copy, exported)
    assert with_stats(copy.metrics, copy.observations) == exported.metrics


@pytest.mark.e2e
def test_an_updated_after_poller_rebuilds_every_record_cell_for_cell(run: Run) -> None:
    assert_rebuilt(run.poller.copy, run.exported)


def test_a_write_that_waits_for_another_is_stamped_after_that_one_commits(desk: Desk) -> None:
    """Found by the rebuild above, on PostgreSQL: a write read the clock for `updated_at`
    before it claimed its data version, so one that then waited behind another could commit
    a moment older than an `updated_at` already served, and an `updated_after=` poller
    missed it for good. (SQLite's writers wait before they read anything: always true.)"""
    engine = create_db_engine(desk.url, for_writes=True)  # as the API writes
    first = DataSession(engine)
    revisions = {i: desk.client.get(f"/v1/observations/{i}").json()["revision"] for i in (2, 3)}
    changes = {"value": 50001}
    editing.edit_observation(
        first, 2, changes, expected_revision=revisions[2], actor="first", reason="1."
    )

    def second_writer() -> None:
        with DataSession(engine) as session:
            changes = {"notes": "Second."}
            editing.edit_observation(
                session, 3, changes, expected_revision=revisions[3], actor="second", reason="2."
            )
            session.commit()
        finished.set()

    finished = threading.Event()
    writer = threading.Thread(target=second_writer)
    writer.start()
    time.sleep(0.5)
    assert not finished.is_set()  # the second writer waits for the first...
    committing = datetime.now(UTC)
    first.commit()  # ...until it commits
    first.close()
    writer.join(timeout=30)
    engine.dispose()
    assert finished.is_set()
    second = desk.client.get("/v1/observations/3").json()
    assert second["notes"] == "Second."
    assert moment(second["updated_at"]) > committing
    newest = desk.client.get("/v1/observations/2").json()["updated_at"]
    later = desk.client.get("/v1/observations", params={"updated_after": newest}).json()["data"]
    assert [document["id"] for document in later] == [3]
