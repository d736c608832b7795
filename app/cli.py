"""The `laborstats` command: serve the API, migrate, seed, import and export data."""

import gc
import logging.config
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.auth.service import create_token, list_tokens, revoke_token
from app.checks.service import Tally, iter_problems
from app.config import SEED_DIR, get_settings
from app.dataset.state import read_state
from app.db import (
    DataSession,
    create_db_engine,
    database_fault,
    fault_cause,
    migrate,
    read_session,
)
from app.domain.roles import Role
from app.errors import AppError
from app.exports.backup import backup_database, restore_database
from app.exports.service import export_database
from app.imports.service import ImportReport, import_path
from app.logs import logging_config
from app.observations.service import has_observations

app = typer.Typer(
    help="laborstats: sourced, dated labor-migration statistics over a JSON API. "
    "The database is DATABASE_URL (default: the SQLite file laborstats.db here).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a traceback's locals hold rows and secrets
)
err = Console(stderr=True)
logger = logging.getLogger("laborstats")
MAX_PROBLEMS_SHOWN = 50


def _print_version(requested: bool) -> None:
    if requested:
        typer.echo(f"laborstats {package_version('laborstats')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    pass


@contextmanager
def database_session() -> Iterator[DataSession]:
    """A unit of work on DATABASE_URL: commit it with `session.begin()`."""
    engine = create_db_engine(get_settings().database_url, for_writes=True)
    try:
        with DataSession(engine) as session:
            yield session
    finally:
        engine.dispose()


token_app = typer.Typer(help="Create, list and revoke the bearer tokens that writes need.")
app.add_typer(token_app, name="token")


@token_app.command("create")
def create_token_command(
    name: Annotated[str, typer.Option(help="Who or what uses it; recorded with every write.")],
    role: Annotated[Role, typer.Option(help="editor: write data; admin: also metrics, audit.")],
) -> None:
    """Create a token. The secret is printed once, alone on the last line, and only its
    hash is kept: `TOKEN=$(laborstats token create ... | tail -n 1)`."""
    with _cli_errors():
        migrate()
    with _cli_errors(), database_session() as session, session.begin():
        secret = create_token(session, name=name, role=role)
    typer.echo(f"Created {role.value} token '{name}'. It is shown only now; keep it secret:")
    typer.echo(secret)


@token_app.command("revoke")
def revoke_token_command(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    with _cli_errors(), database_session() as session, session.begin():
        revoke_token(session, name=name)
    typer.echo(f"Revoked token '{name}'.")


@token_app.command("list")
def list_tokens_command() -> None:
    """List tokens: name, role, created, revoked (never the secrets)."""
    with _cli_errors(), database_session() as session:
        for token in list_tokens(session):
            revoked = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            typer.echo(f"{token.name}\t{token.role}\t{token.created_at:%Y-%m-%d}\t{revoked}")


@contextmanager
def _cli_errors(exit_code: int = 1) -> Iterator[None]:
    """Print an AppError as a message (and each import problem), or a database or disk
    fault as one line (app.db.database_fault, as the API maps it), and exit 1 (or
    `exit_code`, for a command whose 1 means something else)."""
    try:
        yield
    except AppError as exc:
        err.print(f"[red]{exc.detail}[/red]", highlight=False)
        problems = exc.extra.get("problems", [])
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            where = f"{problem['file']}:{problem['line']}" if problem["line"] else problem["file"]
            err.print(f"  {where}: {problem['message']}", highlight=False, markup=False)
        if len(problems) > MAX_PROBLEMS_SHOWN:
            err.print(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more.", highlight=False)
        raise typer.Exit(exit_code) from None
    except (SQLAlchemyError, OSError) as exc:
        # One line naming the cause: never a traceback, a statement or the rows it held.
        fault = database_fault(exc)
        if fault is None and not isinstance(exc, SQLAlchemyError):
            raise
        message = fault.detail if fault else f"The database refused this: {fault_cause(exc)}"
        err.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(exit_code) from None


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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes. Default: one per CPU this process may use. Each reads "
            "the data version on every request, so all serve the same data.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the API (pending migrations are applied first). Docs at /docs."""
    settings = get_settings()
    log_config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(log_config)  # the migrations' lines too
    with _cli_errors():
        migrate(settings.database_url)
        _log_database(settings.database_url)
    # Every worker counts its requests in files here, and /metrics adds them all up; fresh
    # for each run, as prometheus_client's multiprocess mode requires.
    metrics_dir = tempfile.mkdtemp(prefix="laborstats-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    workers = workers or usable_cpus()
    # Each worker enforces its share of every rate limit (app.http.ratelimit).
    os.environ["RATE_LIMIT_WORKERS"] = str(workers)
    get_settings.cache_clear()  # one worker runs in this process: it must read it too
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=log_config,
            access_log=False,  # app.http.observability writes one line per request
            proxy_headers=True,
            # Closes idle and slowloris connections and clients that stop reading.
            http="app.http.serving:TimedHttpToolsProtocol",
            timeout_keep_alive=settings.keep_alive_timeout_s,  # type: ignore[arg-type]
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


@app.command("migrate")
def migrate_command() -> None:
    """Create the database or bring its schema up to date."""
    with _cli_errors():
        migrate()
    typer.echo("Database schema is up to date.")


def _count_records(path: Path) -> int:
    """About how many rows a file or folder holds (lines less headers), for the progress
    bar; a quoted cell spanning lines makes it an overestimate, never an error."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    total = 0
    for file in files:
        with file.open("rb") as stream:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
        if file.stat().st_size and not _ends_with_newline(file):
            lines += 1
        total += lines - (file.suffix == ".csv")
    return max(total, 0)


def _ends_with_newline(file: Path) -> bool:
    with file.open("rb") as stream:
        stream.seek(-1, 2)
        return stream.read(1) == b"\n"


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """This process imports and nothing else: pause the cyclic garbage collector, which an
    import's million short-lived rows would otherwise wake thousands of times, for about a
    tenth of the import's time (reference counting frees them all the same)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_import(path: Path, *, actor: str = "cli") -> ImportReport:
    with _cli_errors():
        migrate()
    with (
        _cli_errors(),
        _cycle_collection_paused(),
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as progress,
        database_session() as session,
    ):
        task = progress.add_task(f"Importing {path.name}", total=_count_records(path))
        with session.begin():
            report = import_path(
                session, path, actor=actor, on_rows=lambda rows: progress.advance(task, rows)
            )
    typer.echo(report.summary())
    return report


@app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="A CSV file of observations (the export's columns), a JSON-lines file "
            "(.ndjson, .jsonl), or a dataset folder with metrics.csv, sources.csv and "
            "observations.csv, and perhaps corrections.jsonl (each a revision with its "
            "reason, applied once).",
        ),
    ],
) -> None:
    """Import data: every row is checked, and nothing is written unless all are good.
    Importing the same data again changes nothing."""
    _run_import(path)


@app.command()
def seed(
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="Only load into a database that holds no observations yet, so that a "
            "restart never undoes later corrections.",
        ),
    ] = False,
) -> None:
    """Load the bundled seed data (figures on North Korean workers in Russia).
    Loading it twice leaves one copy."""
    if if_empty:
        with _cli_errors(), database_session() as session:
            migrate()
            if has_observations(session):
                typer.echo("The database already holds observations; seed not loaded.")
                return
    _run_import(SEED_DIR, actor="seed")


@app.command()
def export(
    directory: Annotated[
        Path, typer.Argument(file_okay=False, help="Folder to write (created if missing).")
    ],
) -> None:
    """Write the whole dataset as CSV files with a Frictionless datapackage.json, all read
    in one snapshot: writes may go on meanwhile."""
    engine = create_db_engine(get_settings().database_url)
    try:
        with _cli_errors():
            counts = export_database(engine, directory)
    finally:
        engine.dispose()
    typer.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()) + f" written to {directory}")


@app.command()
def check() -> None:
    """Audit every observation against its quote and the text it comes from (rules in
    app/checks/service.py). Prints one line per finding and exits 1 when there is one, 0
    when there is none; 2 when the database cannot be read."""
    engine = create_db_engine(get_settings().database_url)
    tally, found = Tally(), 0
    try:
        with _cli_errors(exit_code=2), read_session(engine, read_only=True) as session:
            for finding in iter_problems(session, tally=tally):
                typer.echo(str(finding))
                found += 1
    finally:
        engine.dispose()
    if found:
        err.print(f"{found} problems found in {tally.observations} observations.", highlight=False)
        raise typer.Exit(1)
    typer.echo(f"No problems found in {tally.observations} observations.")


Force = Annotated[bool, typer.Option("--force", help="Replace what is at the destination.")]


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="The backup file to write.")],
    force: Force = False,
) -> None:
    """Copy the SQLite database to PATH with SQLite's online backup: one consistent moment,
    while the API keeps serving and writing. On PostgreSQL, use pg_dump (README, Backups)."""
    with _cli_errors():
        info = backup_database(get_settings().database_url, path, force=force)
    typer.echo(
        f"Backed up data version {info.data_version} (schema {info.schema}) to {info.path}, "
        f"{info.bytes} bytes; PRAGMA integrity_check: ok."
    )


@app.command()
def restore(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A file `backup` wrote.")
    ],
    force: Force = False,
) -> None:
    """Replace the SQLite database with a backup, after checking it (PRAGMA integrity_check,
    a laborstats database, a schema this version knows). It waits for writes in progress and
    swaps in one transaction: a running API serves the old data or the restored, never a
    mix. To load an export folder instead, use `import`."""
    with _cli_errors():
        info = restore_database(get_settings().database_url, path, force=force)
    typer.echo(f"Restored {path} into {info.path}; data version now {info.data_version}.")
