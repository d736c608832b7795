"""Which values a source states and which were inferred: each observation and source (and
each of their revisions) keeps its marks, {"field": "why it was inferred"}, as JSON text.
Existing records mark nothing ({}): what they hold was taken as stated.

A source may also be a government's estimates (`government_estimate`), which are not its
statistics.

Revision ID: 9078a503ac21
Revises: ce99db916d70
Create Date: 2026-11-30 10:13:47.782842
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9078a503ac21"
down_revision: str | None = "ce99db916d70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("observation", "observation_revision", "source", "source_revision")
TYPES = ["news_report", "government_statistics", "intelligence_estimate"]
TYPES += ["official_statement", "testimony"]


def _source_types(types: list[str]) -> None:
    listed = ", ".join(f"'{name}'" for name in types)
    for table in ("source", "source_revision"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_type"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_type"), f"type IN ({listed})")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("inferred", sa.Text(), server_default="{}", nullable=False)
            )
    _source_types([*TYPES[:2], "government_estimate", *TYPES[2:]])


def downgrade() -> None:
    _source_types(TYPES)
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("inferred")
