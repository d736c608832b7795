"""`laborstats token`: the bearer tokens that writes need."""

from typing import Annotated

import typer

from app.auth.service import create_token, list_tokens, revoke_token
from app.cli.common import PlainHelpCommand, PlainHelpGroup, cli_errors, database_session
from app.db import migrate
from app.domain.roles import Role

token_app = typer.Typer(
    cls=PlainHelpGroup,
    help="Create, list and revoke the bearer tokens that writes need.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@token_app.command("create", cls=PlainHelpCommand)
def create_token_command(
    name: Annotated[
        str,
        typer.Option(
            help="Who or what uses it; recorded with every write. Unique among the tokens "
            "not revoked: a revoked token's name may be given again.",
        ),
    ],
    role: Annotated[
        Role,
        typer.Option(help="editor (writes data) or admin (also metrics and the audit)."),
    ],
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print the secret alone, with nothing else on standard output, for a script: "
            "TOKEN=$(laborstats token create --quiet --name NAME --role editor). Should "
            "anything fail, the error goes to standard error, standard output stays empty "
            "and the exit status is not 0.",
        ),
    ] = False,
) -> None:
    """Create a token and print its secret, once: only its hash is kept.

    The secret is the last line printed; with --quiet it is the only one. When creation
    fails (the name is taken by a token not revoked, the database cannot be reached), the
    error is printed on standard error and the command exits 1."""
    with cli_errors():
        migrate()
    with cli_errors(), database_session() as session, session.begin():
        secret = create_token(session, name=name, role=role)
    if not quiet:
        typer.echo(f"Created {role.value} token '{name}'. It is shown only now; keep it secret:")
    typer.echo(secret)


@token_app.command("revoke", cls=PlainHelpCommand)
def revoke_token_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
) -> None:
    """Revoke the token of this name: requests with it get 401 from now on.

    The revoked token stays listed, for the audit trail, and its name may be given to a new
    token. Revoking a name whose token is already revoked changes nothing."""
    with cli_errors(), database_session() as session, session.begin():
        revoke_token(session, name=name)
    typer.echo(f"Revoked token '{name}'.")


@token_app.command("list", cls=PlainHelpCommand)
def list_tokens_command() -> None:
    """List tokens: name, role, created, and revoked or active (never the secrets)."""
    with cli_errors(), database_session() as session:
        for token in list_tokens(session):
            revoked = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            typer.echo(f"{token.name}\t{token.role}\t{token.created_at:%Y-%m-%d}\t{revoked}")
