"""Metric revisions: each state a metric was given, for the change feed. A metric that
exists already gets one revision, its state now, dated by the audit trail's first entry
for it (when there is one) and marked as such: its earlier states were not kept.

Revision ID: a4cf15a4c808
Revises: 570e7c977f11
Create Date: 2026-12-07 17:48:12.083293
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "a4cf15a4c808"
down_revision: str | None = "570e7c977f11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_revision",
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("change_version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"], ["metric.code"], name=op.f("fk_metric_revision_code_metric")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_revision")),
        sa.UniqueConstraint("code", "revision", name=op.f("uq_metric_revision_code")),
    )
    with op.batch_alter_table("metric_revision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metric_revision_change", ["change_version", "id", "revision"], unique=False
        )
        batch_op.create_index("ix_metric_revision_recorded_at", ["recorded_at"], unique=False)
    record_existing_metrics()


BACKFILLED = (
    "The metric as it stood when metrics joined the change feed; earlier states were not kept."
)


def record_existing_metrics() -> None:
    connection = op.get_bind()
    metric = sa.table(
        "metric",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("unit", sa.String),
        sa.column("definition", sa.Text),
        sa.column("kind", sa.String),
        sa.column("dimensions", sa.JSON),
    )
    audit = sa.table(
        "audit_entry",
        sa.column("id", sa.Integer),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("target", sa.String),
    )
    first_entries = {
        row.target: row
        for row in connection.execute(
            sa.select(audit.c.target, audit.c.recorded_at, audit.c.actor)
            .where(audit.c.action == "metric.create")
            .order_by(audit.c.id.desc())
        )
    }
    revision = sa.table(
        "metric_revision",
        sa.column("revision", sa.Integer),
        sa.column("action", sa.String),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("recorded_by", sa.String),
        sa.column("reason", sa.Text),
        sa.column("code", sa.String),
        sa.column("state", sa.JSON),
        sa.column("change_version", sa.BigInteger),
    )
    now = datetime.now(UTC)
    rows = []
    for row in connection.execute(sa.select(metric).order_by(metric.c.code)):
        created = first_entries.get(f"metric/{row.code}")
        rows.append(
            {
                "revision": 1,
                "action": "create",
                "recorded_at": created.recorded_at if created else now,
                "recorded_by": created.actor if created else "unrecorded",
                "reason": BACKFILLED,
                "code": row.code,
                "state": dict(row._mapping),
                "change_version": 0,
            }
        )
    if rows:
        op.bulk_insert(revision, rows)


def downgrade() -> None:
    with op.batch_alter_table("metric_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_revision_recorded_at")
        batch_op.drop_index("ix_metric_revision_change")

    op.drop_table("metric_revision")
