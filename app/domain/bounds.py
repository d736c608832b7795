"""What both databases can store, checked on the way in so that a value one of them
cannot hold is a client's error naming the field, never a 500: ids are 64-bit integers
(SQLite's INTEGER, PostgreSQL's BIGINT), and text is valid Unicode without NUL (PostgreSQL
refuses NUL in text, and neither driver can encode an unpaired surrogate)."""

from typing import Annotated

from pydantic import BeforeValidator, Field
from sqlalchemy import BigInteger, Integer

# The largest id either database stores: a signed 64-bit integer.
MAX_ID = 2**63 - 1

# Ids and the columns that refer to them: BIGINT on PostgreSQL; on SQLite, INTEGER, which is
# already 64-bit and which alone makes a primary key the rowid (ids assigned on insert).
IdColumn = BigInteger().with_variant(Integer(), "sqlite")

# An id as a client writes it (a reference to a record, a revision): 1 up to MAX_ID.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


def id_in_range(value: int) -> bool:
    """Whether a record could have this id: a larger one is no record's, never an error."""
    return 1 <= value <= MAX_ID


def no_record_past_max_id(value: object) -> object:
    """An id written with hundreds of digits is past MAX_ID: say so without parsing it
    (Python refuses past 4,300 digits), so that it names no record."""
    if isinstance(value, str) and len(value) > 100 and value.lstrip("+-").isdigit():
        return -(MAX_ID + 1) if value.startswith("-") else MAX_ID + 1
    return value


def check_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "must be valid Unicode: it holds an unpaired surrogate (\\ud800 to \\udfff)"
            ) from None
    return value


def _valid_text(value: object) -> object:
    return check_text(value) if isinstance(value, str) else value


# Runs before pydantic's own checks: a length or pattern check meets an unpaired surrogate
# with UnicodeEncodeError, not a validation error. In a type with a pattern, put it after
# the pattern (Annotated[str, Field(pattern=...), TEXT_CHECK]): a pattern applied outside a
# validator is still checked but drops out of the JSON schema.
TEXT_CHECK = BeforeValidator(_valid_text)

# Every text field a client writes is this: the check runs wherever the field is validated
# (bodies, edits, import rows a column at a time), once, declared here.
ValidText = Annotated[str, TEXT_CHECK]
