"""Indexes that match every documented filter, and periods that always have a start.

Revision ID: 731e387192a2
Revises: 2bccb5f7beff
Create Date: 2026-11-26 16:19:13.128168
"""

from collections.abc import Sequence

from alembic import op

revision: str = "731e387192a2"
down_revision: str | None = "2bccb5f7beff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_metric_period"))
        batch_op.drop_index(batch_op.f("ix_observation_region"))
        batch_op.drop_index(batch_op.f("ix_observation_source_id"))
        batch_op.create_index("ix_observation_basis_id", ["basis", "id"], unique=False)
        batch_op.create_index("ix_observation_destination_id", ["destination", "id"], unique=False)
        batch_op.create_index("ix_observation_origin_id", ["origin", "id"], unique=False)
        batch_op.create_index("ix_observation_metric_id", ["metric", "id"], unique=False)
        batch_op.create_index(
            "ix_observation_pair_metric_id", ["origin", "destination", "metric", "id"], unique=False
        )
        batch_op.create_index("ix_observation_qualifier_id", ["qualifier", "id"], unique=False)
        batch_op.create_index("ix_observation_region_id", ["region", "id"], unique=False)
        batch_op.create_index("ix_observation_source_id_id", ["source_id", "id"], unique=False)
        batch_op.create_index(
            "ix_observation_natural_key",
            ["source_id", "attributed_to", "metric", "period_start"],
            unique=False,
        )
    # A period starts somewhere, so the start bound of a period filter can use its index.
    for table in ("observation", "observation_revision"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(
                "period_start", "period_end IS NULL OR period_start IS NOT NULL"
            )


def downgrade() -> None:
    for table in ("observation", "observation_revision"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_period_start"), type_="check")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_natural_key")
        batch_op.drop_index("ix_observation_source_id_id")
        batch_op.drop_index("ix_observation_region_id")
        batch_op.drop_index("ix_observation_qualifier_id")
        batch_op.drop_index("ix_observation_pair_metric_id")
        batch_op.drop_index("ix_observation_metric_id")
        batch_op.drop_index("ix_observation_origin_id")
        batch_op.drop_index("ix_observation_destination_id")
        batch_op.drop_index("ix_observation_basis_id")
        batch_op.create_index(batch_op.f("ix_observation_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_observation_region"), ["region"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_observation_metric_period"),
            ["metric", "period_start", "id"],
            unique=False,
        )
