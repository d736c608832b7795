"""A soak run of the API: `laborstats serve` under a steady, mixed load for a long while, on
SQLite or PostgreSQL, to see whether anything drifts (latency, memory, open files, database
connections, the WAL) and whether every write it accepted is kept. A benchmark, not a test:
it talks to 127.0.0.1 only, and stops by itself. From the repository's folder:

    bash bench/soak --database sqlite --minutes 30 --plot-to docs/soak-sqlite.svg
    .venv/bin/python bench/soak.py --database postgres --minutes 30 --rate 20 --rows 20000

It loads the seed and --rows of bench/generate.py's SYNTHETIC rows (every source, claimant
and quote says so; their ids moved past the seed's, their quotes worded to agree with
`laborstats check`), creates editor tokens and starts the server. Then it sends --rate
requests a second on a fixed schedule (bench/soak_traffic.py): open loop, each sent when
its time comes, answered or not; latency runs from sending to the last byte of the body.
About 85 in 100 read (pages followed by their cursor, by id, by id with If-None-Match,
series, search, facets, CSV slices, the change feed, lists, drafts); the others write,
spread over the run: edits by several editors with If-Match (an observation not yet read
is read first, a read outside the schedule), some of them from an old copy, which must be
refused with 412 or 409; retractions, small imports, bad imports (refused whole) and
drafts; every 2 minutes, a large import and a whole export. The rate limits are off: every
request comes from one address. Each minute goes to minutes.jsonl and one printed line.

At the end it checks the data: every accepted write is in its history, every refused one
left nothing, `laborstats check` exits 0, an export restored into a new database exports
again byte for byte. It stops the server with SIGTERM (which must exit 0), writes
summary.json and soak.svg into --out (bench/soak_plot.py), and exits 0 only if every
verdict passes."""

import argparse
import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from generate import write_dataset
from psycopg import sql
from run import BIN, DATA, LIMITS_OFF, Targets, free_port, laborstats, sample_targets
from soak_plot import flatness, soak_svg, verdict
from soak_traffic import (
    BAD_IMPORT_SOURCE,
    EDITORS,
    HEAVY,
    HEAVY_EVERY_S,
    ID_OFFSET,
    IMPORT_SOURCE,
    MIX,
    OPS,
    PG_ADMIN,
    PG_URL,
    POOL_SIZE,
    SEED,
    SOURCE_OFFSET,
    Batch,
    Edited,
    Pool,
    Traffic,
    Write,
    import_csv,
    import_rows,
    run_traffic,
)

# The database, the server and what it holds.


@dataclass
class Database:
    kind: str  # sqlite or postgres
    url: str  # DATABASE_URL
    name: str  # the PostgreSQL database, or the SQLite file


def create_database(kind: str, out: Path, name: str) -> Database:
    if kind == "sqlite":
        for old in out.glob(f"{name}.db*"):
            old.unlink()
        return Database(kind, f"sqlite:///{out / name}.db", f"{out / name}.db")
    database = f"soak_{os.getpid()}_{name}"
    created = Database(kind, PG_URL.format(name=database), database)
    drop_database(created)
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return created


def drop_database(database: Database) -> None:
    if database.kind == "postgres":
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(statement.format(sql.Identifier(database.name)))


def start_server(
    database: Database, options: argparse.Namespace
) -> tuple[subprocess.Popen[bytes], str]:
    """`laborstats serve`, logging to server.log; and its base URL, once /healthz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Every request comes from one address at a rate the soak sets: limits off, as in run.py.
    environment = {**os.environ, "DATABASE_URL": database.url, "LOG_FORMAT": "json", **LIMITS_OFF}
    command = [str(BIN / "laborstats"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(options.workers)]
    with (options.out / "server.log").open("wb") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not start: see {options.out / 'server.log'}")


# The starting data: the seed, and generate.py's SYNTHETIC rows.

HEDGES = {
    "exact": "at {}",
    "approximate": "at about {}",
    "at_least": "at over {}",
    "at_most": "at up to {}",
}
INFERRED_DATE = "SYNTHETIC: the date of the generated report, which its quote does not give."
INFERRED_START = "SYNTHETIC: an open period, whose first day the quote does not give."


def synthetic_dataset(rows: int, out: Path) -> Path:
    """generate.py's rows, their ids moved past the seed's, and two sources of the soak's
    own (what its imports cite)."""
    raw, ready = out / "synthetic-raw", out / "synthetic"
    write_dataset(rows, raw)
    ready.mkdir()
    shutil.copyfile(raw / "metrics.csv", ready / "metrics.csv")
    added = [
        {
            "id": number,
            "title": f"SYNTHETIC soak {name}",
            "type": "news_report",
            "notes": f"SYNTHETIC: the soak's {name}s cite it.",
        }
        for number, name in ((IMPORT_SOURCE, "import"), (BAD_IMPORT_SOURCE, "bad import"))
    ]
    rewrite(raw / "sources.csv", ready / "sources.csv", shifted_source, added)
    rewrite(raw / "observations.csv", ready / "observations.csv", checked_observation, [])
    return ready


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[dict[str, str]], dict[str, str]],
    added: list[dict[str, Any]],
) -> None:
    with source.open(newline="", encoding="utf-8") as stream:
        rows = [change(row) for row in csv.DictReader(stream)]
    with target.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), restval="")
        writer.writeheader()
        writer.writerows([*rows, *added])


def shifted_source(row: dict[str, str]) -> dict[str, str]:
    return row | {k: str(int(row[k]) + SOURCE_OFFSET) for k in ("id", "relayed_through") if row[k]}


def checked_observation(row: dict[str, str]) -> dict[str, str]:
    """The row, its ids moved, and its quote worded as `laborstats check` reads it: the
    qualifier's words before the figure; the report's date, and an open period's first
    day, which the quote does not give, marked inferred."""
    offsets = {"id": ID_OFFSET, "part_of": ID_OFFSET, "source_id": SOURCE_OFFSET}
    row |= {name: str(int(row[name]) + offset) for name, offset in offsets.items() if row[name]}
    if row["qualifier"] == "range":
        figure = f"between {int(row['lower_bound']):,} and {int(row['upper_bound']):,}"
    else:
        figure = HEDGES[row["qualifier"]].format(f"{int(row['value']):,}")
    before, after = row["quote"].split(" at about ", 1)  # "... at about 12,345 for 2020 ..."
    row["quote"] = f"{before} {figure} {after.split(' ', 1)[1]}"
    inferred = {"reported_on": INFERRED_DATE} | (
        {} if row["period_end"] else {"period": INFERRED_START}
    )
    return row | {"inferred": json.dumps(inferred)}


def edit_pools(folder: Path, targets: Targets) -> dict[str, Pool]:
    """Each editor's own observations: plain figures, neither a total with parts nor a
    part, nor revised in the data (each is then at revision 1); and taken out of the ids
    the reads ask for, so that the ETags of those hold."""
    with (folder / "observations.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    times = Counter(row["id"] for row in rows)
    totals = {row["part_of"] for row in rows if row["part_of"]}
    editable = [
        Edited(int(row["id"]), int(row["value"]))
        for row in rows
        if row["qualifier"] in ("approximate", "exact")
        and not row["part_of"]
        and times[row["id"]] == 1
        and row["id"] not in totals
    ]
    random.Random(SEED).shuffle(editable)
    size = min(POOL_SIZE, len(editable) // (len(EDITORS) + 1))
    pools = {e: Pool(editable[n * size : (n + 1) * size]) for n, e in enumerate(EDITORS)}
    edited = {item.id for pool in pools.values() for item in pool.items}
    targets.ids = [i for i in targets.ids if i not in edited]
    return pools


# The checks at the end.


def check_writes(client: httpx.Client, traffic: Traffic) -> dict[str, dict[str, str]]:
    """Every accepted write is in its observation's history, by its editor; and the history
    holds nothing else (a refused write would have added a revision)."""
    accepted: dict[int, list[Write]] = {}
    for write in traffic.accepted:
        accepted.setdefault(write.id, []).append(write)
    missing, extra = [], []
    checked = [item for item in traffic.touched.values() if item.id not in traffic.uncertain]
    for item in checked:
        history = client.get(f"/v1/observations/{item.id}/history").json()["data"]
        revisions = {entry["revision"]: entry for entry in history}
        for write in accepted.get(item.id, []):
            entry = revisions.get(write.revision, {})
            if (entry.get("action"), entry.get("recorded_by")) != (write.action, write.editor):
                missing.append(f"{item.id} r{write.revision} ({write.action} by {write.editor})")
        expected = {1} | {write.revision for write in accepted.get(item.id, [])}
        if set(revisions) != expected or max(revisions) != item.revision:
            extra.append(f"{item.id}: revisions {sorted(revisions)}, expected {sorted(expected)}")
    lost = [f"{w.id} r{w.revision} by {w.editor}" for w in traffic.lost_updates]
    refused = sum(1 for w in traffic.refused if w.id not in traffic.uncertain)
    found = f"{len(traffic.accepted)} edits and retractions of {len(checked)} observations"
    return {
        "writes_in_history": verdict(
            bool(checked) and not missing, f"{found}; missing: {missing[:10]}"
        ),
        "refused_edits_left_nothing": verdict(
            refused > 0 and not extra and not lost,
            f"{refused} edits from an old copy refused; other revisions: {extra[:10]}; edits "
            f"from an old copy kept: {lost[:10]}; left out (no answer): {len(traffic.uncertain)}",
        ),
    }


def feed_changes(client: httpx.Client, since: str) -> dict[str, list[int]]:
    """The observations created or revised since `since`, by the reason of the revision."""
    changed: dict[str, list[int]] = {}
    cursor: str | None = since
    while cursor:
        params = {"since": cursor, "kind": "observation", "limit": 1000}
        page = client.get("/v1/changes", params=params).json()
        for change in page["data"]:
            changed.setdefault(change["reason"], []).append(change["id"])
        cursor = page["meta"]["next_cursor"]
    return changed


def source_rows(client: httpx.Client, source: int) -> int:
    params = {"source": source, "include_retracted": "true", "count": "true", "limit": 1}
    return int(client.get("/v1/observations", params=params).json()["meta"]["total"])


def check_imports(
    client: httpx.Client, traffic: Traffic, bad_before: int, exported: list[dict[str, str]]
) -> dict[str, dict[str, str]]:
    """Each accepted import wrote its rows: the change feed names them by the import's
    reason, the export holds them, with the last large import's figures; each bad one
    wrote nothing."""
    changed = feed_changes(client, traffic.since)
    good = [b for b in traffic.batches if b.kind != "import-bad" and b.status == 200]
    wrong = [
        f"b{b.number}: {b.rows} sent, {b.created} created, {b.updated} updated, "
        f"{len(changed.get(b.reason, []))} in the feed"
        for b in good
        if not b.rows == (b.created or 0) + (b.updated or 0) == len(changed.get(b.reason, []))
    ]
    ids = {i for b in good for i in changed.get(b.reason, [])}
    absent = sorted(ids - {int(row["id"]) for row in exported})
    bad = [b for b in traffic.batches if b.kind == "import-bad"]
    bad_kept = [b.number for b in bad if changed.get(b.reason) or b.status != 422]
    bad_after = source_rows(client, BAD_IMPORT_SOURCE)
    stale = last_release_lost(good, exported)
    return {
        "imports_kept": verdict(
            bool(good) and not wrong and not absent and not stale,
            f"{len(good)} imports wrote {len(ids)} rows, in the feed and the export; wrong: "
            f"{wrong[:5]}; not in the export: {absent[:10]}; not as last imported: {stale[:5]}",
        ),
        "bad_imports_left_nothing": verdict(
            bool(bad) and not bad_kept and bad_before == bad_after == 0,
            f"{len(bad)} bad imports refused; with rows or not 422: {bad_kept[:10]}; rows of "
            f"their source: {bad_before} before, {bad_after} after",
        ),
    }


def last_release_lost(good: list[Batch], exported: list[dict[str, str]]) -> list[str]:
    """The rows whose figure in the export is not the one the last large import sent."""
    large = [b for b in good if b.kind == "import-large"]
    if not large:
        return []
    last = large[-1]
    sent = import_csv("large", last.number, last.rows, IMPORT_SOURCE, bad=False).decode()
    claimant = "Synthetic soak importer large"
    held = {key(row): row["value"] for row in exported if row["attributed_to"] == claimant}
    return [
        f"{key(row)}: {held.get(key(row))}, sent {row['value']}"
        for row in csv.DictReader(io.StringIO(sent))
        if held.get(key(row)) != row["value"]
    ]


def key(row: dict[str, str]) -> tuple[str, str, str]:
    return row["metric"], row["origin"], row["period_start"]


def check_command(database: Database) -> dict[str, str]:
    environment = {**os.environ, "DATABASE_URL": database.url}
    command = [str(BIN / "laborstats"), "check"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return verdict(done.returncode == 0, f"exit {done.returncode}: {' | '.join(lines[-5:])}")


def export_round_trip(database: Database, out: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """`laborstats export`, restored into a new database and exported again: the same bytes.
    And the observations the first export holds."""
    first, second = out / "export-1", out / "export-2"
    restored = create_database(database.kind, out, "restored")
    try:
        laborstats("export", str(first), database_url=database.url)
        laborstats("import", str(first), database_url=restored.url)
        laborstats("export", str(second), database_url=restored.url)
    except subprocess.CalledProcessError as exc:
        return verdict(False, f"{' '.join(exc.cmd[1:])}: {exc.stderr[-500:]}"), []
    finally:
        drop_database(restored)
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    again = sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    differ = [
        n for n in names if n in again and (first / n).read_bytes() != (second / n).read_bytes()
    ]
    with (first / "observations.csv").open(newline="", encoding="utf-8") as stream:
        observations = list(csv.DictReader(stream))
    only = sorted(set(names) ^ set(again))
    detail = f"{len(names)} files, {len(observations)} observations; differ: {differ}"
    detail += f"; in one only: {only}"
    return verdict(bool(names) and names == again and not differ, detail), observations


def stop_server(server: subprocess.Popen[bytes]) -> dict[str, str]:
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        return verdict(False, "still running 60 s after SIGTERM: killed")
    return verdict(code == 0, f"exit status {code} after SIGTERM")


def server_log_errors(log: Path) -> dict[str, str]:
    """The lines the server logged at error level (a traceback is one)."""
    errors = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("error", "critical"):
            errors.append(f"{entry.get('time')}: {str(entry.get('message'))[:300]}")
    return verdict(not errors, f"{len(errors)} lines at error level; the first: {errors[:3]}")


# The run.


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="A soak run of the API: a steady mixed load on `laborstats serve`, each "
        "minute recorded, then the data checked (see bench/soak.py's docstring)."
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=20, help="requests a second, in all")
    parser.add_argument("--rows", type=int, default=20_000, help="synthetic rows to start with")
    parser.add_argument("--workers", type=int, default=1, help="`laborstats serve --workers`")
    parser.add_argument("--clients", type=int, default=8, help="client threads sending")
    parser.add_argument("--large-rows", type=int, default=3_000, help="rows of a large import")
    parser.add_argument("--out", type=Path, help="default: bench/.data/soak-DATABASE/")
    parser.add_argument("--plot-to", type=Path, help="also write the SVG here")
    options = parser.parse_args()
    options.out = (options.out or DATA / f"soak-{options.database}").resolve()
    return options


def prepare(options: argparse.Namespace, database: Database) -> Traffic:
    """The seed, the synthetic rows, the editors' tokens; what the requests will ask for."""
    print(f"... the seed and {options.rows:,} SYNTHETIC rows into {database.name}", flush=True)
    laborstats("seed", database_url=database.url)
    folder = synthetic_dataset(options.rows, options.out)
    laborstats("import", str(folder), database_url=database.url)
    create = ("token", "create", "--role", "editor", "--name")
    tokens = {
        editor: laborstats(*create, editor, database_url=database.url).stdout.split()[-1]
        for editor in EDITORS
    }
    targets = sample_targets(folder)
    return Traffic(database.name, tokens, targets, edit_pools(folder, targets))


def check_data(
    server: subprocess.Popen[bytes],
    client: httpx.Client,
    traffic: Traffic,
    database: Database,
    out: Path,
    bad_before: int,
) -> dict[str, dict[str, str]]:
    """The checks, then the server stopped; the API's only while it still runs."""
    checks = {"laborstats_check": check_command(database)}
    checks["export_round_trip"], exported = export_round_trip(database, out)
    if server.poll() is not None:
        why = f"it exited during the run, status {server.returncode}: see server.log"
        return checks | {"server_ran_throughout": verdict(False, why)}
    checks |= check_writes(client, traffic)
    checks |= check_imports(client, traffic, bad_before, exported)
    return checks | {"server_exit_0": stop_server(server)}


def main() -> None:
    options = parse_options()
    OPS["import-large"] = lambda w: import_rows(w, "import-large", options.large_rows)
    options.out.mkdir(parents=True, exist_ok=True)
    for name in ("synthetic-raw", "synthetic", "export-1", "export-2"):  # an earlier run's
        shutil.rmtree(options.out / name, ignore_errors=True)
    database = create_database(options.database, options.out, "soak")
    server = None
    try:
        traffic = prepare(options, database)
        code = code_measured()  # what the server loads as it starts
        server, base = start_server(database, options)
        with httpx.Client(base_url=base, timeout=300) as client:
            bad_before = source_rows(client, BAD_IMPORT_SOURCE)
            # The change feed from here on: its follower starts here, the checks read it.
            traffic.feed_cursor = traffic.since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            print(f"... {options.minutes} min at {options.rate:g} requests/s on {base}", flush=True)
            rows = run_traffic(server, base, traffic, options)
            print("... checking the data", flush=True)
            checks = check_data(server, client, traffic, database, options.out, bad_before)
        checks["server_log_clean"] = server_log_errors(options.out / "server.log")
    finally:
        if server and server.poll() is None:
            server.kill()
        drop_database(database)
    summary = report(options, rows, traffic, checks, code)
    sys.exit(0 if summary["passed"] else 1)


def code_measured() -> dict[str, Any]:
    """The commit the server ran, and any change to app/ not committed (someone may be
    editing this checkout meanwhile)."""
    git = ["git", "-C", str(BIN.parent.parent)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(
        [*git, "status", "--short", "--", "app"], capture_output=True, text=True
    )
    return {"commit": commit.stdout.strip(), "uncommitted_in_app": changed.stdout.splitlines()}


def report(
    options: argparse.Namespace,
    rows: list[dict[str, Any]],
    traffic: Traffic,
    checks: dict[str, dict[str, str]],
    code: dict[str, Any],
) -> dict[str, Any]:
    """summary.json and the plot; the verdicts printed."""
    statuses: Counter[str] = Counter()
    for row in rows:
        statuses.update(row["statuses"])
    counted = (
        "requests",
        "errors_5xx",
        "transport_errors",
        "unexpected",
        "expected_refusals",
        "late",
    )
    totals = {name: sum(row[name] for row in rows) for name in counted} | {
        "statuses": dict(sorted(statuses.items())),
        "accepted_edits_and_retractions": len(traffic.accepted),
        "refused_edits_from_old_copies": len(traffic.refused),
        "imports": Counter(f"{b.kind} {b.status}" for b in traffic.batches),
        "rows_created_by_imports": sum(b.created or 0 for b in traffic.batches),
        "rows_revised_by_imports": sum(b.updated or 0 for b in traffic.batches),
        "by_kind": traffic.by_kind,
        "skipped": {k: n for k, n in traffic.counters.items() if k.startswith("skipped")},
        "answers_not_as_expected": traffic.problems[:50],
    }
    verdicts = {
        "zero_5xx": verdict(totals["errors_5xx"] == 0, f"{totals['errors_5xx']} answers 5xx"),
        "zero_transport_errors": verdict(
            totals["transport_errors"] == 0, f"{totals['transport_errors']} requests unanswered"
        ),
        "zero_unexpected": verdict(
            not traffic.problems,
            f"{totals['unexpected']} answers not as expected (5xx and none included); the "
            f"first: {traffic.problems[:1]}",
        ),
        "p99_flat": flatness([row["p99_ms"] for row in rows], "p99"),
        "rss_flat": flatness([row["rss_mb"] for row in rows], "RSS"),
        **checks,
    }
    settings = (
        {key: str(value) for key, value in vars(options).items()}
        | code
        | {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "mix_per_100": MIX,
            "heavy": {"every_s": HEAVY_EVERY_S, "at_s": HEAVY},
        }
    )
    passed = all(found["status"] != "fail" for found in verdicts.values())
    summary = {"settings": settings, "passed": passed, "verdicts": verdicts, "totals": totals}
    summary["minutes"] = rows
    (options.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    svg = soak_svg(summary)
    (options.out / "soak.svg").write_text(svg)
    if options.plot_to:
        options.plot_to.write_text(svg)
    for name, found in verdicts.items():
        print(f"{found['status'].upper():>4}  {name}: {found['detail']}")
    print(f"{'PASSED' if passed else 'FAILED'}: {options.out / 'summary.json'}, soak.svg")
    return summary


if __name__ == "__main__":
    main()
