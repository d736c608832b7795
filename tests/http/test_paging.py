"""Opaque paging cursors and the trimming of a page read one row long (app.http.paging)."""

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from app.domain.paging import Cursor
from app.errors import InvalidParameter
from app.http.paging import decode_cursor, encode_cursor, trim_page

URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _token(payload: Any) -> str:
    """Base64url of `payload` serialised as JSON (or of the bytes given), unpadded."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor(sort="id", value=None, id=1),
        Cursor(sort="value", value=10000, id=42),
        Cursor(sort="value", value=-3, id=7),
        Cursor(sort="value", value=0.5, id=8),
        Cursor(sort="metric", value="workers_entered", id=3),
        Cursor(sort="attributed_to", value='Курск "quoted", ?&=/', id=9),
        Cursor(sort="period_start", value="2024-01-01", id=123456789),
        Cursor(sort="-period_start", value="2024-12-31", id=2),
    ],
)
def test_a_cursor_decodes_to_what_was_encoded(cursor: Cursor) -> None:
    assert decode_cursor(encode_cursor(cursor), sort=cursor.sort) == cursor


@pytest.mark.parametrize("id_", range(1, 7))
@pytest.mark.parametrize("value", [None, "a", "ab", "abc", 1.25, "ü>?"])
def test_a_cursor_is_url_safe_and_unpadded(value: Any, id_: int) -> None:
    token = encode_cursor(Cursor(sort="metric", value=value, id=id_))
    assert token
    assert set(token) <= URL_SAFE


def test_a_cursor_is_base64url_json_of_sort_value_and_id() -> None:
    token = encode_cursor(Cursor(sort="period_start", value="2024-01-01", id=5))
    assert "=" not in token
    padded = token + "=" * (-len(token) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == ["period_start", "2024-01-01", 5]


def test_a_cursor_made_for_another_sort_is_refused_naming_both() -> None:
    token = encode_cursor(Cursor(sort="period_start", value="2024-01-01", id=5))
    with pytest.raises(InvalidParameter) as caught:
        decode_cursor(token, sort="value")
    assert "sort=period_start" in caught.value.detail
    assert "sort=value" in caught.value.detail
    assert caught.value.extra == {"parameter": "cursor"}
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-cursor", id="not-base64-json"),
        pytest.param("", id="empty"),
        pytest.param(_token(b"hello, world"), id="not-json"),
        pytest.param(_token(b"\xff\xfe\xfd"), id="not-utf8"),
        pytest.param(_token({"sort": "id", "value": None, "id": 1}), id="object"),
        pytest.param(_token(["id", None]), id="list-of-two"),
        pytest.param(_token(["id", None, 1, 2]), id="list-of-four"),
        pytest.param(_token(["id", None, "1"]), id="text-id"),
        pytest.param(_token(["id", None, 1.5]), id="float-id"),
        pytest.param(_token(["id", None, None]), id="null-id"),
        pytest.param(_token(["id", None, True]), id="boolean-id"),
        pytest.param(_token([1, None, 1]), id="number-sort"),
        pytest.param(_token(42), id="number"),
        pytest.param(_token("abc"), id="three-letter-string"),
        pytest.param("YQ", id="truncated"),
        pytest.param("a", id="one-character"),
    ],
)
def test_a_garbled_cursor_is_refused_as_an_invalid_cursor_parameter(token: str) -> None:
    with pytest.raises(InvalidParameter, match="cursor is not valid") as caught:
        decode_cursor(token, sort="id")
    assert caught.value.extra == {"parameter": "cursor"}


def _rows(count: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=10 + n, day=f"2024-01-{n + 1:02d}") for n in range(count)]


@pytest.mark.parametrize(("count", "limit"), [(0, 3), (1, 3), (2, 3), (3, 3), (1, 1)])
def test_a_page_of_at_most_limit_rows_is_the_last_one(count: int, limit: int) -> None:
    rows = _rows(count)
    page, cursor = trim_page(rows, limit, sort="id")
    assert page == rows
    assert cursor is None


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_one_row_more_than_limit_gives_a_page_of_limit_and_a_cursor_to_the_next(
    limit: int,
) -> None:
    rows = _rows(limit + 1)
    page, cursor = trim_page(rows, limit, sort="day", sort_value=lambda row: row.day)
    assert page == rows[:limit]
    assert cursor is not None
    assert decode_cursor(cursor, sort="day") == Cursor(
        sort="day", value=rows[limit - 1].day, id=rows[limit - 1].id
    )


def test_a_cursor_without_a_sort_value_carries_none_and_the_last_id() -> None:
    rows = _rows(4)
    page, cursor = trim_page(rows, 3, sort="id")
    assert [row.id for row in page] == [10, 11, 12]
    assert cursor is not None
    assert decode_cursor(cursor, sort="id") == Cursor(sort="id", value=None, id=12)


def test_trim_page_returns_a_new_list_of_a_tuple_of_rows() -> None:
    rows = tuple(_rows(2))
    page, cursor = trim_page(rows, 5, sort="id")
    assert page == list(rows)
    assert isinstance(page, list)
    assert cursor is None
