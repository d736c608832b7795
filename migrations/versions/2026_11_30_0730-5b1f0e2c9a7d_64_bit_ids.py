"""Ids and the columns that refer to them are 64-bit on PostgreSQL too, as on SQLite.

A SQLite INTEGER already holds 64 bits, so SQLite needs nothing; on PostgreSQL, 32-bit
columns made an id above 2,147,483,647 a 500 (and capped how many rows could ever be
written), while SQLite took it.

Revision ID: 5b1f0e2c9a7d
Revises: 731e387192a2
Create Date: 2026-11-30 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1f0e2c9a7d"
down_revision: str | None = "731e387192a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_COLUMNS = {
    "observation": ("id", "source_id", "part_of"),
    "observation_revision": ("id", "source_id", "part_of"),
    "observation_dimension": ("observation_id",),
    "source": ("id", "relayed_through"),
    "source_revision": ("id", "relayed_through"),
    "audit_entry": ("id",),
    "api_token": ("id",),
}
# The tables whose ids a sequence assigns; the sequence must count as far as the column.
SEQUENCED = ("observation", "source", "audit_entry", "api_token")


def _retype(new: sa.types.TypeEngine[int], old: sa.types.TypeEngine[int], sql: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=new, existing_type=old)
    for table in SEQUENCED:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS {sql}")


def upgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer(), "bigint")


def downgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger(), "integer")
