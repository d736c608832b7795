"""The floor: the least a FastAPI app can do to answer the reads that bench/run.py rotates,
over the same SQLite file that laborstats serves. Plain sqlite3 (one connection per
thread), rows as dicts, orjson; no provenance, no middleware, no validation of the rows.
It answers at laborstats' own paths, so that wrk sends it the same request lists:

    GET /v1/observations/{id}                                   one row by id
    GET /v1/observations?metric=&origin=&destination=&limit=100 a page, by id
    GET /v1/series?metric=&origin=&destination=                 a pair's totals, by period

    .venv/bin/python bench/floor.py DATABASE.db --port 8001 [--workers 2]

uvicorn runs with uvloop and httptools when the project's venv has them (it does through
uvicorn[standard]), else with its defaults (asyncio, h11); `serving()` says which."""

import argparse
import os
import sqlite3
import sys
import threading
from importlib.util import find_spec
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Response

DATABASE = "BENCH_FLOOR_DATABASE"  # the environment variable that names the SQLite file
# The SQL-level work of laborstats' reads: the live rows of a pair and metric, in order.
BY_ID = "SELECT * FROM observation WHERE id = ?"
PAGE = (
    "SELECT * FROM observation WHERE metric = ? AND origin = ? AND destination = ? "
    "AND retracted_at IS NULL ORDER BY id LIMIT ?"
)
SERIES = (
    "SELECT * FROM observation WHERE metric = ? AND origin = ? AND destination = ? "
    "AND region IS NULL AND dimensions = '{}' AND retracted_at IS NULL "
    "ORDER BY period_start NULLS LAST, period_end NULLS LAST, id"
)


def serving() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser here: uvloop and httptools if installed."""
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    http = "httptools" if find_spec("httptools") else "h11"
    return loop, http


def json(content: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code, media_type="application/json")


def create_app() -> FastAPI:
    """The app over the file named by BENCH_FLOOR_DATABASE (a factory, for --workers)."""
    path = os.environ[DATABASE]
    local = threading.local()

    def rows(sql: str, *parameters: object) -> list[dict[str, Any]]:
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = sqlite3.connect(path, isolation_level=None)
        cursor = connection.execute(sql, parameters)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> Response:
        return json({"status": "ok"})

    @app.get("/v1/observations/{observation_id}")
    def observation(observation_id: int) -> Response:
        found = rows(BY_ID, observation_id)
        return json(found[0]) if found else json({"detail": "Not found"}, 404)

    @app.get("/v1/observations")
    def page(metric: str, origin: str, destination: str, limit: int = 100) -> Response:
        return json({"data": rows(PAGE, metric, origin, destination, limit)})

    @app.get("/v1/series")
    def series(metric: str, origin: str, destination: str) -> Response:
        return json({"data": rows(SERIES, metric, origin, destination)})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="The floor: a minimal FastAPI app.")
    parser.add_argument("database", help="The SQLite file laborstats serves.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ[DATABASE] = args.database
    loop, http = serving()
    print(f"floor: uvicorn, {args.workers} process(es), {loop}, {http}", file=sys.stderr)
    uvicorn.run(
        "floor:create_app",
        factory=True,
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop=loop,
        http=http,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
