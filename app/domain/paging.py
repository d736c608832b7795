"""Keyset paging: a page ends at a row, and the next page starts after it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: its sort, and the last row's sort value and id."""

    sort: str
    value: Any  # JSON-compatible: a date as text, a number, a string or None
    id: int


def page_of(
    rows: Sequence[RowT],
    limit: int,
    *,
    sort: str,
    sort_value: Callable[[RowT], Any] = lambda _row: None,
) -> tuple[list[RowT], Cursor | None]:
    """From `limit + 1` rows read, the page and where the next one starts (None: the last)."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    last = page[-1]
    return page, Cursor(sort=sort, value=sort_value(last), id=last.id)  # type: ignore[attr-defined]
