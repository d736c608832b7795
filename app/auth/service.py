"""Bearer tokens: created and revoked from the CLI, checked on every write.

A token reads "ls_<key_id>_<secret>". Only the SHA-256 of the secret is stored; the secret
is random (256 bits), so a fast hash is enough, and it is compared in constant time."""

import hashlib
import hmac
import secrets

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.domain.columns import utc_now
from app.domain.roles import Actor, Role
from app.errors import Conflict, Forbidden, InvalidData, InvalidToken, NotFound, Unauthorized
from app.models import ApiToken

TOKEN_PREFIX = "ls"
KEY_ID_MAX_LENGTH = 64  # ours are 16; longer is not a token, nor a key to count writes by


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _not_revoked(name: str) -> Select[tuple[ApiToken]]:
    """The token of this name that is not revoked: there is at most one."""
    return select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))


def _taken(name: str) -> Conflict:
    return Conflict(
        f"A token named '{name}' already exists; choose another name, or revoke it first."
    )


def create_token(session: Session, *, name: str, role: Role, actor: str = "cli") -> str:
    """Store a new token and return it; this is the only time the secret exists in clear.
    Its name must not be a token's that is not revoked (a revoked token's name may be given
    again: the revoked token stays, for the audit trail)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidData("A token name is 1 to 100 characters.", field="name")
    if session.scalars(_not_revoked(name)).first() is not None:
        raise _taken(name)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            role=role.value,
            key_id=key_id,
            secret_hash=_hash(secret),
            created_at=utc_now(),
        )
    )
    record_audit(session, actor=actor, action="token.create", target=f"token/{name}")
    try:
        session.flush()
    except IntegrityError as exc:
        # Created meanwhile by another process: the index on names not revoked refused it.
        if "name" in str(exc.orig):
            raise _taken(name) from exc
        raise
    return f"{TOKEN_PREFIX}_{key_id}_{secret}"


def revoke_token(session: Session, *, name: str, actor: str = "cli") -> None:
    """Revoke the token of this name that is not revoked; if there is none but a revoked
    one, nothing changes."""
    token = session.scalars(_not_revoked(name)).first()
    if token is None:
        if session.scalars(select(ApiToken.id).where(ApiToken.name == name)).first() is None:
            raise NotFound(f"There is no token named '{name}'.")
        return
    token.revoked_at = utc_now()
    record_audit(session, actor=actor, action="token.revoke", target=f"token/{name}")
    session.flush()


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, revoked ones too, by name and then by when each was created."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id)))


def token_key_id(credentials: str) -> str | None:
    """The key id a token names, read without the database (rate limits count writes by it),
    or None if it is not of the form "ls_<key_id>_<secret>"."""
    prefix, _, rest = credentials.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not key_id or not secret or len(key_id) > KEY_ID_MAX_LENGTH:
        return None
    return key_id


def authenticate(session: Session, credentials: str | None) -> Actor:
    """The actor behind an `Authorization: Bearer` value; 401 if missing, unknown or revoked."""
    if not credentials:
        raise Unauthorized(
            "Writing needs a token: send 'Authorization: Bearer <token>' "
            "(an admin creates one with `laborstats token create`)."
        )
    key_id = token_key_id(credentials)
    secret = credentials.split("_", 2)[2] if key_id else ""
    token = None
    if key_id:
        token = session.scalars(select(ApiToken).where(ApiToken.key_id == key_id)).first()
    # Hash and compare even when no row matched, so timing does not tell which part was wrong.
    expected = token.secret_hash if token else _hash(secrets.token_urlsafe(32))
    if not hmac.compare_digest(_hash(secret), expected) or token is None or token.revoked_at:
        raise InvalidToken("This token is not valid (unknown or revoked).")
    return Actor(name=token.name, role=Role(token.role))


def require_role(actor: Actor, role: Role) -> None:
    if not actor.may(role):
        raise Forbidden(f"This needs an {role.value} token; '{actor.name}' is {actor.role.value}.")
