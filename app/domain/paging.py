"""Keyset paging: a page ends at a row, and the next page starts after it."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: its sort, and the last row's sort value and id."""

    sort: str
    value: Any  # JSON-compatible: a date as text, a number, a string or None
    id: int
