"""Facet indexes: one per faceted column over the observations not retracted, so that a facet
of the whole list (`facet=origin`) scans a small index in its own order, not every row; the
same index counts them (`count=true`).

Plain CREATE INDEX, not a batch operation: on SQLite a batch copy of `observation` would drop
the full-text triggers.

Revision ID: b7e3d5c1a9f2
Revises: 4f1c2a7e9b31
Create Date: 2026-12-01 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e3d5c1a9f2"
down_revision: str | None = "4f1c2a7e9b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("metric", "origin", "destination", "region", "basis", "qualifier", "source_id")
LIVE = "retracted_at IS NULL"


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(
            f"ix_observation_live_{column}",
            "observation",
            [column],
            unique=False,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_index(f"ix_observation_live_{column}", table_name="observation")
