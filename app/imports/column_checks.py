"""Checking an import's rows a batch at a time, a column at a time: each field's own
validation (pydantic's, built from the model's declaration) runs once over a batch's column,
and only over its distinct values when they repeat (countries, dates, metrics), instead of
one model per row. The model's cross-field rules then run on each row's checked values.

Only rows that pass are taken from here. A row that fails, or that the columns cannot judge
alone (a field missing or unknown), goes to the model itself, whose message is the one
reported: the messages stay the model's, word for word."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from app.errors import InvalidData

Values = dict[str, Any]
Rules = Callable[[Mapping[str, Any]], Values]
ModelT = TypeVar("ModelT", bound=BaseModel)


# How many checked values of each field are remembered, so that the values a file repeats
# (countries, dates, metrics, claimants) are checked once per import, not once per batch.
REMEMBERED_PER_FIELD = 10_000


@dataclass(frozen=True)
class _Column:
    name: str
    values: TypeAdapter[list[Any]]  # the field's validation, over a list of values
    default: Any
    # Texts already taken, and what they became: checking is a function of the value alone.
    known: dict[str | None, Any] = field(default_factory=dict)


def _only_text(values: Mapping[Any, None]) -> bool:
    # Text never equals a number, so distinct texts stand for themselves: 1, 1.0 and True
    # are one dict key but not one value to check.
    return all(type(value) is str or value is None for value in values)


class ColumnChecker:
    """Checks rows against `model`'s fields column by column, then `rules` (the model's
    checks across fields, returning the values they derive) row by row."""

    def __init__(self, model: type[BaseModel], rules: Rules) -> None:
        fields = model.model_fields
        if any(info.alias or info.validation_alias for info in fields.values()):
            raise ValueError(f"{model.__name__}: fields with aliases are not checked here")
        self.rules = rules
        self.names = frozenset(fields)
        self.required = frozenset(name for name, info in fields.items() if info.is_required())
        self.columns = [
            _Column(
                name,
                TypeAdapter(list[Annotated[info.annotation, info]]),
                None if info.is_required() else info.get_default(call_default_factory=True),
            )
            for name, info in fields.items()
        ]

    def check(self, rows: Sequence[Mapping[str, Any]]) -> list[Values | None]:
        """Each row's checked values, in field order, with what the rules derive; None for a
        row only the model can judge."""
        results: list[Values | None] = [None] * len(rows)
        whole = [
            i
            for i, row in enumerate(rows)
            if self.required <= row.keys() and row.keys() <= self.names
        ]
        columns = {
            column.name: [rows[i].get(column.name, column.default) for i in whole]
            for column in self.columns
        }
        for i, values in zip(whole, self.check_columns(columns, len(whole)), strict=True):
            results[i] = values
        return results

    def check_columns(
        self, columns: Mapping[str, Sequence[Any]], count: int
    ) -> list[Values | None]:
        """The same, for `count` rows given as columns (field name: its values): a file
        whose rows all have the same fields (a CSV file's) needs no dictionary per row."""
        if not (self.required <= columns.keys() and columns.keys() <= self.names):
            return [None] * count  # every row misses a field, or has one the model has not
        checked: list[list[Any]] = []
        failed: set[int] = set()
        for column in self.columns:
            given = columns.get(column.name)
            values = list(given) if given is not None else [column.default] * count
            good, bad = _check_column(column, values)
            checked.append(good)
            failed |= bad
        names = [column.name for column in self.columns]
        results: list[Values | None] = [None] * count
        for i, row_values in enumerate(zip(*checked, strict=True)):
            if i in failed:
                continue
            values = dict(zip(names, row_values, strict=True))
            try:
                values.update(self.rules(values))
            except (ValueError, AssertionError):  # what pydantic reports from a validator
                continue
            results[i] = values
        return results


def _check_column(column: _Column, values: list[Any]) -> tuple[list[Any], set[int]]:
    """The checked values, and the positions of those that fail (whose place in the list
    holds None). Repeated texts are checked once, and remembered."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # unhashable values (JSON objects): each one is checked
        return _check_all(column.values, values)
    if len(distinct) * 2 > len(values) or not _only_text(distinct):
        return _check_all(column.values, values)
    known = column.known
    new = [value for value in distinct if value not in known]
    checked, bad = _check_all(column.values, new)
    pairs = enumerate(zip(new, checked, strict=True))
    taken = {value: done for i, (value, done) in pairs if i not in bad}
    if len(known) + len(taken) <= REMEMBERED_PER_FIELD:
        known.update(taken)
        lookup = known
    else:
        lookup = {value: known[value] for value in distinct if value in known} | taken
    if not bad:
        return [lookup[value] for value in values], bad
    failing = {new[i] for i in bad}
    return [lookup.get(value) for value in values], {
        i for i, value in enumerate(values) if value in failing
    }


def _check_all(adapter: TypeAdapter[list[Any]], values: list[Any]) -> tuple[list[Any], set[int]]:
    try:
        return adapter.validate_python(values), set()
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        bad = {error["loc"][0] for error in errors if isinstance(error["loc"][0], int)}
    if not bad:  # an error about the list itself, never about a value: judge each alone
        bad = set(range(len(values)))
    rest = [i for i in range(len(values)) if i not in bad]
    if not rest:
        return [None] * len(values), bad
    checked: list[Any] = [None] * len(values)
    for i, value in zip(rest, adapter.validate_python([values[i] for i in rest]), strict=True):
        checked[i] = value
    return checked, bad


def parse(model: type[ModelT], row: Mapping[str, Any]) -> ModelT:
    """One row as `model` takes it; InvalidData lists each of its problems, by field."""
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            messages.append(f"{where}: {message}" if where else message)
        raise InvalidData("; ".join(messages)) from None
