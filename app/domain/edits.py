"""What every edit carries besides the fields it changes: why, and which revision it
replaces (for clients that cannot send If-Match)."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from app.domain.bounds import MAX_ID, ValidText
from app.domain.shapes import optional_fields
from app.errors import InvalidData


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ValidText = Field(
        min_length=1, max_length=2000, description="Why: shown in the history."
    )
    revision: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The revision this edit replaces, for clients that cannot send If-Match.",
    )

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent (an explicit null clears a field)."""
        return self.model_dump(include=self.model_fields_set - set(Edit.model_fields))


class Retraction(BaseModel):
    """The body of a retraction (`POST .../{id}/retract`): why, and which revision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The source withdrew this figure.", "revision": 2}]
        },
    )

    reason: ValidText = Field(min_length=1, max_length=2000, description="Why it is retracted.")
    revision: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The revision retracted, if If-Match is not sent.",
    )


Record = TypeVar("Record", bound=BaseModel)


class RuleBroken(ValueError):
    """A rule across a record's fields, broken: `field` is the one to change (a rule that
    names none is about the body as a whole)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def validated_edit(model: type[Record], merged: Mapping[str, Any]) -> Record:
    """A record with an edit merged in, checked as a whole by `model`: its first problem
    (a change that clears a required field, say) as InvalidData naming the field."""
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        broken = first.get("ctx", {}).get("error")
        where = (
            broken.field
            if isinstance(broken, RuleBroken)
            else ".".join(str(part) for part in first["loc"]) or "body"
        )
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidData(f"{where}: {message}", field=where) from None


def edit_model(name: str, model: type[BaseModel], *, base: type[Edit] = Edit) -> type[Edit]:
    """A PATCH body: every field of `model`, each optional and checked as declared when
    given, with the edit's reason and revision (from `base`, which may carry an example)."""
    return create_model(
        name,
        __base__=base,
        __doc__="PATCH body: the fields to change, why, and (without If-Match) the revision "
        "replaced.",
        **optional_fields(model),
    )
