"""What every command shares: a unit of work on DATABASE_URL, errors shown as a line on
stderr (an import's problems one per line) with an exit code, never a traceback, and help
written as prose whatever typer version renders it."""

import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperCommand, TyperGroup

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


class PlainHelp:
    """`--help` as a person reads it: the usage line, the docstring's paragraphs reflowed to
    the terminal, then each argument and option by name and value name (`--port PORT`,
    never typer's `<int>` or `<bool>`, which its versions render differently), and a group's
    commands by their docstrings' first paragraphs."""

    def format_usage(self, ctx: typer.Context, formatter: Any) -> None:
        """The usage line, in help and above a usage error alike."""
        formatter.write_usage(ctx.command_path, " ".join(_usage_pieces(self, ctx)))

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        command: Any = self
        self.format_usage(ctx, formatter)
        text = inspect.cleandoc(command.help or "").partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)
        rows = {"argument": [], "option": []}
        for param in command.get_params(ctx):
            if param.param_type_name in rows and not getattr(param, "hidden", False):
                rows[param.param_type_name].append(_parameter_row(param))
        listed = [(name, _summary(sub)) for name, sub in _subcommands(command, ctx)]
        for title, entries in (
            ("Arguments", rows["argument"]),
            ("Options", rows["option"]),
            ("Commands", listed),
        ):
            if entries:
                with formatter.section(title):
                    formatter.write_dl(entries)
        if command.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(command.epilog))


class PlainHelpCommand(PlainHelp, TyperCommand):
    """A command whose help is `PlainHelp`'s."""


class PlainHelpGroup(PlainHelp, TyperGroup):
    """A group whose help is `PlainHelp`'s."""


def _value_name(param: Any) -> str:
    return param.metavar or (param.name or "value").upper()


def _usage_pieces(command: Any, ctx: typer.Context) -> list[str]:
    """[OPTIONS], then each argument by its value name (in brackets if optional)."""
    params = command.get_params(ctx)
    pieces = [command.options_metavar] if any(p.param_type_name == "option" for p in params) else []
    for param in params:
        if param.param_type_name == "argument":
            pieces.append(_value_name(param) if param.required else f"[{_value_name(param)}]")
    if isinstance(command, TyperGroup):
        pieces.append(command.subcommand_metavar or "COMMAND [ARGS]...")
    return [piece for piece in pieces if piece]


def _parameter_row(param: Any) -> tuple[str, str]:
    """An argument as its value name; an option as its names and, unless it is a flag, its
    value name; then its help, its default (if it shows one) and whether it is required."""
    if param.param_type_name == "argument":
        term = _value_name(param)
    else:
        term = ", ".join(param.opts)
        if param.secondary_opts:
            term += " / " + ", ".join(param.secondary_opts)
        if not param.is_flag:
            term += f" {_value_name(param)}"
    notes = []
    shown, default = param.show_default, param.default
    if isinstance(default, Enum):
        default = default.value
    if isinstance(shown, str) and shown:
        notes.append(f"default: {shown}")
    elif shown and not getattr(param, "is_flag", False) and default not in (None, ""):
        notes.append("default: dynamic" if callable(default) else f"default: {default}")
    if param.required:
        notes.append("required")
    help_text = " ".join((param.help or "").split())
    return term, f"{help_text}  [{'; '.join(notes)}]" if notes else help_text


def _subcommands(command: Any, ctx: typer.Context) -> Iterator[tuple[str, Any]]:
    if not isinstance(command, TyperGroup):
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            yield name, sub


def _summary(command: Any) -> str:
    """A command's first paragraph, on one line (the list wraps it)."""
    text = inspect.cleandoc(command.short_help or command.help or "")
    return " ".join(text.partition("\f")[0].split("\n\n")[0].split())
