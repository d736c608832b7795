"""Context events: dated events a source reports (a ban, a law), drawn beside the figures on a
chart, with their revisions. Nothing else changes, so the full-text triggers are untouched.

Revision ID: e4a1c7d2b9f6
Revises: b7e3d5c1a9f2
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e4a1c7d2b9f6"
down_revision: str | None = "b7e3d5c1a9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("occurred_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column(
            "source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("inferred", sa.Text(), server_default="{}", nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_event_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_occurred_on", ["occurred_on", "id"], unique=False)
        batch_op.create_index("ix_event_source_id", ["source_id"], unique=False)

    op.create_table(
        "event_revision",
        sa.Column("occurred_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column(
            "source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("inferred", sa.Text(), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["event.id"], name=op.f("fk_event_revision_id_event")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_event_revision_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", "revision", name=op.f("pk_event_revision")),
    )
    with op.batch_alter_table("event_revision", schema=None) as batch_op:
        batch_op.create_index("ix_event_revision_recorded_at", ["recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_event_revision_recorded_at")

    op.drop_table("event_revision")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_source_id")
        batch_op.drop_index("ix_event_occurred_on")

    op.drop_table("event")
