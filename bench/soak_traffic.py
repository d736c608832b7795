"""The soak run's traffic (bench/soak.py runs it): the requests of each kind, what each
write must leave, and the schedule that sends them at a fixed rate from several client
threads, each minute recorded."""

import argparse
import csv
import heapq
import io
import itertools
import json
import queue
import random
import subprocess
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pycountry
from generate import COUNTRIES, METRICS, SOURCES, YEARS
from run import Targets
from soak_plot import Monitor, Result, by_kind, describe, minute_row

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"  # to create and drop databases
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
# The synthetic ids start past these, so that they never revise the seed's records.
ID_OFFSET, SOURCE_OFFSET = 100_000, 1_000
IMPORT_SOURCE = SOURCE_OFFSET + SOURCES + 1  # what the soak's imports cite
BAD_IMPORT_SOURCE = IMPORT_SOURCE + 1  # what its bad imports cite: it must keep no rows
TEXT_SOURCE = 1  # the seed's article: a source with a text, to draft from
EDITORS = ("soak-editor-a", "soak-editor-b", "soak-editor-c")
POOL_SIZE = 400  # observations of each editor, edited in turn
# Per 100 scheduled requests: 85 reads and 15 writes, shuffled so that writes spread evenly.
MIX = {
    "page": 14, "by-id": 16, "conditional": 10, "series": 10, "search": 8, "facets": 6,
    "csv-slice": 5, "changes": 6, "lists": 4, "drafts-list": 2, "health": 2, "history": 2,
    "edit": 8, "stale-edit": 2, "retract": 1, "import-small": 2, "import-bad": 1, "draft": 1,
}  # fmt: skip
WRITES = {"edit", "stale-edit", "retract", "import-small", "import-bad", "import-large", "draft"}
# Besides the mix, every HEAVY_EVERY_S seconds: each of these, this many seconds in.
HEAVY_EVERY_S, HEAVY = 120, {"import-large": 45, "whole-export": 105}
SEED = 20261207
ORIGINS = sorted(country.alpha_3 for country in pycountry.countries)[:COUNTRIES]


@dataclass
class Edited:
    """An observation an editor changes in turn, as the soak last left it."""

    id: int
    value: int
    revision: int = 1
    etag: str | None = None
    previous_etag: str | None = None  # the ETag of revision - 1: an old copy


@dataclass
class Write:
    id: int
    revision: int  # the revision it made; for a refused one, the revision still current
    editor: str
    action: str  # as the history names it: edit, retract


@dataclass
class Batch:
    """An import over HTTP: its rows, its reason (the feed names its rows by it), answer."""

    number: int
    kind: str
    rows: int
    reason: str
    status: int | None
    created: int | None
    updated: int | None


class Pool:
    """One editor's observations. A request takes one and gives it back when answered, so
    no two requests write the same one and the soak always knows its current revision
    (nothing else writes them)."""

    def __init__(self, items: list[Edited]) -> None:
        self.items, self.lock = deque(items), threading.Lock()

    def take(self, fits: Callable[[Edited], bool] = lambda _: True) -> Edited | None:
        with self.lock:
            for index, item in enumerate(self.items):
                if fits(item):
                    del self.items[index]  # the others keep their turn
                    return item
        return None

    def give_back(self, item: Edited) -> None:
        with self.lock:
            self.items.append(item)


@dataclass
class Traffic:
    """What the requests ask for, and what the soak must find again at the end."""

    database: str  # its name, or the SQLite file
    tokens: dict[str, str]
    targets: Targets
    pools: dict[str, Pool]
    touched: dict[int, Edited] = field(default_factory=dict)
    accepted: list[Write] = field(default_factory=list)
    refused: list[Write] = field(default_factory=list)
    lost_updates: list[Write] = field(default_factory=list)  # edits from an old copy, kept
    uncertain: set[int] = field(default_factory=set)  # a write to them got no clear answer
    batches: list[Batch] = field(default_factory=list)
    walks: deque[tuple[str, int]] = field(default_factory=deque)  # (next page, its number)
    etags: dict[int, str] = field(default_factory=dict)  # of by-id reads, for If-None-Match
    since: str = ""  # when the run started, as the change feed takes it
    by_kind: dict[str, Any] = field(default_factory=dict)  # requests, latency, answers
    feed_cursor: str = ""
    problems: list[str] = field(default_factory=list)  # each answer not as expected
    counters: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, name: str) -> int:
        with self.lock:
            self.counters[name] += 1
            return self.counters[name]

    def pick(self, items: list[Any], name: str) -> Any:
        """The next of `items` in turn."""
        return items[self.next(name) % len(items)]

    def editor(self) -> str:
        return self.pick(list(EDITORS), "editor")

    def auth(self, editor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[editor]}"}


class Recorder:
    """Results as they complete; each minute takes those of the minute."""

    def __init__(self) -> None:
        self.lock, self.results = threading.Lock(), list[Result]()
        self.every = list[Result]()  # the whole run's, for the totals by kind

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)
            self.every.append(result)

    def take(self) -> list[Result]:
        with self.lock:
            taken, self.results = self.results, []
        return taken


class Worker:
    """A client thread's connection; every request goes through `call`."""

    def __init__(self, base: str, traffic: Traffic, recorder: Recorder) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.traffic, self.recorder, self.lag_ms = traffic, recorder, 0.0

    def call(
        self, kind: str, method: str, url: str, *, expect: Collection[int], **request: Any
    ) -> httpx.Response | None:
        """The request, timed to the end of its body; None if it got no answer."""
        started, response = time.perf_counter(), None
        try:
            response = self.client.request(method, url, **request)
            problem = "" if response.status_code in expect else response.text[:300]
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        status = response.status_code if response is not None else None
        refusal = not problem and status is not None and status >= 400
        self.recorder.add(
            Result(kind, kind in WRITES, status, ms, self.lag_ms, bool(problem), refusal)
        )
        if problem:
            self.note(kind, f"{method} {url} -> {status}", problem, response)
        return response

    def note(self, kind: str, what: str, problem: str, response: httpx.Response | None) -> None:
        request_id = response.headers.get("x-request-id") if response is not None else None
        if len(self.traffic.problems) < 200:
            at = datetime.now(UTC).strftime("%H:%M:%S")
            self.traffic.problems.append(f"{at} {kind}: {what} (request {request_id}): {problem}")


# The reads.


def page(w: Worker) -> None:
    """A page of a listing: the next page of one read before (up to 5), or a first one."""
    t = w.traffic
    with t.lock:
        url, number = t.walks.popleft() if t.walks else ("", 1)
    if not url:
        metric, origin, destination = t.pick(t.targets.triples, "walk")
        url = t.pick(
            [
                f"/v1/observations?metric={metric}&limit=100",
                f"/v1/observations?origin={origin}&destination={destination}&limit=100",
                f"/v1/observations?metric={metric}&sort=-period_start&limit=50",
            ],
            "first-page",
        )
    response = w.call("page", "GET", url, expect={200})
    following = response.json()["links"]["next"] if response and response.is_success else None
    if following and number < 5:
        with t.lock:
            t.walks.append((following, number + 1))


def by_id(w: Worker) -> None:
    observation = w.traffic.pick(w.traffic.targets.ids, "by-id")
    response = w.call("by-id", "GET", f"/v1/observations/{observation}", expect={200})
    if response and response.status_code == 200:
        w.traffic.etags[observation] = response.headers["etag"]


def conditional(w: Worker) -> None:
    """By id again, with the ETag read before: nothing writes these, so a 304."""
    with w.traffic.lock:
        seen = list(w.traffic.etags.items())
    if not seen:
        return by_id(w)
    observation, etag = w.traffic.pick(seen, "conditional")
    url, headers = f"/v1/observations/{observation}", {"If-None-Match": etag}
    w.call("conditional", "GET", url, expect={304}, headers=headers)


def series(w: Worker) -> None:
    m, o, d = w.traffic.pick(w.traffic.targets.triples, "series")
    w.call("series", "GET", f"/v1/series?metric={m}&origin={o}&destination={d}", expect={200})


def search(w: Worker) -> None:
    t = w.traffic.targets
    word = w.traffic.pick([t.common_word, t.rare_word, f"synthetic {t.common_word}"], "search")
    w.call("search", "GET", "/v1/observations", expect={200}, params={"q": word, "limit": 50})


def facets(w: Worker) -> None:
    selection = w.traffic.pick(["", f"metric={w.traffic.targets.metric}&"], "facets")
    url = f"/v1/observations?{selection}facet=origin&facet=metric&limit=1"
    w.call("facets", "GET", url, expect={200})


def csv_slice(w: Worker) -> None:
    metric, origin, _ = w.traffic.pick(w.traffic.targets.triples, "csv-slice")
    chosen = [f"metric={metric}&period_from=2000&period_to=2004", f"origin={origin}"]
    selection = w.traffic.pick(chosen, "csv-selection")
    exported(w, "csv-slice", f"/v1/observations?{selection}&limit=all&format=csv")


def whole_export(w: Worker) -> None:
    exported(w, "whole-export", "/v1/observations?limit=all&format=csv", timeout=300)


def exported(w: Worker, kind: str, url: str, timeout: float = 60) -> None:
    """A streamed CSV export, whose rows must number its X-Total-Count."""
    response = w.call(kind, "GET", url, expect={200}, timeout=timeout)
    if response is not None and response.status_code == 200:
        rows = sum(1 for _ in csv.reader(io.StringIO(response.text))) - 1
        if rows != int(response.headers["x-total-count"]):
            total = response.headers["x-total-count"]
            w.note(kind, f"GET {url}", f"{rows} rows, X-Total-Count {total}", response)


def changes(w: Worker) -> None:
    """The change feed, from where the last page left it; now and then as Atom."""
    t = w.traffic
    since = t.feed_cursor
    if t.next("changes") % 5 == 0:
        params = {"since": since, "format": "atom"}
        w.call("changes", "GET", "/v1/changes", expect={200}, params=params)
        return
    response = w.call("changes", "GET", "/v1/changes", expect={200}, params={"since": since})
    if response and response.status_code == 200:
        meta = response.json()["meta"]
        with t.lock:
            if t.feed_cursor == since:
                t.feed_cursor = meta["next_cursor"] or meta["resume_cursor"] or since


def lists(w: Worker) -> None:
    url = w.traffic.pick(["/v1/sources?limit=100", "/v1/events", "/v1/metrics"], "lists")
    w.call("lists", "GET", url, expect={200})


def drafts_list(w: Worker) -> None:
    url = f"/v1/drafts?source_id={TEXT_SOURCE}&status=proposed"
    w.call("drafts-list", "GET", url, expect={200}, headers=w.traffic.auth(w.traffic.editor()))


def health(w: Worker) -> None:
    w.call("health", "GET", w.traffic.pick(["/healthz", "/readyz"], "health"), expect={200})


def history(w: Worker) -> None:
    observation = w.traffic.pick(w.traffic.targets.ids, "history")
    w.call("history", "GET", f"/v1/observations/{observation}/history", expect={200})


# The writes.


def edit(w: Worker) -> None:
    """An editor corrects one of its observations with If-Match: the ETag of its last
    write, or of a read first."""
    t = w.traffic
    editor = t.editor()
    item = t.pools[editor].take()
    if item is None:
        t.next("skipped: no observation to edit")
        return
    url = f"/v1/observations/{item.id}"
    if item.etag is None:
        response = w.call("read-to-edit", "GET", url, expect={200}, headers=t.auth(editor))
        if response is None or response.status_code != 200:
            t.pools[editor].give_back(item)
            return
        item.etag = response.headers["etag"]
    headers = t.auth(editor) | {"If-Match": item.etag}
    body = {"value": item.value + 1, "reason": "Synthetic soak edit."}
    response = w.call("edit", "PATCH", url, expect={200}, json=body, headers=headers)
    if settled(t, item, response, editor, "edit"):
        t.pools[editor].give_back(item)


def stale_edit(w: Worker) -> None:
    """Another editor edits from an old copy (If-Match, or `revision` in the body): it must
    be refused, and leave no revision."""
    t = w.traffic
    editor, owner = t.editor(), t.editor()
    item = t.pools[owner].take(lambda e: e.revision >= 2)
    if item is None:  # nothing edited yet
        return edit(w)
    headers = t.auth(editor)
    body: dict[str, Any] = {"value": item.value + 7, "reason": "Synthetic soak edit, old copy."}
    if item.previous_etag and t.next("stale") % 2:
        headers["If-Match"] = item.previous_etag
    else:
        body["revision"] = item.revision - 1
    url = f"/v1/observations/{item.id}"
    response = w.call("stale-edit", "PATCH", url, expect={409, 412}, json=body, headers=headers)
    if response is not None and response.status_code in (409, 412):
        t.refused.append(Write(item.id, item.revision, editor, "refused"))
        t.touched[item.id] = item
    elif response is not None and response.status_code == 200:
        t.lost_updates.append(Write(item.id, response.json()["revision"], editor, "edit"))
    if settled(t, item, response, editor, "edit"):
        t.pools[owner].give_back(item)


def retract(w: Worker) -> None:
    t = w.traffic
    editor = t.editor()
    item = t.pools[editor].take()
    if item is None:
        t.next("skipped: no observation to retract")
        return
    body = {"reason": "Synthetic soak retraction.", "revision": item.revision}
    url = f"/v1/observations/{item.id}/retract"
    response = w.call("retract", "POST", url, expect={200}, json=body, headers=t.auth(editor))
    kept = settled(t, item, response, editor, "retract")
    if kept and response is not None and response.status_code != 200:
        t.pools[editor].give_back(item)  # refused: still the editor's to edit


def settled(
    t: Traffic, item: Edited, response: httpx.Response | None, editor: str, action: str
) -> bool:
    """Notes what a write did to `item`. False when that is unknown (no answer, a 5xx): the
    item then leaves the pools and the checks."""
    if response is None or response.status_code >= 500:
        t.uncertain.add(item.id)
        return False
    if response.status_code == 200:
        data = response.json()
        item.previous_etag, item.etag = item.etag, response.headers.get("etag")
        item.revision, item.value = data["revision"], data["value"] or item.value
        t.accepted.append(Write(item.id, item.revision, editor, action))
        t.touched[item.id] = item
    return True


def import_rows(w: Worker, kind: str, rows: int) -> None:
    """POST /v1/imports. A small import adds rows of a claimant of its own (new natural
    keys); the large one is one table released anew each time, revising its last release
    (so the data keeps its size); a bad one has one wrong row, and must import nothing."""
    t, bad = w.traffic, kind == "import-bad"
    number, editor = t.next("batch"), t.editor()
    claimant = "large" if kind == "import-large" else f"b{number:04d}"
    reason = f"Synthetic soak {'bad ' if bad else ''}import b{number:04d}"
    body = import_csv(claimant, number, rows, BAD_IMPORT_SOURCE if bad else IMPORT_SOURCE, bad)
    headers = {**t.auth(editor), "Content-Type": "text/csv"}
    expect = range(400, 500) if bad else {200}
    request = {"content": body, "headers": headers, "params": {"reason": reason}, "timeout": 300}
    response = w.call(kind, "POST", "/v1/imports", expect=expect, **request)
    status = response.status_code if response is not None else None
    found = response.json() if response is not None and status == 200 else {}
    t.batches.append(
        Batch(number, kind, rows, reason, status, found.get("created"), found.get("updated"))
    )


def import_csv(claimant: str, number: int, rows: int, source: int, bad: bool) -> bytes:
    """SYNTHETIC rows in the import format, each of a metric, year and origin of its own;
    their figures differ from one batch `number` to the next."""
    lines = [
        "metric,origin,destination,period_start,period_end,value,qualifier,basis,"
        "attributed_to,source_id,quote"
    ]
    for k in range(rows):
        year = YEARS[(k // METRICS) % len(YEARS)]
        origin = ORIGINS[(k // (METRICS * len(YEARS))) % len(ORIGINS)]
        value = 1_000 + number % 500 + k
        quote = f"[SYNTHETIC] Synthetic soak figures put this at about {value:,} for {year}."
        shown = str(value)
        if bad and k == rows // 2:  # one wrong row: an unknown country, or no number
            origin, shown = ("ZZZ", shown) if number % 2 else (origin, "many")
        lines.append(
            f"synthetic_metric_{k % METRICS:02d},{origin},DEU,{year}-01-01,{year}-12-31,{shown},"
            f'approximate,estimate,Synthetic soak importer {claimant},{source},"{quote}"'
        )
    return ("\n".join(lines) + "\n").encode()


def draft(w: Worker) -> None:
    editor = w.traffic.editor()
    url = f"/v1/sources/{TEXT_SOURCE}/drafts"
    w.call("draft", "POST", url, expect={201}, headers=w.traffic.auth(editor))


OPS: dict[str, Callable[[Worker], None]] = {
    "page": page, "by-id": by_id, "conditional": conditional, "series": series,
    "search": search, "facets": facets, "csv-slice": csv_slice, "changes": changes,
    "lists": lists, "drafts-list": drafts_list, "health": health, "history": history,
    "edit": edit, "stale-edit": stale_edit, "retract": retract, "draft": draft,
    "import-small": lambda w: import_rows(w, "import-small", 5),
    "import-bad": lambda w: import_rows(w, "import-bad", 20),
    "whole-export": whole_export,
}  # fmt: skip


# The schedule.


def schedule(seconds: float, rate: float) -> Iterator[tuple[float, str]]:
    """(seconds from the start, operation), in time order, for `seconds`: the mix at a
    fixed rate, dealt from a deck of 100 shuffled anew each round, and the heavy ones."""

    def steady() -> Iterator[tuple[float, str]]:
        deck = [name for name, count in MIX.items() for _ in range(count)]
        for n in itertools.count():
            if n % len(deck) == 0:
                random.Random(SEED + n).shuffle(deck)
            yield n / rate, deck[n % len(deck)]

    def heavy() -> Iterator[tuple[float, str]]:
        for start in itertools.count(0, HEAVY_EVERY_S):
            yield from sorted((start + offset, name) for name, offset in HEAVY.items())

    return itertools.takewhile(lambda job: job[0] < seconds, heapq.merge(steady(), heavy()))


Jobs = queue.Queue[tuple[float, str] | None]


def dispatch(jobs: Jobs, plan: Iterator[tuple[float, str]], started: float, workers: int) -> None:
    """Puts each operation on the queue when its time comes; a free worker sends it."""
    for at, name in plan:
        time.sleep(max(0.0, started + at - time.monotonic()))
        jobs.put((started + at, name))
    for _ in range(workers):
        jobs.put(None)


def work(jobs: Jobs, worker: Worker) -> None:
    while (job := jobs.get()) is not None:
        due, name = job
        worker.lag_ms = (time.monotonic() - due) * 1000  # late when every worker was busy
        try:
            OPS[name](worker)
        except Exception as exc:  # an answer not as documented (or a bug here): go on
            worker.note(name, "handling the answer", f"{type(exc).__name__}: {exc}", None)
    worker.client.close()


def run_traffic(
    server: subprocess.Popen[bytes], base: str, traffic: Traffic, options: argparse.Namespace
) -> list[dict[str, Any]]:
    """The schedule for --minutes, a line per minute (minutes.jsonl, and printed)."""
    postgres = options.database == "postgres"
    monitor = Monitor(server.pid, traffic.database, PG_ADMIN if postgres else None)
    recorder, jobs = Recorder(), Jobs()
    workers = [Worker(base, traffic, recorder) for _ in range(options.clients)]
    started = time.monotonic()
    plan = schedule(options.minutes * 60, options.rate)
    threads = [threading.Thread(target=work, args=(jobs, w)) for w in workers]
    threads.append(threading.Thread(target=dispatch, args=(jobs, plan, started, len(workers))))
    for thread in threads:
        thread.start()
    rows: list[dict[str, Any]] = []
    with (options.out / "minutes.jsonl").open("w") as log:
        for minute in range(1, options.minutes + 1):
            time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
            if minute == options.minutes:  # the last minute keeps what is still in flight
                for thread in threads:
                    thread.join()
            row = minute_row(minute, recorder.take(), monitor.sample())
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(describe(row), flush=True)
            if server.poll() is not None:
                print(f"!!! the server has exited, status {server.returncode}", flush=True)
            rows.append(row)
    monitor.close()
    traffic.by_kind = by_kind(recorder.every)
    return rows
