"""What a run of bench/run.py measured, and how it is printed: the figures (Result, Run),
the tables and the targets, each target checked against figures of the same run.

The tables lead with the per-core comparison: laborstats with one worker, Datasette in one
process and the floor (bench/floor.py, a minimal FastAPI app over the same SQLite file) in
one process, each request in a row per server. Then laborstats with its default workers,
against Datasette and the floor given as many processes; then imports, exports, memory."""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Result:
    name: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    note: str = ""


@dataclass
class Run:
    label: str
    rows: int
    results: dict[str, Result] = field(default_factory=dict)
    import_rows_per_s: float = 0.0
    extra_rows: int = 0  # imported into the same database after the main import
    extra_import_rows_per_s: float = 0.0
    # Seconds each batch of observations took, in order (the first includes the import's
    # start: the catalog read, and into an empty table dropping the indexes).
    import_batches: list[float] = field(default_factory=list)
    extra_import_batches: list[float] = field(default_factory=list)
    # What followed the last batch: indexes built (into an empty table), statistics, audit.
    import_finish_s: float = 0.0
    extra_import_finish_s: float = 0.0
    export_rows_per_s: float = 0.0
    export_memory_growth_mb: float = 0.0
    memory_at_rest_mb: float = 0.0  # the largest process
    memory_peak_mb: float = 0.0
    export_gzip_rows_per_s: float = 0.0
    memory_total_mb: float = 0.0  # every process of the server together
    profiles: dict[str, list[str]] = field(default_factory=dict)  # task: top self frames
    # The server's processes (0: not recorded, in a file from before the per-core tables).
    processes: int = 0


ONE_CLAIM = " (one claim)"  # a one-claim run's label ends so
SDMX = " (SDMX-CSV table)"  # and an SDMX table's
# An SDMX-CSV table, cells checked, loads at no less than this share of the one-claim target.
SDMX_SHARE = 0.5
# A batch may take at most this many times the first one (the import must not slow down
# as the table grows).
BATCH_GROWTH = 1.5

# The servers: a run's label is one of these, then ", <n> processes" (", 1 worker" for
# laborstats) when it is not the server's usual count: laborstats' default workers,
# Datasette's and the floor's one process.
DATASETTE = "Datasette on sqlite"
FLOOR = "floor on sqlite"

PAGES = [
    "page of 100, broad filter (JSON)",
    "page of 100, metric + pair (JSON)",
    "page of 100, metric + pair, rotated (JSON)",
]
BY_ID = ["observation by id", "observation by id, rotated"]
BROAD, SELECTIVE = "page of 100, broad filter (JSON)", "page of 100, selective filter (JSON)"
BROAD_DEFAULT = "page of 100, broad filter (default JSON)"  # Datasette's default page
NOT_MODIFIED = "304 on the broad page"
COMMON_WORD, RARE_WORD = "search, a common word (JSON)", "search, a rare word (JSON)"
FACETED = [
    "facets origin + metric, broad filter (JSON)",
    "facets origin + metric, unfiltered (JSON)",
]
COUNTED = "count=true, broad filter (JSON)"
# The rotated reads that the per-core targets are on (issue 24): a different URL each
# request, so that no cache answers them.
ROTATED = [
    "page of 100, metric + pair, rotated (JSON)",
    "observation by id, rotated",
    "series for one pair, rotated",
]
PER_CORE_VS_DATASETTE = 2.5  # laborstats with one worker, rotated reads, SQLite
PER_CORE_VS_FLOOR = 1.5  # the floor's throughput at most this many times laborstats'
POSTGRES_VS_DATASETTE = 1.5  # by id, PostgreSQL, one worker against one process
POSTGRES_PARITY = 1.5  # every PostgreSQL figure within this factor of SQLite's

# A target: what it asks, what this run measured, and whether it is met (None: not measured).
Check = tuple[str, str, bool | None]


def server_of(run: Run) -> str:
    """The server a run measured, without its process count: 'laborstats on sqlite'."""
    return run.label.split(",")[0]


def find_run(runs: list[Run], label: str, rows: int) -> Run | None:
    return next((run for run in runs if run.label == label and run.rows == rows), None)


def find_server(runs: list[Run], server: str, rows: int, processes: int) -> Run | None:
    """The requests measured on `server` at `rows` in `processes` processes."""
    return next(
        (
            run
            for run in runs
            if server_of(run) == server
            and run.rows == rows
            and run.processes == processes
            and run.results
        ),
        None,
    )


def is_default(run: Run) -> bool:
    """laborstats with its default workers (or --workers as given): the run that imports,
    exports, and carries the targets."""
    return run.label.startswith("laborstats") and "," not in run.label


def rps_ratio(ours: Result, theirs: Result | None, who: str) -> str:
    if theirs is None:
        return ""
    if not theirs.rps:
        return f"{who} timed out"
    return f"{ours.rps / theirs.rps:.2f}x"


def _versus(run: Run, name: str, result: Result, reference: Run | None) -> str:
    """`result` over the same request on `reference`; the broad page also over Datasette's
    default page (which counts every match and tries facets)."""
    if reference is None or reference is run:
        return ""
    who = server_of(reference).split()[0]
    ratio = rps_ratio(result, reference.results.get(name), who)
    default = reference.results.get(BROAD_DEFAULT)
    if name == BROAD and default:
        ratio += (
            f", {result.rps / default.rps:.1f}x default" if default.rps else ", default timed out"
        )
    return ratio


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _figures(result: Result) -> list[str]:
    return [
        f"{result.rps:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p99_ms:.1f}",
        str(result.errors),
    ]


def _request(name: str, result: Result) -> str:
    return f"{name} ({result.note})" if result.note else name


PER_CORE_HEADER = (
    "| rows | request | server | req/s | p50 ms | p99 ms | errors | vs Datasette | vs floor |"
)


def _server_order(run: Run) -> int:
    """laborstats first (in the order measured: SQLite, then PostgreSQL), then Datasette,
    then the floor."""
    return {DATASETTE: 1, FLOOR: 2}.get(server_of(run), 0)


def _requests(servers: list[Run]) -> list[str]:
    """Every request of these runs, in the first one's order; a request that only a later
    one measured goes after the one it follows there (Datasette's default page after the
    broad page)."""
    names: list[str] = []
    for run in servers:
        previous = None
        for name in run.results:
            if name not in names:
                names.insert(names.index(previous) + 1 if previous else len(names), name)
            previous = name
    return names


def per_core_table(runs: list[Run]) -> list[str]:
    """Each request on every server in one process, side by side: laborstats with one
    worker, Datasette, the floor; ratios are throughput over Datasette's and the floor's."""
    lines = [PER_CORE_HEADER, "|---:|---|---|---:|---:|---:|---:|---|---|"]
    for rows in sorted({run.rows for run in runs}):
        servers = sorted(
            (run for run in runs if run.rows == rows and run.processes == 1 and run.results),
            key=_server_order,
        )
        datasette = find_server(runs, DATASETTE, rows, 1)
        floor = find_server(runs, FLOOR, rows, 1)
        for name in _requests(servers):
            for run in servers:
                if result := run.results.get(name):
                    cells = [f"{rows:,}", _request(name, result), run.label, *_figures(result)]
                    cells.append(_versus(run, name, result, datasette))
                    cells.append(_versus(run, name, result, floor) if run is not datasette else "")
                    lines.append(_row(cells))
    return lines


DEFAULT_HEADER = (
    "| rows | server | request | req/s | p50 ms | p99 ms | errors | vs Datasette, one process "
    "| vs Datasette, as many processes | vs floor, as many processes |"
)


def default_table(runs: list[Run]) -> list[str]:
    """laborstats with its default workers, and Datasette and the floor with as many
    processes; ratios over Datasette in one process too (the comparison of earlier runs)."""
    lines = [DEFAULT_HEADER, "|---:|---|---|---:|---:|---:|---:|---|---|---|"]
    for run in runs:
        if not is_default(run) or not run.results or run.processes == 1:
            continue
        datasette_one = find_server(runs, DATASETTE, run.rows, 1) or find_run(
            runs, DATASETTE, run.rows
        )
        datasette = find_server(runs, DATASETTE, run.rows, run.processes)
        floor = find_server(runs, FLOOR, run.rows, run.processes)
        for name, result in run.results.items():
            cells = [f"{run.rows:,}", run.label, _request(name, result), *_figures(result)]
            cells.append(_versus(run, name, result, datasette_one))
            cells.append(_versus(run, name, result, datasette))
            cells.append(_versus(run, name, result, floor))
            lines.append(_row(cells))
    shown = {(run.rows, run.processes) for run in runs if is_default(run) and run.processes > 1}
    for run in runs:
        if server_of(run) in (DATASETTE, FLOOR) and (run.rows, run.processes) in shown:
            for name, result in run.results.items():
                cells = [f"{run.rows:,}", run.label, _request(name, result), *_figures(result)]
                lines.append(_row([*cells, "", "", ""]))
    return lines


TOTALS_HEADER = (
    "| rows | server | import rows/s | import of N/10 more rows/s | export rows/s "
    "| export rows/s, gzip | memory growth during export MB "
    "| memory at rest MB, largest process | all processes MB | peak memory MB |"
)


def totals_table(runs: list[Run]) -> list[str]:
    """Imports, exports and memory of the runs that exported (the per-core and
    multi-process runs of the other servers measured requests alone)."""
    lines = [TOTALS_HEADER, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        if not run.export_rows_per_s:
            continue  # a laborstats run of imports alone is in the next table
        imported = f"{run.import_rows_per_s:,.0f}" if run.import_rows_per_s else "(sqlite-utils)"
        extra = f"{run.extra_import_rows_per_s:,.0f}" if run.extra_rows else ""
        gzip = f"{run.export_gzip_rows_per_s:,.0f}" if run.export_gzip_rows_per_s else ""
        cells = [f"{run.rows:,}", run.label, imported, extra, f"{run.export_rows_per_s:,.0f}"]
        cells += [gzip, f"{run.export_memory_growth_mb:.1f}", f"{run.memory_at_rest_mb:.0f}"]
        cells += [f"{run.memory_total_mb:.0f}", f"{run.memory_peak_mb:.0f}"]
        lines.append(_row(cells))
    return lines


def versus_datasette(
    run: Run, datasette: Run | None, name: str, factor: float, per_core: bool = False
) -> Check | None:
    ours = run.results.get(name)
    theirs = datasette.results.get(name) if datasette else None
    if not ours or not theirs:
        return None
    if per_core:
        target = f"per core: {name} ≥ {factor}x Datasette (one worker against its one process)"
    else:
        target = f"{name} ≥ {factor}x Datasette (default workers against its one process)"
    if not theirs.rps:
        return target, f"{ours.rps:,.0f} req/s; Datasette timed out", True
    ratio = ours.rps / theirs.rps
    return target, f"{ratio:.2f}x ({ours.rps:,.0f} vs {theirs.rps:,.0f} req/s)", ratio >= factor


def within_floor(run: Run, floor: Run | None, name: str) -> Check | None:
    """The floor's throughput over laborstats': at most PER_CORE_VS_FLOOR."""
    ours = run.results.get(name)
    theirs = floor.results.get(name) if floor else None
    if not ours or not theirs:
        return None
    target = f"per core: {name} within {PER_CORE_VS_FLOOR}x of the floor (floor / laborstats)"
    ratio = theirs.rps / ours.rps if ours.rps else math.inf
    measured = f"{ratio:.2f}x ({theirs.rps:,.0f} vs {ours.rps:,.0f} req/s)"
    return target, measured, ratio <= PER_CORE_VS_FLOOR


def latency(run: Run, name: str, percentile: str, limit_ms: float) -> Check | None:
    """A p50 or p99 of `name` under `limit_ms`."""
    result = run.results.get(name)
    if not result:
        return None
    measured = result.p50_ms if percentile == "p50" else result.p99_ms
    return f"{name}: {percentile} < {limit_ms:g} ms", f"{measured:.1f} ms", measured < limit_ms


def ratio_at_most(target: str, ours: float, reference: float, limit: float, unit: str) -> Check:
    ratio = ours / reference if reference else math.inf
    return target, f"{ratio:.2f}x ({ours:,.1f} vs {reference:,.1f} {unit})", ratio <= limit


def ratio_at_least(target: str, ours: float, reference: float, limit: float, unit: str) -> Check:
    ratio = ours / reference if reference else math.inf
    return target, f"{ratio:.2f}x ({ours:,.0f} vs {reference:,.0f} {unit})", ratio >= limit


def parity(target: str, figures: dict[str, tuple[float, float]]) -> Check:
    """SQLite's figure over PostgreSQL's (each a rate: higher is better), at most
    POSTGRES_PARITY on each; `figures` (not empty) maps a name to (sqlite, postgres)."""
    ratios = {name: s / p if p else math.inf for name, (s, p) in figures.items()}
    over = [name for name, ratio in ratios.items() if ratio > POSTGRES_PARITY]
    if over:
        measured = f"over {POSTGRES_PARITY}x: " + ", ".join(
            f"{name} {ratios[name]:.2f}x ({figures[name][0]:,.0f} vs {figures[name][1]:,.0f})"
            for name in over
        )
    else:
        widest = max(ratios, key=lambda name: ratios[name])
        count = f"{len(ratios)} figure" + ("s" if len(ratios) > 1 else "")
        measured = f"{count} within; widest: {widest} {ratios[widest]:.2f}x"
    return target, measured, not over


def postgres_parity(postgres: Run, sqlite: Run) -> Check:
    """SQLite's import rate over PostgreSQL's, at most 1.5 on each import figure."""
    figures = {"import rows/s": (sqlite.import_rows_per_s, postgres.import_rows_per_s)}
    if sqlite.extra_rows and postgres.extra_rows:
        figures["import of N/10 more rows/s"] = (
            sqlite.extra_import_rows_per_s,
            postgres.extra_import_rows_per_s,
        )
    target = f"import on PostgreSQL within {POSTGRES_PARITY}x of SQLite (sqlite/postgres)"
    return parity(target, figures)


def read_parity(postgres: Run | None, sqlite: Run | None, how: str) -> Check | None:
    """Every request measured on both, req/s, and the export with it when both have one."""
    if not postgres or not sqlite:
        return None
    figures = {
        name: (result.rps, postgres.results[name].rps)
        for name, result in sqlite.results.items()
        if name in postgres.results
    }
    if sqlite.export_rows_per_s and postgres.export_rows_per_s:
        figures["export rows/s"] = (sqlite.export_rows_per_s, postgres.export_rows_per_s)
    target = f"{how}every read on PostgreSQL within {POSTGRES_PARITY}x of SQLite (sqlite/postgres)"
    return parity(target, figures) if figures else None


def batch_growth(name: str, batches: list[float]) -> Check:
    """No batch of an import slower than its first by more than BATCH_GROWTH."""
    target = f"{name}: no batch slower than the first by more than {BATCH_GROWTH}x"
    if not batches:
        return target, "not measured", None
    slowest = max(range(len(batches)), key=lambda i: batches[i])
    ratio = batches[slowest] / batches[0]
    measured = (
        f"{ratio:.2f}x (batch {slowest + 1} of {len(batches):,}: {batches[slowest]:.3f} s, "
        f"the first {batches[0]:.3f} s)"
    )
    return target, measured, ratio <= BATCH_GROWTH


def import_checks(run: Run) -> list[Check]:
    """The import targets: rates, and batches that do not slow down as the table grows."""
    checks: list[Check] = []
    rate = run.import_rows_per_s
    checks.append(("import into an empty database ≥ 50,000 rows/s", f"{rate:,.0f}", rate >= 50_000))
    target = "import of N/10 more rows ≥ 20,000 rows/s"
    if run.extra_rows:
        rate = run.extra_import_rows_per_s
        checks.append((target, f"{rate:,.0f} ({run.extra_rows:,} rows)", rate >= 20_000))
    else:
        checks.append((target, "not measured (generate.py has no --extra)", None))
    checks.append(batch_growth("import into an empty database", run.import_batches))
    if run.extra_rows:
        checks.append(batch_growth("import of N/10 more rows", run.extra_import_batches))
    return checks


def sdmx_checks(run: Run) -> list[Check]:
    """An SDMX-CSV table's import: at least half the one-claim rate, batches steady."""
    floor = 50_000 * SDMX_SHARE
    rate = run.import_rows_per_s
    target = f"SDMX-CSV table, cells checked, into an empty database ≥ {floor:,.0f} rows/s"
    return [
        (target, f"{rate:,.0f}", rate >= floor),
        batch_growth("SDMX-CSV table", run.import_batches),
    ]


def per_core_checks(run: Run, runs: list[Run]) -> list[Check | None]:
    """Issue 24's targets on one process each, rotated requests: on SQLite 2.5x Datasette
    and within 1.5x of the floor; on PostgreSQL by id 1.5x Datasette, every read within
    1.5x of SQLite's."""
    ours = find_server(runs, server_of(run), run.rows, 1)
    if ours is None:
        return []
    datasette = find_server(runs, DATASETTE, run.rows, 1)
    if server_of(run) == "laborstats on postgres":
        sqlite = find_server(runs, "laborstats on sqlite", run.rows, 1)
        return [
            versus_datasette(ours, datasette, BY_ID[1], POSTGRES_VS_DATASETTE, per_core=True),
            read_parity(ours, sqlite, "per core: "),
        ]
    floor = find_server(runs, FLOOR, run.rows, 1)
    checks: list[Check | None] = []
    checks += [
        versus_datasette(ours, datasette, name, PER_CORE_VS_DATASETTE, per_core=True)
        for name in ROTATED
    ]
    checks += [within_floor(ours, floor, name) for name in ROTATED]
    return checks


def latency_checks(run: Run) -> list[Check | None]:
    """Issue 24's latencies, with the default workers."""
    checks: list[Check | None] = [latency(run, name, "p99", 100) for name in PAGES]
    checks += [latency(run, name, "p99", 30) for name in BY_ID]
    checks += [latency(run, COMMON_WORD, "p50", 50), latency(run, COMMON_WORD, "p99", 200)]
    checks.append(latency(run, RARE_WORD, "p50", 20))
    checks += [latency(run, name, "p50", 50) for name in FACETED]
    checks.append(latency(run, COUNTED, "p99", 100))
    return checks


def checks_for(run: Run, runs: list[Run]) -> list[Check]:
    """The targets for one laborstats run with its default workers, from this run's
    figures: per core first, then with the default workers, then imports and memory."""
    sqlite = find_run(runs, run.label.replace(" on postgres", " on sqlite"), run.rows)
    parity = [postgres_parity(run, sqlite)] if " on postgres" in run.label and sqlite else []
    if run.label.endswith(SDMX):
        return sdmx_checks(run) + parity
    if run.label.endswith(ONE_CLAIM) or not run.results:  # its imports alone were measured
        return import_checks(run) + parity
    datasette = find_server(runs, DATASETTE, run.rows, 1) or find_run(runs, DATASETTE, run.rows)
    broad, selective = run.results.get(BROAD), run.results.get(SELECTIVE)
    not_modified = run.results.get(NOT_MODIFIED)
    checks = per_core_checks(run, runs)
    checks += latency_checks(run)
    checks += [versus_datasette(run, datasette, name, 2) for name in PAGES]
    checks += [versus_datasette(run, datasette, name, 1.5) for name in BY_ID]
    checks.append(versus_datasette(run, datasette, "series for one pair", 2))
    export, growth = run.export_rows_per_s, run.export_memory_growth_mb
    checks.append(("export ≥ 100,000 rows/s", f"{export:,.0f}", export >= 100_000))
    checks.append(("export: memory growth < 50 MB", f"{growth:.1f} MB", growth < 50))
    checks += import_checks(run)
    if not_modified and broad:
        target = "304 ≥ 3x the full broad page"
        checks.append(ratio_at_least(target, not_modified.rps, broad.rps, 3, "req/s"))
    if broad and selective:
        target = "broad page p50 ≤ 1.5x selective p50"
        checks.append(ratio_at_most(target, broad.p50_ms, selective.p50_ms, 1.5, "ms"))
    sizes = sorted({r.rows for r in runs})
    smallest = find_run(runs, run.label, sizes[0])
    small_broad = smallest.results.get(BROAD) if smallest and smallest is not run else None
    if run.rows == sizes[-1] and broad and small_broad:
        target = f"broad page p50 at {run.rows:,} ≤ 1.5x p50 at {sizes[0]:,} rows"
        checks.append(ratio_at_most(target, broad.p50_ms, small_broad.p50_ms, 1.5, "ms"))
    if " on postgres" in run.label:
        checks.append(read_parity(run, sqlite, "default workers: "))
    checks += parity
    at_rest = run.memory_at_rest_mb
    checks.append(("memory at rest < 150 MB per process", f"{at_rest:.0f} MB", at_rest < 150))
    return [check for check in checks if check]


IMPORTS_HEADER = (
    "| rows | server | import | rows/s | seconds | batches: first | median | slowest "
    "| slowest / first | last | after the last batch s |"
)


def imports_table(runs: list[Run]) -> list[str]:
    """Every laborstats import of this run, with its batch times."""
    lines = [IMPORTS_HEADER, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        if not run.label.startswith("laborstats"):
            continue
        imports = [("into an empty database", run.rows, run.import_rows_per_s)]
        imports += [("of N/10 more rows", run.extra_rows, run.extra_import_rows_per_s)]
        batches = [
            (run.import_batches, run.import_finish_s),
            (run.extra_import_batches, run.extra_import_finish_s),
        ]
        for (name, rows, rate), (times, finish_s) in zip(imports, batches, strict=True):
            if not rows or not rate:
                continue
            cells = [f"{run.rows:,}", run.label, f"{name} ({rows:,} rows)", f"{rate:,.0f}"]
            cells.append(f"{rows / rate:.1f}")
            if times:
                slowest = max(times)
                cells += [f"{times[0]:.3f}", f"{sorted(times)[len(times) // 2]:.3f}"]
                cells += [f"{slowest:.3f}", f"{slowest / times[0]:.2f}x", f"{times[-1]:.3f}"]
                cells.append(f"{finish_s:.1f}")
            else:
                cells += [""] * 6
            lines.append(_row(cells))
    return lines


def targets_table(runs: list[Run]) -> str:
    """The targets at the largest size measured (the issue sets them at 1,000,000 rows);
    smaller sizes enter only as the base of the p50 comparison."""
    largest = max((run.rows for run in runs), default=0)
    lines = ["| rows | database | target | measured | met? |", "|---:|---|---|---|---|"]
    for run in runs:
        if not is_default(run) or run.rows != largest:
            continue
        database = run.label.removeprefix("laborstats on ")
        for target, measured, met in checks_for(run, runs):
            verdict = {True: "met", False: "missed", None: "n/a"}[met]
            lines.append(f"| {run.rows:,} | {database} | {target} | {measured} | {verdict} |")
    return "\n".join(lines)


def settings_lines(runs: list[Run], settings: dict[str, object]) -> list[str]:
    """How the servers ran, in a sentence each."""
    if not settings:
        return []
    if settings.get("imports_only"):
        lines = [f"Imports only, no server; run {settings['date']}."]
    else:
        workers = settings["workers"]
        default = settings.get("default_workers")
        lines = [
            f"laborstats serve --workers: {workers}"
            + (f" ({default}) and 1" if default and default != 1 else "")
            + f"; wrk 2 threads, 16 connections, {settings['seconds']} s per request; "
            f"run {settings['date']}."
        ]
        if serving := settings.get("datasette_serving"):
            lines.append(f"Datasette: uvicorn with {serving}, access log off.")
        if serving := settings.get("floor_serving"):
            lines.append(
                f"The floor (bench/floor.py: FastAPI, sqlite3, orjson): uvicorn with {serving}."
            )
    if settings["profile"]:
        lines += ["py-spy sampled laborstats during this run: its figures include that cost."]
    if any(run.extra_rows for run in runs) and not settings.get("imports_only"):
        lines += ["Requests ran after the extra import: each database held rows + rows/10."]
    return [*lines, ""]


def table(runs: list[Run], settings: dict[str, object]) -> str:
    lines = settings_lines(runs, settings)
    if any(run.processes == 1 and run.results for run in runs):
        lines += ["Per core: one process each", "", *per_core_table(runs), ""]
    if any(is_default(run) and run.results and run.processes != 1 for run in runs):
        lines += ["With laborstats' default workers", "", *default_table(runs), ""]
    if any(run.export_rows_per_s for run in runs):
        lines += [*totals_table(runs), ""]
    lines += imports_table(runs)
    if any(run.profiles for run in runs):
        lines += [
            "",
            "| rows | server | profiled | top frames by self share |",
            "|---:|---|---|---|",
        ]
        for run in runs:
            for task, frames in run.profiles.items():
                lines.append(f"| {run.rows:,} | {run.label} | {task} | {'; '.join(frames)} |")
    lines += ["", "Targets", "", targets_table(runs)]
    return "\n".join(lines)


def load_results(path: Path) -> tuple[list[Run], dict[str, object]]:
    """The runs and settings saved by the last run (an older file holds only the runs; a
    file from before the per-core tables has no process counts: Datasette ran one)."""
    saved = json.loads(path.read_text())
    if isinstance(saved, list):
        saved = {"settings": {}, "runs": saved}
    runs = []
    for item in saved["runs"]:
        results = {k: Result(**v) for k, v in item.pop("results").items()}
        run = Run(**item, results=results)
        if not run.processes and run.label == DATASETTE:
            run.processes = 1
        runs.append(run)
    return runs, saved["settings"]


def save_results(path: Path, runs: list[Run], settings: dict[str, object]) -> None:
    saved = [
        run.__dict__ | {"results": {k: v.__dict__ for k, v in run.results.items()}} for run in runs
    ]
    path.write_text(json.dumps({"settings": settings, "runs": saved}, indent=2))
