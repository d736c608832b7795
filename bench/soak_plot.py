"""The minutes of a soak run (bench/soak.py): the figures of each minute, the verdicts on
their drift, and the plot, small Vega-Lite panels one above the other rendered to SVG with
vl-convert-python: latency, requests and errors, memory per server process, open files and
database connections, and the WAL."""

import math
import os
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import vl_convert as vlc
from run import process_tree, rss_each_mb

WIDTH, HEIGHT = 560, 120
LATE_MS = 1000  # a request sent this long after its time: every client thread was busy


@dataclass
class Result:
    """One request: what it was, its answer (None: no answer) and how long it took."""

    kind: str
    write: bool
    status: int | None
    ms: float
    lag_ms: float  # how late it was sent
    unexpected: bool
    refusal: bool = False  # refused, as the soak meant it to be (a stale edit, a bad import)


def verdict(passed: bool, detail: str) -> dict[str, str]:
    return {"status": "pass" if passed else "fail", "detail": detail}


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the least value that `share` of them are at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


def latencies(results: list[Result]) -> dict[str, float | None]:
    """p50 and p99 of all, of reads and of writes (a request with no answer has none)."""
    answered = [r for r in results if r.status is not None]
    groups = {"": answered, "reads_": [r for r in answered if not r.write]}
    groups["writes_"] = [r for r in answered if r.write]
    found: dict[str, float | None] = {}
    for prefix, chosen in groups.items():
        found[f"{prefix}p50_ms"] = percentile([r.ms for r in chosen], 0.50)
        found[f"{prefix}p99_ms"] = percentile([r.ms for r in chosen], 0.99)
    return found


def minute_row(minute: int, results: list[Result], sample: dict[str, Any]) -> dict[str, Any]:
    """The requests answered in the minute, and what the server held at its end."""
    statuses = answers(results)
    return {
        "minute": minute,
        "requests": len(results),
        "statuses": statuses,
        "errors_5xx": sum(1 for r in results if r.status and r.status >= 500),
        "transport_errors": statuses.get("transport", 0),
        "unexpected": sum(r.unexpected for r in results),
        "expected_refusals": sum(r.refusal for r in results),
        **latencies(results),
        "late": sum(1 for r in results if r.lag_ms > LATE_MS),
        "max_lag_ms": round(max((r.lag_ms for r in results), default=0.0), 1),
        **sample,
    }


def answers(results: list[Result]) -> dict[str, int]:
    """How many of each status ("transport": no answer)."""
    counted = Counter("transport" if r.status is None else str(r.status) for r in results)
    return dict(sorted(counted.items()))


def by_kind(results: list[Result]) -> dict[str, Any]:
    """For each kind of request: how many, p50 and p99, and the answers."""
    kinds: dict[str, list[Result]] = {}
    for result in results:
        kinds.setdefault(result.kind, []).append(result)
    found = {}
    for kind, chosen in sorted(kinds.items()):
        ms = [r.ms for r in chosen if r.status is not None]
        found[kind] = {"requests": len(chosen), "p50_ms": percentile(ms, 0.5)}
        found[kind] |= {"p99_ms": percentile(ms, 0.99), "statuses": answers(chosen)}
    return found


def describe(row: dict[str, Any]) -> str:
    """The minute in one line."""

    def ms(name: str) -> str:
        return "-" if row[name] is None else f"{row[name]:.0f}"

    written = f" ({row['wal_written_mb']:.0f} MB written)" if "wal_written_mb" in row else ""
    return (
        f"minute {row['minute']:>3}: {row['requests']:>5} requests, {row['errors_5xx']} 5xx, "
        f"{row['transport_errors']} transport, {row['unexpected']} unexpected, "
        f"{row['expected_refusals']} refused as meant | p50 {ms('p50_ms')} p99 {ms('p99_ms')} "
        f"ms (reads {ms('reads_p99_ms')}, writes {ms('writes_p99_ms')}) | RSS "
        f"{row['rss_mb']:.0f} MB | fds {row['fds']} | DB connections {row['db_connections']} "
        f"| WAL {row['wal_mb']:.1f} MB{written} | late {row['late']}"
    )


def flatness(values: list[float | None], name: str) -> dict[str, Any]:
    """Flat from minute 5 to the end: the median of the last 5 minutes within 20% of the
    median of minutes 5-10 (one minute's p99 is noisy, so that is the verdict); and, for
    information, the max / min of every minute from minute 5."""
    steady = [v for v in values[4:] if v]
    spread = round(max(steady) / min(steady), 3) if steady else None
    found: dict[str, Any] = {"max_over_min_from_minute_5": spread}
    if len(values) < 15:
        why = f"{name}: needs 15 minutes or more (minutes 5-10 against the last 5)"
        return found | {"status": "n/a", "detail": f"{why}; this run has {len(values)}"}
    early = statistics.median(v for v in values[4:10] if v is not None)
    late = statistics.median(v for v in values[-5:] if v is not None)
    ratio = late / early
    found |= {"minutes_5_10_median": early, "last_5_median": late, "ratio": round(ratio, 3)}
    detail = f"{name}: median of the last 5 minutes / of minutes 5-10 = {late:.1f} / {early:.1f}"
    return found | verdict(0.8 <= ratio <= 1.2, f"{detail} = {ratio:.2f}; max/min {spread}")


# What the server holds.


class Monitor:
    """What the server holds: each process's memory and open files (from /proc), its
    database connections, and the WAL."""

    def __init__(self, server_pid: int, database: str, pg_admin: str | None) -> None:
        """`database`: the SQLite file's path; or with `pg_admin` (where to connect, to
        another database: this connection is not counted), the PostgreSQL database's name."""
        self.pid, self.database, self.pg = server_pid, database, None
        if pg_admin:
            self.pg = psycopg.connect(pg_admin, autocommit=True)
            self.lsn = self.pg.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]  # type: ignore[index]

    def sample(self) -> dict[str, Any]:
        processes, files = [], []
        for pid in process_tree(self.pid):
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:  # ended meanwhile
                continue
            files += [readlink(f"/proc/{pid}/fd/{fd}") for fd in fds]
            rss = sum(rss_each_mb([pid]))
            processes.append({"pid": pid, "rss_mb": round(rss, 1), "fds": len(fds)})
        found = {"processes": processes, "rss_mb": round(sum(p["rss_mb"] for p in processes), 1)}
        found["fds"] = sum(p["fds"] for p in processes)
        return found | (self.postgres() if self.pg else self.sqlite(files))

    def sqlite(self, files: list[str]) -> dict[str, Any]:
        """Each connection holds the database file open once."""
        wal = Path(f"{self.database}-wal")
        size = wal.stat().st_size if wal.exists() else 0
        return {"db_connections": files.count(self.database), "wal_mb": round(size / 2**20, 2)}

    def postgres(self) -> dict[str, Any]:
        """pg_wal's size, and the WAL written since the last sample (by the whole cluster:
        any other database's writes count too)."""
        assert self.pg is not None
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        connections = self.pg.execute(query, [self.database]).fetchone()[0]  # type: ignore[index]
        query = "SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()"
        wal_dir = self.pg.execute(query).fetchone()[0]  # type: ignore[index]
        query = "SELECT pg_current_wal_lsn()::text, pg_wal_lsn_diff(pg_current_wal_lsn(), %s)"
        self.lsn, written = self.pg.execute(query, [self.lsn]).fetchone()  # type: ignore[misc]
        return {"db_connections": connections, "wal_mb": round(int(wal_dir) / 2**20, 2),
                "wal_written_mb": round(float(written) / 2**20, 2)}  # fmt: skip

    def close(self) -> None:
        if self.pg:
            self.pg.close()


def readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:  # closed meanwhile
        return ""


# The plot.


def panel(title: str, subtitle: str, unit: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One line per series over the minutes; `rows` are {minute, series, value}."""
    return {
        "title": {"text": title, "subtitle": subtitle, "anchor": "start", "fontSize": 12},
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": rows},
        "mark": {"type": "line", "point": {"size": 18}, "tooltip": True},
        "encoding": {
            "x": {
                "field": "minute",
                "type": "ordinal",
                "title": "Minute",
                "axis": {"labelAngle": 0},
            },
            "y": {"field": "value", "type": "quantitative", "title": unit},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "right", "labelLimit": 240},
            },
        },
    }


def series(minutes: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """{minute, series, value} for each field of `names` (field: label) that has a value."""
    return [
        {"minute": row["minute"], "series": label, "value": row[name]}
        for row in minutes
        for name, label in names.items()
        if row.get(name) is not None
    ]


def per_process(minutes: list[dict[str, Any]], field: str, label: str) -> list[dict[str, Any]]:
    """A series for each server process (a worker replaced is a new one)."""
    return [
        {"minute": row["minute"], "series": f"{label}, pid {p['pid']}", "value": p[field]}
        for row in minutes
        for p in row["processes"]
    ]


def soak_svg(summary: dict[str, Any]) -> str:
    minutes, settings = summary["minutes"], summary["settings"]
    database = settings["database"]
    wal = {"wal_mb": "the -wal file"}
    if database == "postgres":
        wal = {"wal_mb": "pg_wal", "wal_written_mb": "written in the minute (whole cluster)"}
    latency = {"p50_ms": "p50", "p99_ms": "p99", "reads_p99_ms": "p99, reads"}
    latency["writes_p99_ms"] = "p99, writes"
    counts = {"requests": "requests", "errors_5xx": "5xx", "transport_errors": "no answer"}
    counts |= {"unexpected": "not as expected", "expected_refusals": "refused as meant"}
    counts["late"] = "sent over 1 s late"
    panels = [
        panel(
            "Latency", "From sending to the last byte of the body", "ms", series(minutes, latency)
        ),
        panel(
            "Requests and errors",
            "Refused as meant: edits from an old copy (412/409), bad imports (4xx)",
            "per minute",
            series(minutes, counts),
        ),
        panel(
            "Memory",
            "RSS of each server process, from /proc, at the end of each minute",
            "MB",
            per_process(minutes, "rss_mb", "RSS") + series(minutes, {"rss_mb": "RSS, all"}),
        ),
        panel(
            "Open files and database connections",
            "File descriptors of each server process; connections to the soak's database",
            "count",
            per_process(minutes, "fds", "fds")
            + series(minutes, {"db_connections": "database connections"}),
        ),
        panel(
            "WAL",
            "Its size at the end of each minute; on PostgreSQL also what was written in it",
            "MB",
            series(minutes, wal),
        ),
    ]
    failed = [name for name, found in summary["verdicts"].items() if found["status"] == "fail"]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "A soak run of laborstats, minute by minute (bench/soak.py).",
        "title": {
            "text": f"Soak run: laborstats on {database}, {settings['minutes']} min at "
            f"{float(settings['rate']):g} requests/s",
            "subtitle": [
                f"Started with the seed and {int(settings['rows']):,} SYNTHETIC rows; "
                f"{settings['workers']} worker(s); {settings['date']}. About 85 requests in "
                "100 read; the writes are spread over the run.",
                "Verdicts: " + ("all passed." if not failed else "failed: " + ", ".join(failed)),
            ],
            "anchor": "start",
        },
        "vconcat": panels,
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "spacing": 18,
        "config": {"view": {"stroke": None}, "axis": {"gridOpacity": 0.4}},
    }
    return vlc.vegalite_to_svg(spec)
