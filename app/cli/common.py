"""What every command shares: a unit of work on DATABASE_URL, and errors shown as a line
on stderr (an import's problems one per line) with an exit code, never a traceback."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from app.config import get_settings
from app.db import DataSession, create_db_engine, database_fault, fault_cause
from app.errors import AppError

err = Console(stderr=True)
logger = logging.getLogger("laborstats")
MAX_PROBLEMS_SHOWN = 50


@contextmanager
def database_session() -> Iterator[DataSession]:
    """A unit of work on DATABASE_URL: commit it with `session.begin()`."""
    engine = create_db_engine(get_settings().database_url, for_writes=True)
    try:
        with DataSession(engine) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def cli_errors(exit_code: int = 1) -> Iterator[None]:
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
