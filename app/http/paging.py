"""Paging over HTTP: page sizes, opaque cursors (the sort and the last row's key as
base64url JSON), and the links to the next page (`links.next`, RFC 8288 `Link`)."""

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request

from app.domain.bounds import MAX_ID, check_text, id_in_range
from app.domain.paging import Cursor, page_of
from app.errors import InvalidParameter

RowT = TypeVar("RowT")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# A cursor holds a sort, a short value (a date, a number) and an id: a few dozen characters.
MAX_CURSOR_LENGTH = 1000
MAX_CURSOR_VALUE = 100


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.sort, cursor.value, cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _valid_value(value: object) -> bool:
    """What a cursor keeps of a row: text (a date), a number either database compares, or
    nothing. Anything else was not written by `encode_cursor`."""
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= MAX_CURSOR_VALUE and _is_valid_text(value)
    if type(value) is int:
        return -MAX_ID <= value <= MAX_ID
    return type(value) is float and math.isfinite(value)


def _is_valid_text(value: str) -> bool:
    try:
        check_text(value)
    except ValueError:
        return False
    return True


def decode_cursor(token: str, *, sort: str) -> Cursor:
    try:
        if len(token) > MAX_CURSOR_LENGTH:  # far longer than any cursor this API writes
            raise ValueError
        padded = token + "=" * (-len(token) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(decoded, list) or len(decoded) != 3:
            raise ValueError
        cursor_sort, value, last_id = decoded
        if not isinstance(cursor_sort, str) or type(last_id) is not int:  # bool is an int
            raise ValueError
        if not (_valid_value(cursor_sort) and _valid_value(value) and id_in_range(last_id)):
            raise ValueError
    # RecursionError: JSON nested deeper than the parser goes.
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
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
    page, cursor = page_of(rows, limit, sort=sort, sort_value=sort_value)
    return page, None if cursor is None else encode_cursor(cursor)


def read_page(
    cursor: str | None,
    *,
    limit: int,
    sort: str,
    read: Callable[[Cursor | None, int], Sequence[RowT]],
    sort_value: Callable[[RowT], Any] = lambda _row: None,
) -> tuple[list[RowT], str | None]:
    """A page of a keyset-paged list: the cursor decoded (a 400 naming `cursor` if it is
    not one of ours, or belongs to another sort), one row more than the page read
    (`read(after, count)`), and the page with the cursor to the next (None if last)."""
    after = decode_cursor(cursor, sort=sort) if cursor else None
    return trim_page(read(after, limit + 1), limit, sort=sort, sort_value=sort_value)


def next_url(request: Request, next_cursor: str | None, *, name: str = "cursor") -> str | None:
    """This URL asking for the next page: `next_cursor` in the parameter `name`."""
    if next_cursor is None:
        return None
    return str(request.url.include_query_params(**{name: next_cursor}))


def paging_headers(
    request: Request, next_cursor: str | None, *, name: str = "cursor"
) -> dict[str, str]:
    """RFC 8288: `Link: <…>; rel="next"` when there is a next page."""
    url = next_url(request, next_cursor, name=name)
    return {"Link": f'<{url}>; rel="next"'} if url else {}
