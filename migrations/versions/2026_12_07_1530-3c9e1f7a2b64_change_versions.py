"""The change feed's order: each revision keeps the data version of the transaction that
wrote it (`change_version`, in commit order), indexed with its id and revision so that the
feed pages by it. History written before keeps 0, and comes first.

Revision ID: 3c9e1f7a2b64
Revises: 7902cde55be5
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e1f7a2b64"
down_revision: str | None = "7902cde55be5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = ("source", "event", "observation")


def upgrade() -> None:
    # A column with a constant default: both databases add it without copying the table.
    for record in RECORDS:
        op.add_column(
            f"{record}_revision",
            sa.Column("change_version", sa.BigInteger(), server_default="0", nullable=False),
        )
        op.create_index(
            f"ix_{record}_revision_change",
            f"{record}_revision",
            ["change_version", "id", "revision"],
        )


def downgrade() -> None:
    for record in RECORDS:
        op.drop_index(f"ix_{record}_revision_change", table_name=f"{record}_revision")
        with op.batch_alter_table(f"{record}_revision") as batch_op:
            batch_op.drop_column("change_version")
