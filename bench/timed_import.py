"""`laborstats import PATH` as the command runs it (the same process, GC paused, one unit of
work), for benchmarks only: the import's progress callback (`on_rows`) is read on its way
to the progress bar, and the moment of each call is written to a file, so that the bench
can print how long each batch of observations took.

    BENCH_IMPORT_MARKS=marks.json python bench/timed_import.py PATH

The file holds [seconds since the import started, rows] per call (a batch of observations
is one call; a metric, source or event row is one call each), then [seconds, -1] when the
import has finished (its indexes built, before the commit)."""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from app.cli import data
from app.cli.main import app


def main() -> None:
    marks: list[tuple[float, int]] = []
    started = time.perf_counter()
    import_path = data.import_path

    def timed_import_path(session: Any, path: Path, **options: Any) -> Any:
        shown = options.pop("on_rows", None)

        def on_rows(rows: int) -> None:
            marks.append((time.perf_counter() - started, rows))
            if shown is not None:
                shown(rows)

        nonlocal started
        started = time.perf_counter()
        report = import_path(session, path, **options, on_rows=on_rows)
        marks.append((time.perf_counter() - started, -1))
        return report

    data.import_path = timed_import_path
    try:
        app(["import", *sys.argv[1:]], prog_name="laborstats")
    finally:
        if target := os.environ.get("BENCH_IMPORT_MARKS"):
            Path(target).write_text(json.dumps(marks))


if __name__ == "__main__":
    main()
