"""`laborstats draft`: a text's figures as an observations file to review."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_errors, database_session
from app.dataset.files import csv_text
from app.db import migrate
from app.drafts.service import IMPORT_COLUMNS, import_rows, is_dated


def draft(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, metavar="FILE", help="The report's text, UTF-8."
        ),
    ],
    published_on: Annotated[
        str | None,
        typer.Option(
            "--published-on",
            metavar="DATE",
            help="When the report was published (2024-03-01, 2024-03 or 2024): 'last year' "
            "and 'this month' are read against it. Without it they leave the period empty.",
        ),
    ] = None,
    source_id: Annotated[
        int | None,
        typer.Option(
            "--source-id",
            metavar="N",
            help="The stored source the text is (its quotes are checked against its text "
            "when the file is imported); without it the source_id column is empty.",
        ),
    ] = None,
) -> None:
    """Print the figures a text states as draft observations: a CSV in the import format.

    Each row says in `inferred` what the sentence does not state in so many words, and in
    `notes` which words made each reading. Correct it in a spreadsheet, then `laborstats
    import` it. Nothing is written to the database."""
    if published_on is not None and not is_dated(published_on):
        raise typer.BadParameter(
            f"{published_on!r} is no date: give 2024-03-01, 2024-03 or 2024",
            param_hint="--published-on",
        )
    with cli_errors():
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise typer.BadParameter("not UTF-8 text", param_hint="FILE") from None
        migrate()
        with database_session() as session:
            rows = import_rows(session, text, published_on=published_on, source_id=source_id)
    sys.stdout.write(csv_text(IMPORT_COLUMNS, rows))
