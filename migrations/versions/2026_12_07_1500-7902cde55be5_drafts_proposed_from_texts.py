"""Drafts: figures proposed from a source's text (`draft`), each waiting for an editor to
accept it (it becomes an observation) or reject it with a reason. No read of observations
touches this table.

Revision ID: 7902cde55be5
Revises: fda3ac58bd6c
Create Date: 2026-12-07 14:57:44.539177
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7902cde55be5"
down_revision: str | None = "fda3ac58bd6c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column(
            "source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("quote_start", sa.Integer(), nullable=False),
        sa.Column("quote_end", sa.Integer(), nullable=False),
        sa.Column("span", sa.Text(), nullable=False),
        sa.Column("span_start", sa.Integer(), nullable=False),
        sa.Column("span_end", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("metric_is_new", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("origin", sa.String(length=3), nullable=True),
        sa.Column("destination", sa.String(length=3), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("qualifier", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("attributed_to", sa.Text(), nullable=True),
        sa.Column("relayed_through", sa.Text(), nullable=True),
        sa.Column("what", sa.Text(), nullable=True),
        sa.Column("inferred", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asked_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "observation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"], ["observation.id"], name=op.f("fk_draft_observation_id_observation")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_draft_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index("ix_draft_source_id_id", ["source_id", "id"], unique=False)
        batch_op.create_index("ix_draft_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_status_id")
        batch_op.drop_index("ix_draft_source_id_id")

    op.drop_table("draft")
