"""Who is writing: the bearer token, checked before anything else about the request."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Actor, authenticate, require_role
from app.db import read_session
from app.domain.roles import Role

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `laborstats token create --name NAME --role editor|admin`.",
)


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """In a session of its own, closed at once: the request goes on to read its body and
    wait for a thread, and must not hold a connection meanwhile."""
    with read_session(request.app.state.engine) as session:
        return authenticate(session, credentials.credentials if credentials else None)


def require_editor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    require_role(actor, Role.editor)
    return actor


def require_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    require_role(actor, Role.admin)
    return actor


EditorDep = Annotated[Actor, Depends(require_editor)]
AdminDep = Annotated[Actor, Depends(require_admin)]
