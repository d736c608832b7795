"""Strict query strings: a parameter an endpoint does not know is an error, never ignored."""

from collections.abc import Iterable

from fastapi import Request
from fastapi.routing import APIRoute

from app.errors import UnknownParameter


def declared_params(request: Request) -> set[str]:
    """The query parameters the matched route declares (its own and its dependencies')."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return set()
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(param.alias for param in dependant.query_params)
        pending.extend(dependant.dependencies)
    return names


def undeclared_params(request: Request) -> dict[str, str]:
    declared = declared_params(request)
    return {k: v for k, v in request.query_params.items() if k not in declared}


def raise_unknown_params(unknown: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = sorted(set(unknown))
    if not unknown:
        return
    allowed = sorted(set(allowed))
    names = ", ".join(unknown)
    raise UnknownParameter(
        f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {names}. "
        f"This endpoint accepts: {', '.join(allowed) or 'no parameters'}.",
        unknown=unknown,
        allowed=allowed,
    )


def forbid_unknown_params(request: Request) -> None:
    """Router dependency: 400 for a query parameter the route does not declare."""
    raise_unknown_params(undeclared_params(request), declared_params(request))


def dimension_filters(request: Request, known_dimensions: Iterable[str]) -> dict[str, str]:
    """Undeclared parameters that name a breakdown dimension (`visa_type=student`) are filters;
    any other undeclared parameter is refused."""
    known = set(known_dimensions)
    extra = undeclared_params(request)
    raise_unknown_params(set(extra) - known, [*declared_params(request), *known])
    return extra
