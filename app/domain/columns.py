"""How the declarations' values are stored, alike on SQLite and PostgreSQL: moments in UTC,
and breakdowns as canonical JSON text so that equal breakdowns compare equal in SQL."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Text
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
    """Breakdowns as stored: sorted keys, no spaces, "{}" for a total."""
    return json.dumps(dict(sorted(dimensions.items())), separators=(",", ":"), ensure_ascii=False)


class Dimensions(TypeDecorator[dict[str, str]]):
    """Breakdowns ({"visa_type": "student"}) in a text column, as canonical JSON."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Mapping[str, str] | None, dialect: Dialect) -> Any:
        return None if value is None else canonical_dimensions(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, str] | None:
        return None if value is None else json.loads(value)


def utc_now() -> datetime:
    return datetime.now(UTC)
