"""Opaque cursors for keyset pagination: the sort and the last row's key, base64url JSON."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.errors import InvalidParameter

RowT = TypeVar("RowT")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: Any  # the sort column's value in the last row returned (JSON-compatible)
    id: int


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.sort, cursor.value, cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, *, sort: str) -> Cursor:
    try:
        padded = token + "=" * (-len(token) % 4)
        cursor_sort, value, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(cursor_sort, str) or not isinstance(last_id, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameter(
            "cursor is not valid: pass the next_cursor value of a previous page unchanged.",
            parameter="cursor",
        ) from None
    if cursor_sort != sort:
        raise InvalidParameter(
            f"This cursor belongs to sort={cursor_sort}, not sort={sort}: "
            "keep the same sort while paging, or start again without a cursor.",
            parameter="cursor",
        )
    return Cursor(sort=cursor_sort, value=value, id=last_id)


def trim_page(
    rows: Sequence[RowT],
    limit: int,
    *,
    sort: str,
    sort_value: Callable[[RowT], Any] = lambda _row: None,
) -> tuple[list[RowT], str | None]:
    """From `limit + 1` rows read, the page and the cursor to the next one (None if last)."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    last = page[-1]
    cursor = Cursor(sort=sort, value=sort_value(last), id=last.id)
    return page, encode_cursor(cursor)
