"""The `laborstats` command: serve the API, migrate, seed, import and export data, and
manage tokens. Each group of commands is a module of this package; this one names them."""

from importlib.metadata import version as package_version
from typing import Annotated

import typer

from app.cli import data, drafts, server, tokens
from app.cli.common import PlainHelpCommand, PlainHelpGroup

app = typer.Typer(
    cls=PlainHelpGroup,
    help="laborstats: sourced, dated labor-migration statistics over a JSON API. "
    "The database is DATABASE_URL (default: the SQLite file laborstats.db here).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # help and usage errors as plain text (PlainHelp)
    pretty_exceptions_show_locals=False,  # a traceback's locals hold rows and secrets
)


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


app.add_typer(tokens.token_app, name="token")
app.command(cls=PlainHelpCommand)(server.serve)
app.command("migrate", cls=PlainHelpCommand)(server.migrate_command)
app.command("import", cls=PlainHelpCommand)(data.import_command)
app.command(cls=PlainHelpCommand)(drafts.draft)
for command in (data.seed, data.export, data.check, data.backup, data.restore):
    app.command(cls=PlainHelpCommand)(command)
