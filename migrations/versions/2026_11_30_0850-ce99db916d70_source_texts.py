"""A source may keep its full text, or only the SHA-256 of a text it may not keep.

Quotes are checked against the text; its revisions keep it, like every written field.

Revision ID: ce99db916d70
Revises: 5b1f0e2c9a7d
Create Date: 2026-11-30 08:50:09.228711
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ce99db916d70"
down_revision: str | None = "5b1f0e2c9a7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("text_sha256", sa.String(length=64), nullable=True))

    with op.batch_alter_table("source_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("text_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_revision", schema=None) as batch_op:
        batch_op.drop_column("text_sha256")
        batch_op.drop_column("text")

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("text_sha256")
        batch_op.drop_column("text")
