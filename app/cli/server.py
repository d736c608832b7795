"""`laborstats serve` and `laborstats migrate`: the API in uvicorn workers, and the schema
brought up to date."""

import logging.config
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import make_url

from app.cli.common import cli_errors, logger
from app.config import get_settings
from app.dataset.state import read_state
from app.db import create_db_engine, migrate, read_session
from app.logs import logging_config
from app.observations.service import has_observations
from app.server import stopping


def shown_database(database_url: str) -> str:
    """DATABASE_URL as a log may show it: without its password, and a SQLite file by its
    absolute path, since a relative one names a file in whatever folder serve started in."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).absolute()))
    return url.render_as_string(hide_password=True)


def _log_database(database_url: str) -> None:
    """One short read before the workers start: which data this server will serve."""
    engine = create_db_engine(database_url, pooled=False)
    try:
        with read_session(engine, read_only=True) as session:
            version, empty = read_state(session).version, not has_observations(session)
    finally:
        engine.dispose()
    logger.info("Serving %s at data version %d", shown_database(database_url), version)
    if empty:
        logger.warning(
            "The database holds no observations: load the seed with `laborstats seed`, "
            "or import data with `laborstats import`"
        )


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, which containers narrow), at least 1."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def serve(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Worker processes, at least 1. Default: one per CPU this process may use. "
            "Each reads the data version on every request, so all serve the same data.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the API (pending migrations are applied first). Docs at /docs.

    On SIGTERM or Ctrl-C it stops accepting connections, gives the requests in flight
    SHUTDOWN_TIMEOUT_S (default 8 s) to finish, ends the rest, and exits (0 on SIGTERM).

    Logs go to standard error: as text when it is a terminal, as JSON lines otherwise
    (LOG_FORMAT chooses)."""
    settings = get_settings()
    log_config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(log_config)  # the migrations' lines too
    with cli_errors():
        migrate(settings.database_url)
        _log_database(settings.database_url)
    # Every worker counts its requests in files here, and /metrics adds them all up; fresh
    # for each run, as prometheus_client's multiprocess mode requires.
    metrics_dir = tempfile.mkdtemp(prefix="laborstats-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    workers = workers or usable_cpus()
    # Each worker enforces its share of every rate limit (app.server.ratelimit).
    os.environ["RATE_LIMIT_WORKERS"] = str(workers)
    get_settings.cache_clear()  # one worker runs in this process: it must read it too
    try:
        config = uvicorn.Config(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=log_config,
            access_log=False,  # app.server.observability writes one line per request
            proxy_headers=True,
            # Closes idle and slowloris connections and clients that stop reading.
            http="app.server.serving:TimedHttpToolsProtocol",
            timeout_keep_alive=settings.keep_alive_timeout_s,  # type: ignore[arg-type]
            timeout_graceful_shutdown=settings.shutdown_timeout_s,  # type: ignore[arg-type]
        )
        stopping.run(config)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def migrate_command() -> None:
    """Create the database or bring its schema up to date."""
    with cli_errors():
        migrate()
    typer.echo("Database schema is up to date.")
