"""Datasette as an ASGI app, for uvicorn (bench/run.py serves it so, in one process or
several): the database named by BENCH_DATASETTE_DATABASE, with the settings bench/run.py
gave `datasette serve` (a 20 s limit on each query, up to 1,000 rows a page).

    BENCH_DATASETTE_DATABASE=bench/.data/datasette-10000.db \\
        bench/.venv/bin/uvicorn datasette_app:app --app-dir bench --workers 2 --no-access-log

Runs in bench/.venv, where Datasette is installed (not a dependency of the project)."""

import os

from datasette.app import Datasette

SETTINGS = {"sql_time_limit_ms": 20_000, "max_returned_rows": 1_000}

app = Datasette([os.environ["BENCH_DATASETTE_DATABASE"]], settings=SETTINGS).app()
