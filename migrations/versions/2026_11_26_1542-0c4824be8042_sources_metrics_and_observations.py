"""Sources, metrics and observations: the first schema.

Revision ID: 0c4824be8042
Revises:
Create Date: 2026-11-26 15:42:17.078041
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0c4824be8042"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dataset_state = op.create_table(
        "dataset_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_state")),
    )
    # The single row whose data_version every write bumps.
    op.bulk_insert(dataset_state, [{"id": 1, "data_version": 0, "updated_at": None}])
    op.create_table(
        "metric",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('flow', 'stock')", name=op.f("ck_metric_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_metric")),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("published_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("relayed_through", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "type IN ('news_report', 'government_statistics', 'intelligence_estimate', 'official_statement', 'testimony')",
            name=op.f("ck_source_type"),
        ),
        sa.ForeignKeyConstraint(
            ["relayed_through"], ["source.id"], name=op.f("fk_source_relayed_through_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
    )
    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("period_label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("qualifier", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attributed_to", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("part_of", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "basis IN ('official', 'estimate', 'projection')", name=op.f("ck_observation_basis")
        ),
        sa.CheckConstraint(
            "qualifier IN ('exact', 'approximate', 'at_least', 'at_most', 'range')",
            name=op.f("ck_observation_qualifier"),
        ),
        sa.CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name=op.f("ck_observation_period_order"),
        ),
        sa.ForeignKeyConstraint(
            ["metric"], ["metric.code"], name=op.f("fk_observation_metric_metric")
        ),
        sa.ForeignKeyConstraint(
            ["part_of"], ["observation.id"], name=op.f("fk_observation_part_of_observation")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_observation_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
    )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_metric_period", ["metric", "period_start", "id"], unique=False
        )
        batch_op.create_index(
            "ix_observation_pair_metric_period",
            ["origin", "destination", "metric", "period_start", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_observation_part_of"), ["part_of"], unique=False)
        batch_op.create_index("ix_observation_period_end", ["period_end", "id"], unique=False)
        batch_op.create_index("ix_observation_period_start", ["period_start", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_observation_region"), ["region"], unique=False)
        batch_op.create_index("ix_observation_reported_on", ["reported_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_observation_source_id"), ["source_id"], unique=False)
        batch_op.create_index("ix_observation_value", ["value", "id"], unique=False)

    op.create_table(
        "observation_dimension",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_observation_dimension_observation_id_observation"),
        ),
        sa.PrimaryKeyConstraint("observation_id", "name", name=op.f("pk_observation_dimension")),
    )
    with op.batch_alter_table("observation_dimension", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_dimension_lookup", ["name", "value", "observation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("observation_dimension", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_dimension_lookup")

    op.drop_table("observation_dimension")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_value")
        batch_op.drop_index(batch_op.f("ix_observation_source_id"))
        batch_op.drop_index("ix_observation_reported_on")
        batch_op.drop_index(batch_op.f("ix_observation_region"))
        batch_op.drop_index("ix_observation_period_start")
        batch_op.drop_index("ix_observation_period_end")
        batch_op.drop_index(batch_op.f("ix_observation_part_of"))
        batch_op.drop_index("ix_observation_pair_metric_period")
        batch_op.drop_index("ix_observation_metric_period")

    op.drop_table("observation")
    op.drop_table("source")
    op.drop_table("metric")
    op.drop_table("dataset_state")
