"""Query strings as models: each endpoint declares its parameters as one model, and a
parameter it does not declare is refused with a 400 that names it and lists the accepted
ones, never ignored. Lists of observations and series also take breakdown filters
(`visa_type=student`) as extra fields, checked against the catalog's dimension names.
Path ids are checked here too (`record_id`)."""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Annotated, Any, ClassVar, Literal

from fastapi import Depends, Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.bounds import check_text, id_in_range, no_record_past_max_id
from app.domain.dates import AsOf, parse_day, partial_date_span
from app.errors import InvalidParameter, NotFound, UnknownParameter, did_you_mean
from app.http.formats import FigureFormat, Format
from app.http.paging import DEFAULT_LIMIT, MAX_LIMIT


def unknown_parameters_message(unknown: list[str], allowed: list[str]) -> str:
    hints = "".join(did_you_mean(name, allowed) for name in unknown)
    return (
        f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
        f"{hints} This endpoint accepts: {', '.join(allowed) or 'no parameters'}."
    )


class QueryParameters(BaseModel):
    """A query string. Unknown parameters are an error, with the accepted ones listed;
    models with `accepts_breakdowns` keep them as extras for the router to check."""

    model_config = ConfigDict(extra="forbid")
    accepts_breakdowns: ClassVar[bool] = False

    @classmethod
    def accepted(cls) -> list[str]:
        return sorted(info.alias or name for name, info in cls.model_fields.items())

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown(cls, data: Any) -> Any:
        if cls.accepts_breakdowns or not isinstance(data, Mapping):
            return data
        unknown = sorted(set(data) - set(cls.accepted()))
        if unknown:
            allowed = cls.accepted()
            raise PydanticCustomError(
                "unknown_parameter",
                unknown_parameters_message(unknown, allowed),
                {"unknown": unknown, "allowed": allowed},
            )
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        """Every parameter, whatever its type: text both databases can compare (no NUL)."""
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                check_text(item)
        return value

    def breakdowns(self, dimension_names: Iterable[str]) -> dict[str, str]:
        """The extra parameters, each naming a breakdown dimension; any other is refused."""
        extra = {
            name: str(value[-1] if isinstance(value, list) else value)  # the last one wins
            for name, value in (self.model_extra or {}).items()
        }
        known = set(dimension_names)
        unknown = sorted(set(extra) - known)
        if unknown:
            allowed = sorted({*self.accepted(), *known})
            raise UnknownParameter(
                unknown_parameters_message(unknown, allowed), unknown=unknown, allowed=allowed
            )
        for name, value in extra.items():
            try:
                check_text(value)
            except ValueError as exc:
                raise InvalidParameter(f"{name} {exc}.", parameter=name) from None
        return extra


def check_order(params: BaseModel, start: str, end: str) -> None:
    """A range of dates whose start comes after its end selects nothing, surely by mistake:
    a 400 naming both parameters."""
    first, last = getattr(params, start), getattr(params, end)
    if first is None or last is None:
        return
    if partial_date_span(first)[0] > partial_date_span(last)[1]:
        raise InvalidParameter(
            f"{start} {first} is after {end} {last}: the range holds no day. Swap them.",
            parameter=start,
        )


class NoParameters(QueryParameters):
    """An endpoint that takes no query parameters."""


class BreakdownParameters(QueryParameters):
    """A query string that may also name breakdowns (`visa_type=student`)."""

    model_config = ConfigDict(extra="allow")
    accepts_breakdowns: ClassVar[bool] = True


def _page_size_or_all(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() == "all":
        return "all"
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise ValueError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, or all (with format=csv "
            f"or format=ndjson), not {value!r}"
        )
    return number


Limit = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_LIMIT,
        description=f"Items per page, 1 to {MAX_LIMIT}. A value outside that is refused, "
        "never clamped.",
    ),
]
LimitOrAll = Annotated[
    Annotated[int, Field(ge=1, le=MAX_LIMIT)] | Literal["all"],
    BeforeValidator(_page_size_or_all),
    Field(
        description=f"Items per page, 1 to {MAX_LIMIT} (outside that: 400, never clamped); or "
        "`all` with format=csv or ndjson to stream every match in one response, whose "
        "X-Total-Count header gives the row count.",
    ),
]
CursorToken = Annotated[
    str | None,
    Field(description="Opaque: the `meta.next_cursor` of the previous page. Stable under inserts."),
]
FormatChoice = Annotated[
    Format | None,
    Field(
        description="json (default), csv (RFC 4180, UTF-8, header row) or ndjson. "
        "Without it, the Accept header decides (text/csv, application/x-ndjson).",
    ),
]
FigureFormatChoice = Annotated[
    FigureFormat | None,
    Field(
        description="json (default), csv (RFC 4180, UTF-8, header row), ndjson, sdmx-csv "
        "(SDMX-CSV 2.0: a dimension per part of a figure's key, its status and attributes) "
        "or jsonstat (a JSON-stat 2.0 dataset, served as application/json: dimensions "
        "metric, origin, destination, period and figure, one category per observation id; "
        "docs/api.md). Without it, the Accept header decides (text/csv, "
        "application/x-ndjson, application/vnd.sdmx.data+csv); no Accept header asks for "
        "JSON-stat, which has no media type of its own.",
    ),
]


AsOfParameter = Annotated[
    AsOf | None,
    BeforeValidator(parse_day),
    Field(
        description="A UTC day, YYYY-MM-DD: answer with what the API held at the end of it "
        "(later revisions and observations unseen, later retractions not yet applied).",
        examples=["2025-03-01"],
    ),
]


def parse_moment(value: Any) -> Any:
    """A UTC moment: 2025-03-01T12:00:00Z, or a day (its first moment). Not a number, which
    pydantic would read as seconds since 1970."""
    if not isinstance(value, str) or not _DAY_FIRST.match(value):
        raise ValueError("give a UTC moment, 2025-03-01T12:00:00Z, or a day, 2025-03-01")
    return f"{value}T00:00:00Z" if len(value) == 10 else value


_DAY_FIRST = re.compile(r"^\d{4}-\d{2}-\d{2}")


UpdatedAfter = Annotated[
    AwareDatetime | None,
    BeforeValidator(parse_moment),
    AfterValidator(lambda moment: moment.astimezone(UTC) if moment else moment),
    Field(
        description="Only what was added or revised after this UTC moment (SDMX's "
        "updatedAfter): 2025-03-01T12:00:00Z, or a day for its start. With "
        "include_retracted=true (figures and events), what was retracted after it too. "
        "/v1/changes lists each change itself.",
        examples=["2026-12-01T00:00:00Z"],
    ),
]


class PageParameters(QueryParameters):
    limit: Limit = DEFAULT_LIMIT
    cursor: CursorToken = None


class FormatParameters(QueryParameters):
    """A whole list, as JSON, CSV or NDJSON."""

    format: FormatChoice = None


class PagedFormatParameters(PageParameters):
    """A paged list, each page as JSON, CSV or NDJSON."""

    format: FormatChoice = None


class AsOfParameters(QueryParameters):
    as_of: AsOfParameter = None


def record_id(subject: str, *, example: int) -> Any:
    """The `{subject}_id` path parameter as a dependency. An id outside 1 to 2^63-1 names
    no record on either database: a 404, never an overflow. Async, because a check this
    small is not worth a thread's round trip."""
    name = f"{subject}_id"

    def whole_number(value: object) -> object:
        """An id that is not a whole number, said as such, in the API's own words."""
        if isinstance(value, str) and not value.strip().lstrip("+-").isdigit():
            raise ValueError(
                f"{value[:40]!r} is not an id: {subject} ids are whole numbers, such as {example}"
            )
        return no_record_past_max_id(value)

    async def path_id(
        value: Annotated[
            int,
            BeforeValidator(whole_number),
            Path(
                alias=name,
                description=f"The {subject}'s id. One outside 1 to 2^63-1 names none: 404.",
                examples=[example],
                json_schema_extra={"format": "int64"},
            ),
        ],
    ) -> int:
        if not id_in_range(value):  # no database could hold it: no record has it
            raise NotFound(f"There is no {subject} {value}.", subject=subject)
        return value

    return Depends(path_id)
