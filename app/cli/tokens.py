"""`laborstats token`: the bearer tokens that writes need."""

from typing import Annotated

import typer

from app.auth.service import create_token, list_tokens, revoke_token
from app.cli.common import cli_errors, database_session
from app.db import migrate
from app.domain.roles import Role

token_app = typer.Typer(help="Create, list and revoke the bearer tokens that writes need.")


@token_app.command("create")
def create_token_command(
    name: Annotated[str, typer.Option(help="Who or what uses it; recorded with every write.")],
    role: Annotated[Role, typer.Option(help="editor: write data; admin: also metrics, audit.")],
) -> None:
    """Create a token. The secret is printed once, alone on the last line, and only its
    hash is kept: `TOKEN=$(laborstats token create ... | tail -n 1)`."""
    with cli_errors():
        migrate()
    with cli_errors(), database_session() as session, session.begin():
        secret = create_token(session, name=name, role=role)
    typer.echo(f"Created {role.value} token '{name}'. It is shown only now; keep it secret:")
    typer.echo(secret)


@token_app.command("revoke")
def revoke_token_command(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    with cli_errors(), database_session() as session, session.begin():
        revoke_token(session, name=name)
    typer.echo(f"Revoked token '{name}'.")


@token_app.command("list")
def list_tokens_command() -> None:
    """List tokens: name, role, created, revoked (never the secrets)."""
    with cli_errors(), database_session() as session:
        for token in list_tokens(session):
            revoked = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            typer.echo(f"{token.name}\t{token.role}\t{token.created_at:%Y-%m-%d}\t{revoked}")
