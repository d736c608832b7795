"""Statistical tables as sources: a table's bytes stored once by their SHA-256
(`stored_file`), a source naming its table (`file_sha256`, `file_name`), and a figure
naming the cell it is read from (`cell`), its quote then optional: each figure has one or
the other (`ck_observation_evidence`).

On SQLite the batch migrations of `observation` and `source` copy the tables, which drops
their full-text triggers (see the full-text search migration): they are created again.

Revision ID: fda3ac58bd6c
Revises: 56b287748dbb
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fda3ac58bd6c"
down_revision: str | None = "56b287748dbb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the full-text search migration made them (4f1c2a7e9b31).
_SQLITE_INDEX_ROW = (
    "INSERT INTO observation_search (rowid, quote, attributed_to, notes, source_title) "
    "VALUES (new.id, new.quote, new.attributed_to, new.notes, "
    "(SELECT title FROM source WHERE id = new.source_id));"
)
SQLITE_TRIGGERS = {
    "observation_search_insert": "CREATE TRIGGER observation_search_insert AFTER INSERT ON "
    f"observation BEGIN {_SQLITE_INDEX_ROW} END",
    "observation_search_update": "CREATE TRIGGER observation_search_update "
    "AFTER UPDATE OF id, quote, attributed_to, notes, source_id ON observation BEGIN "
    f"DELETE FROM observation_search WHERE rowid = old.id; {_SQLITE_INDEX_ROW} END",
    "observation_search_delete": "CREATE TRIGGER observation_search_delete AFTER DELETE ON "
    "observation BEGIN DELETE FROM observation_search WHERE rowid = old.id; END",
    "source_search_update": "CREATE TRIGGER source_search_update AFTER UPDATE OF title ON "
    "source WHEN old.title IS NOT new.title BEGIN UPDATE observation_search SET "
    "source_title = new.title WHERE rowid IN (SELECT id FROM observation WHERE source_id = "
    "new.id); END",
}
EVIDENCE = "quote IS NOT NULL OR cell IS NOT NULL"
# Source types, before and after an intergovernmental body's statistics (UN, OECD, ILO).
TYPES_BEFORE = (
    "news_report", "government_statistics", "government_estimate", "intelligence_estimate",
    "official_statement", "testimony",
)  # fmt: skip
TYPES = (*TYPES_BEFORE, "international_statistics")


def _types(types: tuple[str, ...]) -> str:
    return "type IN (" + ", ".join(f"'{name}'" for name in types) + ")"


def _drop_sqlite_triggers() -> None:
    """Before copying the tables: a trigger naming a table being renamed stops the copy."""
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _restore_sqlite_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def upgrade() -> None:
    _drop_sqlite_triggers()
    op.create_table(
        "stored_file",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_stored_file")),
    )
    for table in ("observation", "observation_revision"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("cell", sa.Text(), nullable=True))
            batch_op.alter_column("quote", existing_type=sa.Text(), nullable=True)
            batch_op.create_check_constraint("evidence", EVIDENCE)
    for table in ("source", "source_revision"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_file_sha256_stored_file"),
                "stored_file",
                ["file_sha256"],
                ["sha256"],
            )
            batch_op.drop_constraint(op.f(f"ck_{table}_type"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_type"), _types(TYPES))
    _restore_sqlite_triggers()


def downgrade() -> None:
    _drop_sqlite_triggers()
    for table in ("source_revision", "source"):
        # The nearest type the schema had before: statistics, though not a government's.
        op.execute(
            f"UPDATE {table} SET type = 'government_statistics' "
            "WHERE type = 'international_statistics'"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_type"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_type"), _types(TYPES_BEFORE))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_file_sha256_stored_file"), type_="foreignkey"
            )
            batch_op.drop_column("file_name")
            batch_op.drop_column("file_sha256")
    for table in ("observation_revision", "observation"):
        # A figure read from a cell has no quote to go back to: it cannot be kept.
        op.execute(f"DELETE FROM {table} WHERE quote IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_evidence"), type_="check")
            batch_op.alter_column("quote", existing_type=sa.Text(), nullable=False)
            batch_op.drop_column("cell")
    op.drop_table("stored_file")
    _restore_sqlite_triggers()
