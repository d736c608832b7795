"""Revisions, tokens and audit: edits never overwrite, and every write has an author.

Revision ID: 2bccb5f7beff
Revises: 0c4824be8042
Create Date: 2026-11-26 15:56:27.746035
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "2bccb5f7beff"
down_revision: str | None = "0c4824be8042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_FIELDS = "title, publisher, url, published_on, type, relayed_through, notes"
OBSERVATION_FIELDS = (
    "metric, origin, destination, region, dimensions, period_start, period_end, "
    "period_label, value, lower_bound, upper_bound, qualifier, basis, attributed_to, "
    "source_id, reported_on, quote, notes, part_of, retracted_at, retraction_reason"
)


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f("ck_api_token_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_token_key_id")),
        sa.UniqueConstraint("name", name=op.f("uq_api_token_name")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_recorded_at", ["recorded_at", "id"], unique=False)

    op.create_table(
        "source_revision",
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("published_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("relayed_through", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "type IN ('news_report', 'government_statistics', 'intelligence_estimate', 'official_statement', 'testimony')",
            name=op.f("ck_source_revision_type"),
        ),
        sa.ForeignKeyConstraint(["id"], ["source.id"], name=op.f("fk_source_revision_id_source")),
        sa.ForeignKeyConstraint(
            ["relayed_through"],
            ["source.id"],
            name=op.f("fk_source_revision_relayed_through_source"),
        ),
        sa.PrimaryKeyConstraint("id", "revision", name=op.f("pk_source_revision")),
    )
    with op.batch_alter_table("source_revision", schema=None) as batch_op:
        batch_op.create_index("ix_source_revision_recorded_at", ["recorded_at"], unique=False)

    op.create_table(
        "observation_revision",
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
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "basis IN ('official', 'estimate', 'projection')",
            name=op.f("ck_observation_revision_basis"),
        ),
        sa.CheckConstraint(
            "qualifier IN ('exact', 'approximate', 'at_least', 'at_most', 'range')",
            name=op.f("ck_observation_revision_qualifier"),
        ),
        sa.CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name=op.f("ck_observation_revision_period_order"),
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["observation.id"], name=op.f("fk_observation_revision_id_observation")
        ),
        sa.ForeignKeyConstraint(
            ["metric"], ["metric.code"], name=op.f("fk_observation_revision_metric_metric")
        ),
        sa.ForeignKeyConstraint(
            ["part_of"],
            ["observation.id"],
            name=op.f("fk_observation_revision_part_of_observation"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_observation_revision_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", "revision", name=op.f("pk_observation_revision")),
    )
    with op.batch_alter_table("observation_revision", schema=None) as batch_op:
        batch_op.create_index("ix_observation_revision_recorded_at", ["recorded_at"], unique=False)

    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retraction_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    # What was stored before revisions were kept becomes revision 1 of each record.
    for table, fields in (("source", SOURCE_FIELDS), ("observation", OBSERVATION_FIELDS)):
        op.execute(f"UPDATE {table} SET updated_at = CURRENT_TIMESTAMP")
        op.execute(
            f"INSERT INTO {table}_revision (id, revision, action, recorded_at, recorded_by, "
            f"reason, updated_at, {fields}) "
            f"SELECT id, 1, 'create', updated_at, 'migration', "
            f"'recorded before revisions were kept', updated_at, {fields} FROM {table}"
        )


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("revision")

    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("retraction_reason")
        batch_op.drop_column("retracted_at")
        batch_op.drop_column("revision")

    with op.batch_alter_table("observation_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_revision_recorded_at")

    op.drop_table("observation_revision")
    with op.batch_alter_table("source_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_source_revision_recorded_at")

    op.drop_table("source_revision")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_recorded_at")

    op.drop_table("audit_entry")
    op.drop_table("api_token")
