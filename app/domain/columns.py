"""How the declarations' values are stored, alike on SQLite and PostgreSQL: moments in UTC,
and breakdowns as canonical JSON text so that equal breakdowns compare equal in SQL; and
how SQL reads stored dates and moments back as the text they are served as."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC on every database: SQLite keeps no time zone, so store naive UTC and
    hand back aware UTC, and as-of comparisons mean the same everywhere."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical_dimensions(dimensions: Mapping[str, str]) -> str:
    """Breakdowns (or inferences) as stored: sorted keys, no spaces, "{}" for none."""
    return json.dumps(dict(sorted(dimensions.items())), separators=(",", ":"), ensure_ascii=False)


class Dimensions(TypeDecorator[dict[str, str]]):
    """Breakdowns ({"visa_type": "student"}) in a text column, as canonical JSON. Inferences
    ({"period": "why"}) are stored the same way."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Mapping[str, str] | None, dialect: Dialect) -> Any:
        return None if value is None else canonical_dimensions(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, str] | None:
        return None if value is None else json.loads(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ServedDate(FunctionElement[str]):
    """A stored date as served, in SQL: YYYY-MM-DD text. Lets reads hand rows to JSON as the
    cursor returns them, without a date object per value."""

    type = String()
    name = "served_date"
    inherit_cache = True


class ServedMoment(FunctionElement[str]):
    """A stored moment as served, in SQL: ISO 8601 in UTC with a Z, with microseconds only
    when there are some (as `datetime.isoformat` writes it)."""

    type = String()
    name = "served_moment"
    inherit_cache = True


@compiles(ServedDate, "sqlite")
def _sqlite_date(element: ServedDate, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # stored as YYYY-MM-DD already


@compiles(ServedDate, "postgresql")
def _postgresql_date(element: ServedDate, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(ServedMoment, "sqlite")
def _sqlite_moment(element: ServedMoment, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'.
    moment = compiler.process(element.clauses, **kw)
    return f"replace(replace({moment}, ' ', 'T') || 'Z', '.000000Z', 'Z')"


@compiles(ServedMoment, "postgresql")
def _postgresql_moment(element: ServedMoment, compiler: SQLCompiler, **kw: Any) -> str:
    utc = f"({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC')"
    micro = f"to_char({utc}, 'US')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN {micro} = '000000' THEN '' ELSE '.' || {micro} END || 'Z')"
    )
