"""Token names unique among the tokens not revoked: a revoked token stays, for the audit
trail, and its name may be given to a new token. A partial unique index on both SQLite and
PostgreSQL replaces the unique constraint on the name.

Going down, a revoked token whose name is in use again is renamed "NAME (revoked #ID)", so
that the names are unique once more.

Revision ID: 56b287748dbb
Revises: e4a1c7d2b9f6
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "56b287748dbb"
down_revision: str | None = "e4a1c7d2b9f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_REVOKED = "revoked_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_api_token_name"), type_="unique")
        batch_op.create_index(
            "uq_api_token_name_not_revoked",
            ["name"],
            unique=True,
            sqlite_where=sa.text(NOT_REVOKED),
            postgresql_where=sa.text(NOT_REVOKED),
        )


def downgrade() -> None:
    op.execute(
        "UPDATE api_token SET name = SUBSTR(name, 1, 60) || ' (revoked #' || id || ')' "
        "WHERE revoked_at IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM api_token AS other WHERE other.name = api_token.name "
        "AND other.id <> api_token.id)"
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_api_token_name_not_revoked",
            sqlite_where=sa.text(NOT_REVOKED),
            postgresql_where=sa.text(NOT_REVOKED),
        )
        batch_op.create_unique_constraint(batch_op.f("uq_api_token_name"), ["name"])
