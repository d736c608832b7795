"""Deriving models and column lists from a declaration, so that each field is written once:
the order fields are served in, update models whose fields are all optional, and the
Frictionless type of each column."""

import types
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Field


def served_order(model: type[BaseModel], placement: Mapping[str, str | None]) -> list[str]:
    """The model's fields in declaration order, with each field of `placement` moved right
    after the field it names (first, for None): what JSON keys and CSV columns follow."""
    order = [name for name in model.model_fields if name not in placement]
    for name, after in placement.items():
        order.insert(0 if after is None else order.index(after) + 1, name)
    return order


def document_as_served(schema: dict[str, Any], order: list[str], example: dict[str, Any]) -> None:
    """For `json_schema_extra`: list the properties in the order they are served (and
    require only those: a field left out, like a source's text, is not served), and give
    the example."""
    schema["properties"] = {name: schema["properties"][name] for name in order}
    if "required" in schema:
        schema["required"] = [name for name in schema["required"] if name in order]
    schema["examples"] = [example]


def _validation_metadata(metadata: list[Any]) -> list[Any]:
    """Constraints and validators, without SQLModel's column settings."""
    return [item for item in metadata if not type(item).__module__.startswith("sqlmodel")]


def optional_fields(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s fields for `pydantic.create_model`, each optional (default None) and checked
    as declared when given, with its description: the fields of a partial update.
    Constraints and validators in a field's type carry over; the model's own validators do
    not, so an edit validates the merged record with the full model."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        metadata = _validation_metadata(info.metadata)
        annotation = Annotated[(info.annotation, *metadata)] if metadata else info.annotation
        fields[name] = (
            annotation | None,
            Field(default=None, description=info.description, examples=info.examples),
        )
    return fields


def _bare_type(annotation: Any) -> Any:
    """int | None -> int; Annotated[str, ...] -> str."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def json_kinds(model: type[BaseModel]) -> dict[str, str]:
    """The fields a JSON document must give as a number or as a string although pydantic,
    lax for import files that are all text, would also take other JSON: "12" or true for a
    number, a number of seconds since 1970 for a date."""
    kinds: dict[str, str] = {}
    for name, info in model.model_fields.items():
        bare = _bare_type(info.annotation)
        if not isinstance(bare, type) or issubclass(bare, bool):
            continue
        if issubclass(bare, int | float):
            kinds[name] = "number"
        elif issubclass(bare, date):  # and datetime
            kinds[name] = "string"
    return kinds


FRICTIONLESS_TYPES: list[tuple[type, str]] = [
    (bool, "boolean"),  # before int: a bool is an int
    (int, "integer"),
    (float, "number"),
    (datetime, "datetime"),  # before date: a datetime is a date
    (date, "date"),
]


def frictionless_type(model: type[BaseModel], name: str) -> str:
    """The Frictionless Table Schema type of a field (a mapping is a JSON object); anything
    else is a string."""
    bare = _bare_type(model.model_fields[name].annotation)
    if get_origin(bare) is dict:
        return "object"
    if isinstance(bare, type):
        for python_type, table_type in FRICTIONLESS_TYPES:
            if issubclass(bare, python_type):
                return table_type
    return "string"
