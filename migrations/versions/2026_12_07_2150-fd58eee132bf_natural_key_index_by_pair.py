"""The natural-key index also by origin and destination: an official table's rows share
their source, claimant, metric and period, a news report's their pair and metric, and the
index an import's rows are matched by must narrow both to a row.

Revision ID: fd58eee132bf
Revises: a4cf15a4c808
Create Date: 2026-12-07 21:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "fd58eee132bf"
down_revision: str | None = "a4cf15a4c808"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIM = ["source_id", "attributed_to", "metric", "period_start"]


def upgrade() -> None:
    op.drop_index("ix_observation_natural_key", table_name="observation")
    op.create_index("ix_observation_natural_key", "observation", [*CLAIM, "origin", "destination"])


def downgrade() -> None:
    op.drop_index("ix_observation_natural_key", table_name="observation")
    op.create_index("ix_observation_natural_key", "observation", CLAIM)
