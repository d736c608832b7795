"""schemathesis against a real server: `laborstats serve` on a fresh database holding the
seed, with an editor and an admin token made by `laborstats token create`, every
operation of the OpenAPI document, then stateful sequences (create, read, edit, retract)
that schemathesis links through the Location headers of earlier phases.

The database is a new SQLite file, or with `--database-url postgresql+psycopg://...` a new
database made by CREATE DATABASE on that PostgreSQL server (the database the URL names is
only connected to, never written) and dropped at the end, unless `--keep` is given.

CI runs it with a fixed seed and a small budget, on SQLite and on PostgreSQL
(`python tests/fuzz/run.py [--database-url ...]`); a release runs it longer
(`--max-examples 500 --max-time 900`, see docs/development.md). Prints how many requests
were sent and what failed; exits non-zero on any failure."""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# Limits off: schemathesis sends hundreds of requests a second from one address, and
# thousands of wrong tokens while checking that auth is not ignored. Webhook delivery off:
# the subscriptions it registers name made-up URLs, which a test run must not POST to; and
# so any address allowed, which skips resolving each URL's host (no DNS, nor network).
SERVER_SETTINGS = {
    "RATE_LIMIT_READS": "0",
    "RATE_LIMIT_WRITES": "0",
    "RATE_LIMIT_AUTH_FAILURES": "0",
    "WEBHOOKS_DELIVER": "false",
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
}


def laborstats(env: dict[str, str], *args: str) -> str:
    command = [str(BIN / "laborstats"), *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"`laborstats {' '.join(args)}` failed:\n{result.stderr}")
    return result.stdout


def libpq(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it (no `+psycopg` driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database(server_url: str, *, keep: bool) -> Iterator[str]:
    """A new, empty database on the server of `server_url`, as a URL; dropped afterwards
    unless `keep`. Only CREATE and DROP of its own name go through the database that
    `server_url` names (other runs use it at the same time)."""
    name = f"laborstats_fuzz_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(server_url), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with psycopg.connect(libpq(server_url), autocommit=True, connect_timeout=5) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@contextmanager
def fresh_database(work: Path, server_url: str | None, *, keep: bool) -> Iterator[str]:
    """The URL of a database holding nothing yet: a new SQLite file in `work`, or a new
    database on the PostgreSQL server of `server_url`."""
    if server_url is None:
        database = work / "fuzz.db"
        database.unlink(missing_ok=True)
        yield f"sqlite:///{database}"
    else:
        with postgres_database(server_url, keep=keep) as url:
            yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    command = [str(BIN / "laborstats"), "serve", "--port", str(port), "--workers", "1"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def requests_sent(ndjson: Path) -> int:
    """Every HTTP exchange schemathesis recorded, in every phase."""
    sent = 0
    for line in ndjson.read_text().splitlines():
        for event in json.loads(line).values():
            recorder = event.get("recorder") if isinstance(event, dict) else None
            sent += len((recorder or {}).get("interactions", {}))
    return sent


def fuzz(args: argparse.Namespace, work: Path, database_url: str) -> int:
    env = {**os.environ, **SERVER_SETTINGS, "DATABASE_URL": database_url}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    laborstats(env, "seed")
    editor = laborstats(env, "token", "create", "--name", "fuzz-editor", "--role", "editor")
    admin = laborstats(env, "token", "create", "--name", "fuzz-admin", "--role", "admin")
    env["FUZZ_EDITOR_TOKEN"] = editor.strip().splitlines()[-1]
    env["FUZZ_ADMIN_TOKEN"] = admin.strip().splitlines()[-1]

    reports = work / "reports"
    started = time.monotonic()
    with serving(env, work / "server.log") as url:
        command = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            f"{url}/openapi.json",
            "--seed",
            str(args.seed),
            "--max-examples",
            str(args.max_examples),
            "--workers",
            args.workers,
            "--generation-database",
            "none",
            "--report",
            "ndjson",
            "--report-dir",
            str(reports),
            "--no-color",
        ]
        if args.max_time:
            command += ["--max-time", str(args.max_time)]
        # In the work folder: schemathesis keeps a cache in the current one.
        result = subprocess.run(command, env=env, cwd=work, check=False)
    elapsed = time.monotonic() - started
    sent = sum(requests_sent(path) for path in reports.glob("*.ndjson"))
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"schemathesis on {backend}: {sent} requests in {elapsed:.0f} s, "
        f"exit code {result.returncode}"
    )
    shown = make_url(database_url).render_as_string(hide_password=True)
    dropped = args.database_url and not args.keep
    print(f"(database {shown}{', dropped' if dropped else ''}; server log and reports in {work})")
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--max-examples", type=int, default=50, help="Per operation and phase.")
    parser.add_argument("--max-time", type=int, default=0, help="Seconds; 0: no time budget.")
    parser.add_argument("--workers", default="1", help="Concurrent schemathesis workers.")
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server to run on (postgresql+psycopg://postgres@127.0.0.1:5432/test):"
        " a new database is created there and dropped at the end; the one the URL names is"
        " only connected to. Default: a new SQLite file.",
    )
    parser.add_argument(
        "--keep", type=Path, help="Keep the database (not dropped), log and reports here."
    )
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url takes a postgresql:// or postgresql+psycopg:// URL")

    work = args.keep or Path(tempfile.mkdtemp(prefix="laborstats-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    with fresh_database(work, args.database_url, keep=args.keep is not None) as database_url:
        return fuzz(args, work, database_url)


if __name__ == "__main__":
    sys.exit(main())
