"""Benchmark the API against Datasette on the same synthetic data, on SQLite and
PostgreSQL, at several sizes; print the tables and the targets (bench/report.py). Run it
through `bench/run` (which installs what it needs); see docs/benchmarks.md.

Every figure comes from this run: wrk (16 connections) against each server on this
machine, server memory read from /proc, import and export timed end to end. With
`--profile`, py-spy samples laborstats during each of them (bench/.data/profiles/).

Each read is measured per core and with laborstats' default workers: laborstats with one
worker against Datasette in one process and the floor (bench/floor.py, a minimal FastAPI
app over the same SQLite file) in one process, then laborstats with its default workers
against Datasette and the floor given as many processes. Every server gets the same
rotated request lists (bench/lua/rotate.lua).

Three cases (`--cases`): `spread`, rows over 500 sources and 2,000 claimants, measured in
full; `one-claim`, rows that all cite ONE source and ONE claimant, as an official table's
do (`generate.py --one-claim`); and `sdmx`, a synthetic SDMX-CSV table loaded with its
mapping, every cell checked (`sdmx_table.py`). The last two measure their imports alone,
with the seconds of each batch (`bench/timed_import.py`)."""

import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx
from floor import serving
from profiles import Profiler, slug
from report import DATASETTE, FLOOR, ONE_CLAIM, SDMX, Result, Run, load_results, save_results, table

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
BENCH_BIN = ROOT / "bench" / ".venv" / "bin"
DATA = ROOT / "bench" / ".data"
ROTATE_LUA = ROOT / "bench" / "lua" / "rotate.lua"
RESULTS = DATA / "results.json"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/laborstats_bench"
# Datasette's full-text search: the texts the API searches, but the source's title.
FTS_COLUMNS = ["quote", "attributed_to", "notes"]
# Columns the API indexes (app/models/observation.py); Datasette gets the same.
INDEXES = [
    ["metric", "id"], ["origin", "destination", "metric", "id"], ["origin", "id"],
    ["destination", "id"], ["region", "id"], ["source_id", "id"], ["basis", "id"],
    ["qualifier", "id"], ["period_start", "id"], ["period_end", "id"], ["reported_on", "id"],
    ["value", "id"], ["origin", "destination", "metric", "period_start", "id"],
]  # fmt: skip
ROTATED_TRIPLES = 600  # (metric, origin, destination) triples for the rotated page
ROTATED_IDS = 3_000  # ids for the rotated by-id read
SEED = 20261126  # the order of the rotated lists
# wrk sends thousands of requests a second from one address: the server's rate limits off.
LIMITS_OFF = {
    "RATE_LIMIT_READS": "0",
    "RATE_LIMIT_WRITES": "0",
    "RATE_LIMIT_AUTH_FAILURES": "0",
}
T = TypeVar("T")


@dataclass
class Options:
    seconds: int
    workers: int | None  # None: `laborstats serve`'s own default
    profile: bool
    imports_only: bool = False  # the imports, no server

    @property
    def default_workers(self) -> int:
        """The workers of the default run: --workers, else one per usable CPU, as
        `laborstats serve` starts (app/cli/server.py)."""
        return self.workers or usable_cpus()


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# The cases: the rows of the generated data, and the generator's options for them.
CASES = {"spread": [], "one-claim": ["--one-claim"], "sdmx": []}


@dataclass
class Targets:
    """What the requests ask for, read from the generated observations.csv."""

    metric: str  # a broad filter
    origin: str  # with destination, the median pair: a selective filter
    destination: str
    id: int
    triple: tuple[str, str, str]  # the median (metric, origin, destination)
    triples: list[tuple[str, str, str]]  # requested in turn
    ids: list[int]  # requested in turn
    # q=: the most frequent trade word of the quotes, and a median file code (rare); empty
    # for data generated before quotes had them.
    common_word: str = ""
    rare_word: str = ""


@dataclass
class Scenario:
    """One wrk measurement: a URL, or a base URL and paths requested in turn."""

    name: str
    url: str
    headers: dict[str, str] | None = None
    paths: list[str] | None = None
    note: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers, with --workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        waiting += children.get(current, [])
    return found


def rss_each_mb(pids: list[int], key: str = "VmRSS") -> list[float]:
    """Memory of each of these processes (VmHWM: each one's peak)."""
    found = []
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        found += [int(line.split()[1]) / 1024 for line in lines if line.startswith(key + ":")]
    return found


def rss_mb(pids: list[int], key: str = "VmRSS") -> float:
    """Memory of these processes together (VmHWM: the sum of each one's peak)."""
    return sum(rss_each_mb(pids, key))


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    name: str,
    url: str,
    seconds: int,
    headers: dict[str, str] | None = None,
    paths_file: Path | None = None,
) -> Result:
    """wrk against one URL, or against `url` asking for each path of `paths_file` in turn."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if paths_file:
        command += ["-s", str(ROTATE_LUA), url, "--", str(paths_file)]
    else:
        command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = Result(name)
    result.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    result.p50_ms = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    result.p99_ms = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    for pattern in (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: .*?(\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        if match := re.search(pattern, output):
            result.errors += sum(int(g) for g in match.groups())
    return result


class Server:
    def __init__(self, command: list[str], env: dict[str, str], health: str) -> None:
        self.process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {command}")

    def memory_mb(self, key: str = "VmRSS") -> float:
        """The largest process's memory: the target is per process (workers each hold
        their own)."""
        return max(rss_each_mb(process_tree(self.process.pid), key), default=0.0)

    def total_memory_mb(self) -> float:
        return rss_mb(process_tree(self.process.pid))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def timed_export(url: str, pid: int, encoding: str = "identity") -> tuple[float, float, int]:
    """(rows/s, server memory growth in MB, rows) for one streamed export, asked for with
    `Accept-Encoding: encoding` (identity: as curl and pandas ask; gzip: as browsers do)."""
    pids = process_tree(pid)
    baseline, peak, rows = rss_mb(pids), 0.0, 0
    started = time.monotonic()
    headers = {"Accept-Encoding": encoding}
    with httpx.stream("GET", url, timeout=600, headers=headers) as response:
        last_sample = 0.0
        for _line in response.iter_lines():
            rows += 1
            now = time.monotonic()
            if now - last_sample > 0.05:
                peak, last_sample = max(peak, rss_mb(pids)), now
    elapsed = time.monotonic() - started
    return (rows - 1) / elapsed, max(0.0, peak - baseline), rows - 1


def laborstats(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "laborstats"), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )


@dataclass
class Timed:
    """An import timed end to end, and each batch of its observations."""

    seconds: float
    batches: list[float]  # seconds per batch, in order
    finish_s: float  # from the last batch to the end of import_path (before the commit)


def batch_seconds(marks: list[list[float]]) -> tuple[list[float], float]:
    """From bench/timed_import.py's marks: the seconds of each batch of observations (each
    call of `on_rows` from the first for more than one row: metrics and sources come one
    row a call, before), and the seconds after the last one."""
    calls = [(at, rows) for at, rows in marks if rows >= 0]
    end = next((at for at, rows in marks if rows < 0), calls[-1][0] if calls else 0.0)
    first = next((i for i, (_, rows) in enumerate(calls) if rows > 1), None)
    if first is None:
        return [], 0.0
    times = [at for at, _ in calls]
    batches = [times[i] - (times[i - 1] if i else 0.0) for i in range(first, len(times))]
    return [round(seconds, 4) for seconds in batches], end - times[-1]


def describe_batches(batches: list[float], finish_s: float) -> str:
    """First, median, slowest (and where) and last batch, and what came after."""
    if not batches:
        return "no batches"
    ordered = sorted(batches)
    slowest = max(range(len(batches)), key=lambda i: batches[i])
    return (
        f"{len(batches):,} batches: first {batches[0]:.3f} s, median "
        f"{ordered[len(ordered) // 2]:.3f} s, slowest {batches[slowest]:.3f} s (batch "
        f"{slowest + 1}, {batches[slowest] / batches[0]:.2f}x the first), last "
        f"{batches[-1]:.3f} s; then {finish_s:.1f} s to finish"
    )


def timed_import(
    what: Path | list[str], database_url: str, profiler: Profiler | None, task: str
) -> Timed:
    """`laborstats import what` (a folder, or a table's arguments), timed (under py-spy with
    --profile), run by bench/timed_import.py, which notes when each batch was saved."""
    marks_file = DATA / "import-marks.json"
    marks_file.unlink(missing_ok=True)
    arguments = [str(what)] if isinstance(what, Path) else what
    command = [str(BIN / "python"), str(ROOT / "bench" / "timed_import.py"), *arguments]
    if profiler:
        command = profiler.launch(task, command)
    started = time.monotonic()
    environment = {"DATABASE_URL": database_url, "BENCH_IMPORT_MARKS": str(marks_file)}
    done = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    # py-spy exits 0 whatever the import did: success is the import's summary line.
    summary = [line for line in done.stdout.splitlines() if " created, " in line]
    if not summary:
        raise RuntimeError(f"{task} failed:\n{done.stdout}\n{done.stderr}")
    batches, finish_s = batch_seconds(json.loads(marks_file.read_text()))
    print(f"    {task}: {summary[-1]} ({elapsed:.1f} s)", file=sys.stderr)
    print(f"    {task}: {describe_batches(batches, finish_s)}", file=sys.stderr)
    if profiler:
        profiler.finish(task)
    return Timed(elapsed, batches, finish_s)


def prepare_database(kind: str, rows: int) -> str:
    if kind == "sqlite":
        path = DATA / f"api-{rows}.db"
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS laborstats_bench WITH (FORCE)")
        connection.execute("CREATE DATABASE laborstats_bench")
    return PG_BENCH


def generate(rows: int, folder: Path, *extra_args: str) -> None:
    """bench/generate.py's rows in `folder`."""
    command = [str(BIN / "python"), str(ROOT / "bench" / "generate.py")]
    subprocess.run([*command, "--rows", str(rows), "--out", str(folder), *extra_args], check=True)


def data_folder(rows: int, case: str) -> Path:
    """The generated dataset of a case and size (written the first time)."""
    folder = DATA / (f"synthetic-{rows}" + ("" if case == "spread" else f"-{case}"))
    if not (folder / "observations.csv").exists():
        generate(rows, folder, *CASES[case])
    return folder


def extra_rows_folder(rows: int, case: str = "spread") -> Path | None:
    """rows // 10 new observations for the same metrics and sources, whose natural keys
    are not in the main set (`generate.py --extra`); None if generate.py has no --extra."""
    folder = DATA / (f"synthetic-{rows}" + ("" if case == "spread" else f"-{case}") + "-extra")
    if (folder / "observations.csv").exists():
        return folder
    usage = subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench" / "generate.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "--extra" not in usage:
        print("... bench/generate.py has no --extra: no import of extra rows", file=sys.stderr)
        return None
    generate(rows // 10, folder, "--extra", *CASES[case])
    return folder


def spread(items: list[T], count: int) -> list[T]:
    """Up to `count` of `items`, evenly spaced over the list, in a fixed shuffled order."""
    if len(items) > count:
        items = [items[i * len(items) // count] for i in range(count)]
    chosen = list(items)
    random.Random(SEED).shuffle(chosen)
    return chosen


# The words generate.py writes into each quote for full-text search.
SEARCHED = re.compile(r" in (?P<trade>\w+) work, .*\(file (?P<code>\w+)\)")


def sample_targets(folder: Path) -> Targets:
    """A broad metric, the median pair and triple, an id, and the lists to rotate over."""
    pairs: Counter[tuple[str, str]] = Counter()
    triples: Counter[tuple[str, str, str]] = Counter()
    ids: set[int] = set()
    trades: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    with (folder / "observations.csv").open() as stream:
        for row in csv.DictReader(stream):
            words = SEARCHED.search(row["quote"])
            if words:
                trades[words["trade"]] += 1
                codes[words["code"]] += 1
            pairs[(row["origin"], row["destination"])] += 1
            triples[(row["metric"], row["origin"], row["destination"])] += 1
            ids.add(int(row["id"]))
    n = sum(pairs.values())
    (origin, destination), _ = sorted(pairs.items(), key=lambda item: -item[1])[len(pairs) // 2]
    triple, _ = sorted(triples.items(), key=lambda item: -item[1])[len(triples) // 2]
    return Targets(
        metric="synthetic_metric_03",
        origin=origin,
        destination=destination,
        id=n // 2,
        triple=triple,
        triples=spread(sorted(triples), ROTATED_TRIPLES),
        ids=spread(sorted(ids), ROTATED_IDS),
        common_word=trades.most_common(1)[0][0] if trades else "",
        rare_word=sorted(codes.items(), key=lambda item: (-item[1], item[0]))[len(codes) // 2][0]
        if codes
        else "",
    )


def measure(
    scenarios: list[Scenario],
    seconds: int,
    prefix: str,
    profiler: Profiler | None = None,
    pid: int = 0,
) -> dict[str, Result]:
    """wrk on each scenario in turn; with a profiler, py-spy on `pid` meanwhile."""
    results = {}
    for scenario in scenarios:
        paths_file = None
        if scenario.paths:
            paths_file = DATA / "paths" / f"{prefix}-{slug(scenario.name)}.txt"
            paths_file.parent.mkdir(exist_ok=True)
            paths_file.write_text("\n".join(scenario.paths) + "\n")
        spy = profiler.attach(pid, scenario.name, seconds) if profiler else None
        result = wrk(scenario.name, scenario.url, seconds, scenario.headers, paths_file)
        if profiler:
            profiler.finish(scenario.name, spy)
        result.note = scenario.note
        results[scenario.name] = result
    return results


def api_scenarios(base: str, t: Targets, etag: str) -> list[Scenario]:
    page = f"{base}/v1/observations?metric={t.metric}&limit=100"
    selective = f"{base}/v1/observations?origin={t.origin}&destination={t.destination}&limit=100"
    metric, origin, destination = t.triple
    return [
        Scenario("observation by id", f"{base}/v1/observations/{t.id}"),
        Scenario(
            "observation by id, rotated",
            base,
            paths=[f"/v1/observations/{i}" for i in t.ids],
            note=f"{len(t.ids):,} ids",
        ),
        Scenario("page of 100, broad filter (JSON)", page),
        Scenario("page of 100, selective filter (JSON)", selective),
        Scenario(
            "page of 100, metric + pair (JSON)",
            f"{base}/v1/observations?metric={metric}&origin={origin}&destination={destination}&limit=100",
        ),
        Scenario(
            "page of 100, metric + pair, rotated (JSON)",
            base,
            paths=[
                f"/v1/observations?metric={m}&origin={o}&destination={d}&limit=100"
                for m, o, d in t.triples
            ],
            note=f"{len(t.triples):,} triples",
        ),
        Scenario("page of 100, broad filter (CSV)", page + "&format=csv"),
        *search_scenarios(base, t),
        Scenario(
            "series for one pair",
            f"{base}/v1/series?metric={t.metric}&origin={t.origin}&destination={t.destination}",
        ),
        Scenario(
            "series for one pair, rotated",
            base,
            paths=[f"/v1/series?metric={m}&origin={o}&destination={d}" for m, o, d in t.triples],
            note=f"{len(t.triples):,} triples",
        ),
        *facet_scenarios(base, page),
        Scenario("304 on the broad page", page, headers={"If-None-Match": etag}),
        Scenario("health check (/healthz)", f"{base}/healthz"),
    ]


def search_scenarios(base: str, t: Targets) -> list[Scenario]:
    """q=, best match first: a word in 1 quote of 25 (every match ranked for the first
    page), and one in about 1 of 8,000."""
    if not t.common_word:
        return []
    return [
        Scenario(
            "search, a common word (JSON)",
            f"{base}/v1/observations?q={t.common_word}&limit=100",
            note=f"q={t.common_word}",
        ),
        Scenario(
            "search, a rare word (JSON)",
            f"{base}/v1/observations?q={t.rare_word}&limit=100",
            note=f"q={t.rare_word}",
        ),
    ]


def facet_scenarios(base: str, page: str) -> list[Scenario]:
    """Facets (origin and metric counted per value) of the broad page and of everything,
    and the broad page's exact total."""
    every = f"{base}/v1/observations?limit=100"
    return [
        Scenario("facets origin + metric, broad filter (JSON)", f"{page}&{FACETS}"),
        Scenario("facets origin + metric, unfiltered (JSON)", f"{every}&{FACETS}"),
        Scenario("count=true, broad filter (JSON)", f"{page}&count=true"),
    ]


FACETS = "facet=origin&facet=metric"


def bench_imports(
    run: Run, kind: str, folder: Path, extra: Path | None, profiler: Profiler | None
) -> str:
    """Import `folder` into a new database, then `extra` into it; the database's URL."""
    url = prepare_database(kind, run.rows)
    laborstats("migrate", database_url=url)
    timed = timed_import(folder, url, profiler, "import")
    run.import_rows_per_s = run.rows / timed.seconds
    run.import_batches, run.import_finish_s = timed.batches, timed.finish_s
    if extra:
        run.extra_rows = run.rows // 10
        timed = timed_import(extra, url, profiler, "import of extra rows")
        run.extra_import_rows_per_s = run.extra_rows / timed.seconds
        run.extra_import_batches, run.extra_import_finish_s = timed.batches, timed.finish_s
    return url


def bench_one_claim(kind: str, rows: int, options: Options) -> Run:
    """The one-claim case: its imports alone."""
    run = Run(f"laborstats on {kind}{ONE_CLAIM}", rows)
    profiler = Profiler(rows, f"{kind}-one-claim") if options.profile else None
    folder = data_folder(rows, "one-claim")
    bench_imports(run, kind, folder, extra_rows_folder(rows, "one-claim"), profiler)
    if profiler:
        run.profiles = profiler.summaries
    return run


def sdmx_table(rows: int) -> list[str]:
    """The arguments that import a synthetic SDMX-CSV table of `rows` observations
    (bench/sdmx_table.py, written the first time)."""
    folder = DATA / f"sdmx-{rows}"
    table, mapping = folder / "table.csv", folder / "mapping.json"
    if not mapping.exists():
        script = str(ROOT / "bench" / "sdmx_table.py")
        subprocess.run([str(BIN / "python"), script, str(rows), str(folder)], check=True)
    return [str(table), "--mapping", str(mapping)]


def bench_sdmx(kind: str, rows: int, options: Options) -> Run:
    """The SDMX case: a table of `rows` observations, one source and one claimant, each
    figure's cell checked against the stored file; its import alone."""
    run = Run(f"laborstats on {kind}{SDMX}", rows)
    profiler = Profiler(rows, f"{kind}-sdmx") if options.profile else None
    url = prepare_database(kind, rows)
    laborstats("migrate", database_url=url)
    timed = timed_import(sdmx_table(rows), url, profiler, "import of an SDMX-CSV table")
    run.import_rows_per_s = rows / timed.seconds
    run.import_batches, run.import_finish_s = timed.batches, timed.finish_s
    if profiler:
        run.profiles = profiler.summaries
    return run


def serve_laborstats(url: str, workers: int | None) -> tuple[Server, str]:
    """`laborstats serve` on `url`'s database (with --workers when given), and its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "laborstats"), "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    environment = {"DATABASE_URL": url, "LOG_LEVEL": "warning", **LIMITS_OFF}
    return Server(command, environment, f"{base}/healthz"), base


def warm_up(base: str, t: Targets) -> str:
    """One read of the broad page before measuring; its ETag, for the 304 request."""
    page = f"{base}/v1/observations?metric={t.metric}&limit=100"
    httpx.get(page, timeout=60)
    return httpx.get(page, headers={"Accept-Encoding": "identity"}).headers["etag"]


def bench_api(
    kind: str, rows: int, folder: Path, extra: Path | None, t: Targets, options: Options
) -> list[Run]:
    """The imports, then every request and the export with the default workers (profiled
    with --profile), then every request again with one worker (when the default is more)."""
    run = Run(f"laborstats on {kind}", rows, processes=options.default_workers)
    profiler = Profiler(rows, kind) if options.profile else None
    url = bench_imports(run, kind, folder, extra, profiler)
    if options.imports_only:
        if profiler:
            run.profiles = profiler.summaries
        return [run]
    server, base = serve_laborstats(url, options.workers)
    try:
        etag = warm_up(base, t)
        run.memory_at_rest_mb = server.memory_mb()
        pid = server.process.pid
        scenarios = api_scenarios(base, t, etag)
        run.results = measure(scenarios, options.seconds, f"{rows}-{kind}", profiler, pid)
        spy = profiler.attach(pid, "export") if profiler else None
        rate, growth, _ = timed_export(f"{base}/v1/observations?limit=all&format=csv", pid)
        if profiler:
            profiler.finish("export", spy, stop=True)
        run.export_rows_per_s, run.export_memory_growth_mb = rate, growth
        gzip_url = f"{base}/v1/observations?limit=all&format=csv"
        run.export_gzip_rows_per_s = timed_export(gzip_url, pid, "gzip")[0]
        run.memory_peak_mb = server.memory_mb("VmHWM")
        run.memory_total_mb = server.total_memory_mb()
    finally:
        server.stop()
    if profiler:
        run.profiles = profiler.summaries
    if options.default_workers == 1:
        return [run]
    print(f"... {rows:,} rows, laborstats on {kind}, 1 worker", file=sys.stderr, flush=True)
    one = Run(f"laborstats on {kind}, 1 worker", rows, processes=1)
    server, base = serve_laborstats(url, 1)
    try:
        etag = warm_up(base, t)
        one.memory_at_rest_mb = server.memory_mb()
        one.results = measure(api_scenarios(base, t, etag), options.seconds, f"{rows}-{kind}-1")
        one.memory_peak_mb = server.memory_mb("VmHWM")
    finally:
        server.stop()
    return [run, one]


def datasette_scenarios(base: str, db: str, t: Targets) -> list[Scenario]:
    table = f"{base}/{db}/observations"
    page = f"{table}.json?metric={t.metric}&_size=100"
    selective = f"{table}.json?origin={t.origin}&destination={t.destination}&_size=100"
    metric, origin, destination = t.triple
    return [
        Scenario("observation by id", f"{table}/{t.id}.json"),
        Scenario(
            "observation by id, rotated",
            base,
            paths=[f"/{db}/observations/{i}.json" for i in t.ids],
            note=f"{len(t.ids):,} ids",
        ),
        Scenario("page of 100, broad filter (JSON)", page + "&_shape=array"),
        Scenario("page of 100, broad filter (default JSON)", page),
        Scenario("page of 100, selective filter (JSON)", selective + "&_shape=array"),
        Scenario(
            "page of 100, metric + pair (JSON)",
            f"{table}.json?metric={metric}&origin={origin}&destination={destination}"
            "&_size=100&_shape=array",
        ),
        Scenario(
            "page of 100, metric + pair, rotated (JSON)",
            base,
            paths=[
                f"/{db}/observations.json?metric={m}&origin={o}&destination={d}"
                "&_size=100&_shape=array"
                for m, o, d in t.triples
            ],
            note=f"{len(t.triples):,} triples",
        ),
        Scenario("page of 100, broad filter (CSV)", f"{table}.csv?metric={t.metric}&_size=100"),
        # Its facets come in its default JSON only, which also counts the matches.
        Scenario(
            "facets origin + metric, broad filter (JSON)",
            f"{page}&_facet=origin&_facet=metric",
        ),
        Scenario(
            "facets origin + metric, unfiltered (JSON)",
            f"{table}.json?_size=100&_facet=origin&_facet=metric",
        ),
        *(
            # Its full-text search: an FTS5 table over the same texts but the source's
            # title (not in its table), ranked by relevance.
            Scenario(name, f"{table}.json?_search={word}&_size=100&_shape=array", note=f"q={word}")
            for name, word in (
                ("search, a common word (JSON)", t.common_word),
                ("search, a rare word (JSON)", t.rare_word),
            )
            if word
        ),
        Scenario(
            "series for one pair",
            f"{table}.json?_shape=array&metric={t.metric}&origin={t.origin}"
            f"&destination={t.destination}&_sort=period_start&_size=1000",
        ),
        Scenario(
            "series for one pair, rotated",
            base,
            paths=[
                f"/{db}/observations.json?_shape=array&metric={m}&origin={o}&destination={d}"
                "&_sort=period_start&_size=1000"
                for m, o, d in t.triples
            ],
            note=f"{len(t.triples):,} triples",
        ),
    ]


def datasette_database(rows: int) -> Path:
    """The API's own CSV export loaded with sqlite-utils, with the API's indexes and an
    FTS5 table over the same texts but the source's title (not in its table)."""
    export_csv = DATA / f"export-{rows}.csv"
    api_db = f"sqlite:///{DATA / f'api-{rows}.db'}"
    laborstats("export", str(DATA / f"export-{rows}"), database_url=api_db)
    shutil.copyfile(DATA / f"export-{rows}" / "observations.csv", export_csv)
    db = DATA / f"datasette-{rows}.db"
    db.unlink(missing_ok=True)
    utils = str(BENCH_BIN / "sqlite-utils")
    insert = [utils, "insert", str(db), "observations", str(export_csv), "--csv", "--pk", "id"]
    subprocess.run(insert, check=True)
    for columns in INDEXES:
        subprocess.run([utils, "create-index", str(db), "observations", *columns], check=True)
    subprocess.run(
        [utils, "enable-fts", str(db), "observations", *FTS_COLUMNS, "--fts5"],
        check=True,
    )
    return db


def serve_datasette(db: Path, processes: int) -> tuple[Server, str]:
    """Datasette (bench/datasette_app.py) in uvicorn with `processes` workers: with the
    settings `datasette serve` would be given, and its access log off, as laborstats' is."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BENCH_BIN / "uvicorn"), "datasette_app:app", "--app-dir", str(ROOT / "bench")]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(processes)]
    command += ["--log-level", "warning", "--no-access-log", "--lifespan", "on"]
    environment = {"BENCH_DATASETTE_DATABASE": str(db)}
    return Server(command, environment, f"{base}/-/versions.json"), base


def process_counts(options: Options) -> list[int]:
    """One process, and laborstats' default workers when that is more."""
    return list(dict.fromkeys([1, options.default_workers]))


def labelled(server: str, processes: int) -> str:
    return server if processes == 1 else f"{server}, {processes} processes"


def bench_datasette(rows: int, t: Targets, options: Options) -> list[Run]:
    """Datasette over the API's own export, in one process, then in as many as laborstats'
    default workers (the export and its memory measured in one process only)."""
    db = datasette_database(rows)
    runs = []
    for processes in process_counts(options):
        run = Run(labelled(DATASETTE, processes), rows, processes=processes)
        print(f"... {rows:,} rows, {run.label}", file=sys.stderr, flush=True)
        server, base = serve_datasette(db, processes)
        try:
            httpx.get(f"{base}/{db.stem}/observations.json?metric={t.metric}&_size=100", timeout=60)
            run.memory_at_rest_mb = server.memory_mb()
            scenarios = datasette_scenarios(base, db.stem, t)
            run.results = measure(scenarios, options.seconds, f"{rows}-datasette-{processes}")
            if processes == 1:
                rate, growth, _ = timed_export(
                    f"{base}/{db.stem}/observations.csv?_stream=on&_size=max", server.process.pid
                )
                run.export_rows_per_s, run.export_memory_growth_mb = rate, growth
            run.memory_peak_mb = server.memory_mb("VmHWM")
            run.memory_total_mb = server.total_memory_mb()
        finally:
            server.stop()
        runs.append(run)
    return runs


# The requests the floor answers: laborstats' own, at its paths, with the same lists.
FLOOR_REQUESTS = [
    "observation by id",
    "observation by id, rotated",
    "page of 100, metric + pair (JSON)",
    "page of 100, metric + pair, rotated (JSON)",
    "series for one pair",
    "series for one pair, rotated",
]


def bench_floor(rows: int, t: Targets, options: Options) -> list[Run]:
    """The floor (bench/floor.py) over laborstats' SQLite file, in one process, then in as
    many as laborstats' default workers."""
    database = DATA / f"api-{rows}.db"
    runs = []
    for processes in process_counts(options):
        run = Run(labelled(FLOOR, processes), rows, processes=processes)
        print(f"... {rows:,} rows, {run.label}", file=sys.stderr, flush=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [str(BIN / "python"), str(ROOT / "bench" / "floor.py"), str(database)]
        command += ["--port", str(port), "--workers", str(processes)]
        server = Server(command, {}, f"{base}/healthz")
        try:
            httpx.get(f"{base}/v1/observations/{t.id}", timeout=60)
            run.memory_at_rest_mb = server.memory_mb()
            scenarios = [s for s in api_scenarios(base, t, "") if s.name in FLOOR_REQUESTS]
            run.results = measure(scenarios, options.seconds, f"{rows}-floor-{processes}")
            run.memory_peak_mb = server.memory_mb("VmHWM")
            run.memory_total_mb = server.total_memory_mb()
        finally:
            server.stop()
        runs.append(run)
    return runs


def datasette_serving() -> str:
    """What uvicorn in bench/.venv runs Datasette on: uvloop and httptools if installed
    there (uvicorn's "auto"), else asyncio and h11."""
    code = (
        "from importlib.util import find_spec as f; "
        "print(('uvloop' if f('uvloop') else 'asyncio') + ', ' "
        "+ ('httptools' if f('httptools') else 'h11'))"
    )
    found = subprocess.run([str(BENCH_BIN / "python"), "-c", code], capture_output=True, text=True)
    return found.stdout.strip()


def ensure_py_spy() -> None:
    """py-spy in .venv: a tool of the benchmark, not a dependency of the project."""
    if not (BIN / "py-spy").exists():
        subprocess.run([str(BIN / "pip"), "install", "-q", "py-spy"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark laborstats against Datasette.")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per request")
    parser.add_argument(
        "--workers", type=int, help="Passed to `laborstats serve --workers` (default: not passed)."
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Sample laborstats with py-spy during each request, the import and the export.",
    )
    parser.add_argument(
        "--cases",
        default="spread,one-claim,sdmx",
        help="spread: rows over 500 sources and 2,000 claimants, every measurement; "
        "one-claim: rows that all cite one source and one claimant, the imports alone; "
        "sdmx: a synthetic SDMX-CSV table with its mapping, its import alone.",
    )
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="Measure the imports alone in every case: no server, no Datasette.",
    )
    parser.add_argument(
        "--table", action="store_true", help="Print the tables of the last run, run nothing."
    )
    args = parser.parse_args()
    if args.table:
        print(table(*load_results(RESULTS)))
        return
    cases = args.cases.split(",")
    if unknown := set(cases) - CASES.keys():
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    options = Options(args.seconds, args.workers, args.profile, args.imports_only)
    if options.profile:
        ensure_py_spy()
    settings: dict[str, object] = {
        "cases": args.cases,
        "imports_only": options.imports_only,
        "seconds": options.seconds,
        "workers": options.workers or "default",
        "default_workers": options.default_workers,
        "profile": options.profile,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "datasette_serving": datasette_serving(),
        "floor_serving": ", ".join(serving()),
    }
    runs: list[Run] = []
    for rows in (int(size) for size in args.sizes.split(",")):
        if "spread" in cases:
            folder = data_folder(rows, "spread")
            extra = extra_rows_folder(rows)
            targets = sample_targets(folder)
            for kind in args.databases.split(","):
                print(f"... {rows:,} rows, laborstats on {kind}", file=sys.stderr, flush=True)
                runs += bench_api(kind, rows, folder, extra, targets, options)
                if kind == "sqlite" and not options.imports_only:
                    runs += bench_datasette(rows, targets, options)
                    runs += bench_floor(rows, targets, options)
        if "one-claim" in cases:
            for kind in args.databases.split(","):
                label = f"laborstats on {kind}{ONE_CLAIM}"
                print(f"... {rows:,} rows, {label}", file=sys.stderr, flush=True)
                runs.append(bench_one_claim(kind, rows, options))
        if "sdmx" in cases:
            for kind in args.databases.split(","):
                print(f"... {rows:,} rows, laborstats on {kind}{SDMX}", file=sys.stderr)
                runs.append(bench_sdmx(kind, rows, options))
    save_results(RESULTS, runs, settings)
    print(table(runs, settings))


if __name__ == "__main__":
    main()
