"""Every error as RFC 9457 problem+json: the `Problem` model declares its members (the
OpenAPI document's schema comes from it), and every problem body is checked against it
(`app.server.errors` renders the app's errors, validation errors, 404 and 405 with these)."""

import re
from typing import Annotated, Any, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:laborstats:problem:"
# A bad value is quoted up to this many characters, then its length: a 100 KB value was
# echoed whole three times (detail, message, value) in a 300 KB error body.
QUOTED_MAX = 100
# No sentence of ours is longer; anything longer holds a quoted value.
TEXT_MAX = 1000
_LONG_WORD = re.compile(rf"\S{{{QUOTED_MAX + 1},}}")

T = TypeVar("T")


def clipped(text: str, limit: int = QUOTED_MAX) -> str:
    """`text`, or its first `limit` characters, an ellipsis and how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _short(value: Any, key: str = "") -> Any:
    """What a problem quotes, shortened: a `value` to QUOTED_MAX characters; in any other
    text, each word longer than that (a quoted value), and the whole to TEXT_MAX."""
    if isinstance(value, str):
        if key == "value":
            return clipped(value)
        return clipped(_LONG_WORD.sub(lambda word: clipped(word.group()), value), TEXT_MAX)
    if isinstance(value, list):
        return [_short(item, key) for item in value]
    if isinstance(value, dict):
        return {name: _short(item, name) for name, item in value.items()}
    return value


# An extension member: sent only where it applies, so never null when sent.
Extension = Annotated[T | SkipJsonSchema[None], "sent only where it applies"]


def _as_sent(schema: dict[str, Any]) -> None:
    """For `json_schema_extra`: the members as documented, without pydantic's titles and
    the defaults of members that are simply left out; and open to members added later,
    which RFC 9457 asks clients to ignore."""
    schema.pop("additionalProperties", None)
    for member in schema.get("properties", {}).values():
        member.pop("title", None)
        member.pop("default", None)


class ProblemField(BaseModel):
    """One invalid parameter or body field."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra=_as_sent)

    in_: str = Field(alias="in", examples=["query"])
    name: str = Field(examples=["limit"])
    message: str = Field(examples=["Input should be less than or equal to 1000"])
    value: Any = Field(default=None, description="The value sent, if any (null when missing).")


class ProblemRow(BaseModel):
    """One bad row of a refused import."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_as_sent)

    file: str = Field(examples=["body"])
    line: int = Field(description="The row's line; 0 for the whole file.", examples=[3])
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details. Besides the standard members, a problem may carry extension
    members naming what was wrong; each is sent only where it applies."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra=_as_sent)

    type: str = Field(examples=["urn:laborstats:problem:unknown-parameter"])
    title: str = Field(examples=["Unknown query parameter"])
    status: int = Field(examples=[400])
    detail: str = Field(
        examples=[
            "Unknown query parameter: orgin. This endpoint accepts: basis, cursor, "
            "destination, format, limit, metric, origin, ..."
        ]
    )
    instance: Extension[str] = Field(default=None, examples=["/v1/observations"])
    # Extension members (tests/http/test_openapi.py checks every one the API sends).
    errors: Extension[list[ProblemField]] = Field(
        default=None,
        description="Invalid parameters or body fields, each with where it is "
        "(`query`, `path`, `header`, `body`), its name, what is wrong, and the value "
        "sent (parameters only).",
    )
    unknown: Extension[list[str]] = Field(
        default=None,
        description="The query parameters (or facets) this endpoint does not know.",
        examples=[["orgin"]],
    )
    allowed: Extension[list[str]] = Field(
        default=None,
        description="What it accepts instead: its parameters and breakdown dimensions (or facets).",
        examples=[["basis", "cursor", "destination", "origin"]],
    )
    parameter: Extension[str] = Field(
        default=None,
        description="The query parameter whose value is wrong.",
        examples=["period_from"],
    )
    field: Extension[str] = Field(
        default=None,
        description="The body field (or import column) whose value is wrong.",
        examples=["quote"],
    )
    current_revision: Extension[int] = Field(
        default=None,
        description="A stale edit (409, 412): the record's current revision.",
        examples=[2],
    )
    problems: Extension[list[ProblemRow]] = Field(
        default=None, description="A refused import (422): every bad row, nothing imported."
    )
    violated_policies: Extension[list[str]] = Field(
        default=None,
        alias="violated-policies",
        description="A 429: the rate limit budgets spent (`reads`, `writes`, "
        "`auth-failures`), as RateLimit-Policy names them.",
        examples=[["reads"]],
    )
    database: Extension[str] = Field(
        default=None,
        description="GET /readyz: whether the database answers (`ok`, `unreachable`).",
        examples=["ok"],
    )
    schema_revision: Annotated[str | None, WithJsonSchema({"type": ["string", "null"]})] = Field(
        default=None, description="GET /readyz: the database's migration revision."
    )
    expected_revision: Extension[str] = Field(
        default=None, description="GET /readyz: the migration revision this code needs."
    )


def problem_body(
    *, status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> dict[str, Any]:
    """A problem's members, checked against `Problem` (a member it does not declare is a
    bug, raised here), in the order given: the standard ones, then the extensions."""
    given = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": _short(detail),
        "instance": instance if len(instance) <= QUOTED_MAX else instance[:QUOTED_MAX] + "…",
        **_short(extra),
    }
    checked = Problem.model_validate(given).model_dump(by_alias=True, exclude_unset=True)
    return {name: checked[name] for name in given}


def problem_response(
    *, status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = problem_body(
        status=status, slug=slug, title=title, detail=detail, instance=instance, **extra
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)
