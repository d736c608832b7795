"""schemathesis against a real server: `laborstats serve` on a fresh SQLite database holding
the seed, with an editor and an admin token made by `laborstats token create`, every
operation of the OpenAPI document, then stateful sequences (create, read, edit, retract)
that schemathesis links through the Location headers of earlier phases.

CI runs it with a fixed seed and a small budget (`python tests/fuzz/run.py`); a release
runs it longer (`--max-examples 500 --max-time 900`, see docs/development.md). Prints how many
requests were sent and what failed; exits non-zero on any failure."""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# Limits off: schemathesis sends hundreds of requests a second from one address, and
# thousands of wrong tokens while checking that auth is not ignored.
UNLIMITED = {
    "RATE_LIMIT_READS": "0",
    "RATE_LIMIT_WRITES": "0",
    "RATE_LIMIT_AUTH_FAILURES": "0",
}


def laborstats(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "laborstats"), *args], env=env, capture_output=True, text=True, check=True
    ).stdout


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--max-examples", type=int, default=50, help="Per operation and phase.")
    parser.add_argument("--max-time", type=int, default=0, help="Seconds; 0: no time budget.")
    parser.add_argument("--workers", default="1", help="Concurrent schemathesis workers.")
    parser.add_argument("--keep", type=Path, help="Keep the database, log and reports here.")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="laborstats-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    database = work / "fuzz.db"
    database.unlink(missing_ok=True)
    env = {**os.environ, **UNLIMITED, "DATABASE_URL": f"sqlite:///{database}"}
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
    print(f"schemathesis: {sent} requests in {elapsed:.0f} s, exit code {result.returncode}")
    print(f"(database, server log and reports in {work})")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
