"""The data commands: `import`, `seed`, `export`, `check`, `backup` and `restore`."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from app.checks.documents import described_part, document_findings
from app.checks.service import Tally, iter_problems
from app.cli.common import cli_errors, database_session, err
from app.config import SEED_DIR, get_settings
from app.db import create_db_engine, migrate, read_session
from app.exports.backup import backup_database, restore_database
from app.exports.service import export_database
from app.imports.report import ImportReport
from app.imports.service import import_path
from app.observations.service import has_observations


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


def _run_import(
    path: Path, *, actor: str = "cli", dry_run: bool = False, mapping: Path | None = None
) -> ImportReport:
    """Import `path` in one unit of work: committed, or with `dry_run` every row checked
    and the changes rolled back (as POST /v1/imports?dry_run=true does)."""
    with cli_errors():
        migrate()
    with (
        cli_errors(),
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
        verb = "Checking" if dry_run else "Importing"
        task = progress.add_task(f"{verb} {path.name}", total=_count_records(path))
        with session.begin() as transaction:
            try:
                report = import_path(
                    session,
                    path,
                    actor=actor,
                    on_rows=lambda rows: progress.advance(task, rows),
                    mapping=mapping,
                )
            finally:
                if dry_run:
                    transaction.rollback()
    if dry_run:
        typer.echo(f"Dry run, nothing was written. It would import: {report.summary()}")
    else:
        typer.echo(report.summary())
    return report


def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            metavar="PATH",
            help="A CSV file of observations (the export's columns); a JSON-lines file of "
            "observations (.ndjson, .jsonl); a statistical table (SDMX-CSV, or a CSV matrix) "
            "with --mapping; or a dataset folder holding metrics.csv, sources.csv, events.csv "
            "and observations.csv (any of them), and perhaps tables/ (NAME.csv beside "
            "NAME.mapping.json) and corrections.jsonl (each line a revision with its reason, "
            "applied once). A folder `export` wrote, with its revision files, is restored "
            "into an empty database.",
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            exists=True,
            dir_okay=False,
            metavar="MAPPING",
            help="The JSON file that says how to read the table PATH: its source, and which "
            "column gives each field (docs/tables.md). The table is stored with its source, "
            "and each figure cites its cell.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check every row and report what the import would create, update and leave "
            "unchanged, writing nothing. Exits 1, naming each problem, as the import would.",
        ),
    ] = False,
) -> None:
    """Import data: every row is checked, and nothing is written unless all are good.

    Importing the same data again changes nothing; a newer release of a table revises the
    figures it changes."""
    _run_import(path, dry_run=dry_run, mapping=mapping)


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
        with cli_errors(), database_session() as session:
            migrate()
            if has_observations(session):
                typer.echo("The database already holds observations; seed not loaded.")
                return
    _run_import(SEED_DIR, actor="seed")


def export(
    directory: Annotated[
        Path,
        typer.Argument(
            file_okay=False, metavar="FOLDER", help="Folder to write (created if missing)."
        ),
    ],
) -> None:
    """Write the whole dataset as CSV files with a Frictionless datapackage.json.

    Everything is read in one snapshot, so writes may go on meanwhile."""
    engine = create_db_engine(get_settings().database_url)
    try:
        with cli_errors():
            counts = export_database(engine, directory)
    finally:
        engine.dispose()
    typer.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()) + f" written to {directory}")


def check(
    document: Annotated[
        list[Path] | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            metavar="FILE",
            help="Also read a Markdown document that describes the data (its parts between "
            "<!-- describes the data --> and <!-- end -->, or all of it): its quotations "
            "must be in a source's text word for word, and what it says of figures true to "
            "them. Repeat for several.",
        ),
    ] = None,
) -> None:
    """Audit every figure against its quote and the text it comes from, and what people
    wrote about the data.

    Notes, the reasons of inferred values and of corrections are read too: a quotation must
    be in the text word for word, and a note must not state a year, a month or a country
    the record does not. Prints one line per finding, naming its rule. Exits 1 when there
    is a finding, 0 when there is none, and 2 when the database cannot be read."""
    engine = create_db_engine(get_settings().database_url)
    tally, found = Tally(), 0
    try:
        with cli_errors(exit_code=2), read_session(engine, read_only=True) as session:
            for finding in iter_problems(session, tally=tally):
                typer.echo(str(finding))
                found += 1
            for path in document or []:
                text = described_part(path.read_text("utf-8"))
                for finding in document_findings(session, str(path), text):
                    typer.echo(str(finding))
                    found += 1
    finally:
        engine.dispose()
    if found:
        err.print(f"{found} problems found in {tally.observations} observations.", highlight=False)
        raise typer.Exit(1)
    typer.echo(f"No problems found in {tally.observations} observations.")


Force = Annotated[bool, typer.Option("--force", help="Replace what is at the destination.")]


def backup(
    path: Annotated[
        Path, typer.Argument(dir_okay=False, metavar="FILE", help="The backup file to write.")
    ],
    force: Force = False,
) -> None:
    """Copy the SQLite database to FILE, live, with SQLite's online backup.

    The copy is one consistent moment, while the API keeps serving and writing. On
    PostgreSQL, use pg_dump instead."""
    with cli_errors():
        info = backup_database(get_settings().database_url, path, force=force)
    typer.echo(
        f"Backed up data version {info.data_version} (schema {info.schema}) to {info.path}, "
        f"{info.bytes} bytes; PRAGMA integrity_check: ok."
    )


def restore(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="FILE", help="A file `backup` wrote."),
    ],
    force: Force = False,
) -> None:
    """Replace the SQLite database with a backup, after checking it.

    The backup must pass PRAGMA integrity_check, be a laborstats database, and have a
    schema this version knows. The restore waits for writes in progress and swaps in one
    transaction: a running API serves the old data or the restored, never a mix. To load
    an export folder instead, use `import`."""
    with cli_errors():
        info = restore_database(get_settings().database_url, path, force=force)
    typer.echo(f"Restored {path} into {info.path}; data version now {info.data_version}.")
