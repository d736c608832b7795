"""Full-text search over observations: their quote, claimant (attributed_to), notes and
their source's title, kept current by triggers in every writer's transaction, and filled
for the rows already stored.

SQLite: an FTS5 table `observation_search` (rowid = observation id), tokenised by
unicode61 with accents kept (as PostgreSQL's `simple` configuration keeps them).
PostgreSQL: a `tsvector` column `observation.search_document` (weights: quote and claimant
A, source title B, notes C) with a GIN index, made by `observation_search_document()`.
See app/models/search.py.

Revision ID: 4f1c2a7e9b31
Revises: 9078a503ac21
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4f1c2a7e9b31"
down_revision: str | None = "9078a503ac21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite drops a table's triggers with it: a later batch migration of `observation` or
# `source` must run these again.
_SQLITE_INDEX_ROW = (
    "INSERT INTO observation_search (rowid, quote, attributed_to, notes, source_title) "
    "VALUES (new.id, new.quote, new.attributed_to, new.notes, "
    "(SELECT title FROM source WHERE id = new.source_id));"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER observation_search_insert AFTER INSERT ON observation BEGIN "
    f"{_SQLITE_INDEX_ROW} END",
    "CREATE TRIGGER observation_search_update "
    "AFTER UPDATE OF id, quote, attributed_to, notes, source_id ON observation BEGIN "
    "DELETE FROM observation_search WHERE rowid = old.id; "
    f"{_SQLITE_INDEX_ROW} END",
    "CREATE TRIGGER observation_search_delete AFTER DELETE ON observation BEGIN "
    "DELETE FROM observation_search WHERE rowid = old.id; END",
    "CREATE TRIGGER source_search_update AFTER UPDATE OF title ON source "
    "WHEN old.title IS NOT new.title BEGIN "
    "UPDATE observation_search SET source_title = new.title "
    "WHERE rowid IN (SELECT id FROM observation WHERE source_id = new.id); END",
]
SQLITE_TRIGGER_NAMES = [
    "observation_search_insert",
    "observation_search_update",
    "observation_search_delete",
    "source_search_update",
]

POSTGRESQL_UP = [
    """CREATE FUNCTION observation_search_document(
        quote text, attributed_to text, notes text, title text
    ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('simple'::regconfig, coalesce(quote, '')), 'A')
            || setweight(to_tsvector('simple'::regconfig, coalesce(attributed_to, '')), 'A')
            || setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'B')
            || setweight(to_tsvector('simple'::regconfig, coalesce(notes, '')), 'C')
    $$""",
    "ALTER TABLE observation ADD COLUMN search_document tsvector",
    """UPDATE observation SET search_document = observation_search_document(
        observation.quote, observation.attributed_to, observation.notes, source.title
    ) FROM source WHERE source.id = observation.source_id""",
    "CREATE INDEX ix_observation_search_document ON observation USING gin (search_document)",
    """CREATE FUNCTION observation_search_index() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := observation_search_document(
            NEW.quote, NEW.attributed_to, NEW.notes,
            (SELECT title FROM source WHERE id = NEW.source_id));
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER observation_search_index
    BEFORE INSERT OR UPDATE OF quote, attributed_to, notes, source_id ON observation
    FOR EACH ROW EXECUTE FUNCTION observation_search_index()""",
    """CREATE FUNCTION source_search_index() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE observation SET search_document = observation_search_document(
            quote, attributed_to, notes, NEW.title)
        WHERE source_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER source_search_index AFTER UPDATE OF title ON source
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION source_search_index()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER source_search_index ON source",
    "DROP FUNCTION source_search_index()",
    "DROP TRIGGER observation_search_index ON observation",
    "DROP FUNCTION observation_search_index()",
    "DROP INDEX ix_observation_search_document",
    "ALTER TABLE observation DROP COLUMN search_document",
    "DROP FUNCTION observation_search_document(text, text, text, text)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)
        return
    op.execute(
        "CREATE VIRTUAL TABLE observation_search USING fts5("
        "quote, attributed_to, notes, source_title, "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute(
        "INSERT INTO observation_search (rowid, quote, attributed_to, notes, source_title) "
        "SELECT observation.id, observation.quote, observation.attributed_to, "
        "observation.notes, source.title FROM observation "
        "LEFT JOIN source ON source.id = observation.source_id"
    )
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
        return
    for name in reversed(SQLITE_TRIGGER_NAMES):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE observation_search")
