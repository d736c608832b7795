"""py-spy for bench/run.py (with --profile): a raw file of stacks per task, and a report of
where the samples went, by frame and by layer of a request (bench/.data/profiles/)."""

import re
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PROFILES = ROOT / "bench" / ".data" / "profiles"
# py-spy: raw collapsed stacks, samples grouped by function, the process left running.
SPY_OPTIONS = ["--format", "raw", "--rate", "200", "--function", "--nonblocking"]
# A frame py-spy adds for each process with --subprocesses; the command may hold a ";".
PROCESS_FRAMES = re.compile(r'^(?:process \d+:"[^"]*";)*')
# Where the threads of anyio's pool wait for work: py-spy's idle detection misses it, so
# the one-line summaries and the layers leave it out (the reports keep it).
WAITING_FRAME = "Condition.wait (threading.py"
WAITING_NOTE = (
    "py-spy counts some waiting threads as running: Condition.wait (threading.py) is the "
    "thread pool waiting for work, and Runner.run's self share includes the event loop "
    "waiting for sockets."
)
# A request's layers, each named by the files of its frames. A sample counts for the
# layer of its innermost frame that has one: time in the standard library or C goes to
# whoever called it (uuid4 to the middleware that asked for a request id).
# The frames where SQLAlchemy hands over to the driver: their own time is the database's
# and the driver's (C), not SQLAlchemy's Python.
DRIVER_CALLS = re.compile(
    r"^(?:\w+\.)?(?:do_execute\w*|do_commit|do_rollback|do_begin|connect|\w*fetch\w*|_fetchall_impl)"
    r" \((?:sqlalchemy|sqlite3|psycopg)"
)
DRIVER_LAYER = "SQL: database and driver"
LAYERS: list[tuple[str, re.Pattern[str]]] = [
    ("SQL: SQLAlchemy's Python", re.compile(r"\((?:sqlalchemy|psycopg)")),
    (
        "serialisation (rows to documents, JSON, CSV)",
        re.compile(
            r"\((?:pydantic|orjson|json/|csv|fastapi/encoders|starlette/responses"
            r"|app/\w+/documents|app/\w+/schemas|app/http/(?:formats|envelopes)"
            r"|app/dataset/files)"
        ),
    ),
    (
        "middleware (cache, limits, CORS, headers, log, metrics)",
        re.compile(r"\((?:app/server/|app/logs|starlette/middleware/|prometheus_client/)"),
    ),
    (
        "routing and validation (FastAPI, parameters, context)",
        re.compile(r"\((?:fastapi/|starlette/|app/http/|app/\w+/router)"),
    ),
    ("thread hop (anyio's pool)", re.compile(r"\((?:anyio/|threading)")),
    ("event loop and HTTP (uvicorn, uvloop)", re.compile(r"\((?:uvicorn/|asyncio/|uvloop)")),
    ("queries and rules (services)", re.compile(r"\(app/")),
]
OTHER_LAYER = "other"


@dataclass
class Profile:
    """Where the samples of a py-spy recording went."""

    samples: int
    by_self: list[tuple[str, float]]  # (frame, share of samples in which it was running)
    by_total: list[tuple[str, float]]  # (frame, share of samples with it on the stack)
    by_layer: list[tuple[str, float]]  # (layer, share of the samples not spent waiting)


def layer(frames: list[str]) -> str:
    if DRIVER_CALLS.match(frames[-1]):
        return DRIVER_LAYER
    for frame in reversed(frames):
        for name, files in LAYERS:
            if files.search(frame):
                return name
    return OTHER_LAYER


def read_profile(raw: Path, count: int = 10) -> Profile:
    """Read a py-spy raw file: one line per distinct stack, its frames from the outermost
    joined by ";", then a space and the number of samples that saw it."""
    self_samples: Counter[str] = Counter()
    total_samples: Counter[str] = Counter()
    layer_samples: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        frames = [frame for frame in PROCESS_FRAMES.sub("", stack).split(";") if frame]
        if not frames:
            continue
        samples += int(number)
        self_samples[frames[-1]] += int(number)
        for frame in set(frames):  # a recursive function counts once per sample
            total_samples[frame] += int(number)
        if not frames[-1].startswith(WAITING_FRAME):
            layer_samples[layer(frames)] += int(number)
    working = sum(layer_samples.values()) or 1
    return Profile(
        samples,
        [(frame, n / samples) for frame, n in self_samples.most_common(count)],
        [(frame, n / samples) for frame, n in total_samples.most_common(count)],
        [(name, n / working) for name, n in layer_samples.most_common()],
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Profiler:
    """py-spy on laborstats: a raw file of stacks per task, then a report of its top frames
    and its layers in bench/.data/profiles/<rows>-<database>-<task>.txt."""

    def __init__(self, rows: int, database: str) -> None:
        self.prefix = f"{rows}-{database}"
        self.summaries: dict[str, list[str]] = {}
        self.layers: dict[str, list[tuple[str, float]]] = {}
        PROFILES.mkdir(parents=True, exist_ok=True)

    def raw(self, task: str) -> Path:
        return PROFILES / f"{self.prefix}-{slug(task)}.raw"

    def clear(self, task: str) -> None:
        self.raw(task).unlink(missing_ok=True)
        self.raw(task).with_suffix(".txt").unlink(missing_ok=True)

    def attach(self, pid: int, task: str, seconds: int | None = None) -> subprocess.Popen[str]:
        """Sample a running server and its workers for `seconds`, or until `finish(stop=True)`."""
        self.clear(task)
        command = [str(BIN / "py-spy"), "record", "--pid", str(pid), "--subprocesses"]
        command += [*SPY_OPTIONS, "-o", str(self.raw(task))]
        if seconds:
            command += ["--duration", str(seconds)]
        spy = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        # Start the work only once py-spy samples ("py-spy> Sampling process ..."): attaching
        # to a server and its workers takes long enough to miss a short export.
        for line in spy.stdout:  # type: ignore[union-attr]
            if "Sampling" in line:
                break
        return spy

    def launch(self, task: str, command: list[str]) -> list[str]:
        """`command`, to be run under py-spy."""
        self.clear(task)
        spy = [str(BIN / "py-spy"), "record", *SPY_OPTIONS, "-o", str(self.raw(task))]
        return [*spy, "--", *command]

    def finish(
        self, task: str, spy: subprocess.Popen[str] | None = None, stop: bool = False
    ) -> None:
        """Wait for py-spy (interrupting it with `stop`), then write and print the report."""
        if spy:
            if stop:
                spy.send_signal(signal.SIGINT)
            spy.wait(timeout=120)
        if not self.raw(task).exists() or not self.raw(task).stat().st_size:
            print(f"    profile of {task!r}: py-spy recorded nothing", file=sys.stderr)
            return
        profile = read_profile(self.raw(task))
        lines = [f"py-spy, {self.prefix}, {task}: {profile.samples:,} samples at 200 Hz", ""]
        lines += ["By layer (share of the samples not spent waiting for work):"]
        lines += [f"{share:6.1%}  {name}" for name, share in profile.by_layer]
        lines += ["", "Top frames by self share:"]
        lines += [f"{share:6.1%}  {frame}" for frame, share in profile.by_self]
        lines += ["", "Top frames by total share:"]
        lines += [f"{share:6.1%}  {frame}" for frame, share in profile.by_total]
        lines += ["", WAITING_NOTE]
        self.raw(task).with_suffix(".txt").write_text("\n".join(lines) + "\n")
        working = [(f, share) for f, share in profile.by_self if not f.startswith(WAITING_FRAME)]
        self.summaries[task] = [f"{share:.0%} {frame}" for frame, share in working[:3]]
        self.layers[task] = profile.by_layer
        print(f"    profile of {task!r}: " + "; ".join(self.summaries[task]), file=sys.stderr)
        shares = ", ".join(f"{name.split(' (')[0]} {share:.0%}" for name, share in profile.by_layer)
        print(f"      by layer: {shares}", file=sys.stderr)
