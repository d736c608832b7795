"""The full-text index of observations, which lives outside the table models: its form
differs per database, so the migration that creates it writes it per dialect, and
autogenerate leaves it alone (`include_object`).

- SQLite: an FTS5 table, `observation_search` (rowid = the observation's id; columns quote,
  attributed_to, notes, source_title), kept by triggers on `observation` and `source`.
- PostgreSQL: a `tsvector` column on `observation`, `search_document`, with a GIN index,
  set by a trigger from the function `observation_search_document` (which `as_of`
  searches call on past texts too); a trigger on `source` re-indexes a source's
  observations when its title changes.

Triggers keep it current for every writer (the API's edits, imports through COPY or
multi-row INSERTs, restores), in the writer's transaction. On SQLite, a batch migration
that copies `observation` or `source` drops their triggers with the old table: such a
migration must create them again (`SQLITE_TRIGGERS` in the migration that made them)."""

from typing import Any

from sqlalchemy import Index, literal_column

SEARCH_TABLE = "observation_search"
# FTS5's own tables behind SEARCH_TABLE.
SEARCH_SHADOW_TABLES = {f"{SEARCH_TABLE}_{part}" for part in ("data", "idx", "content")} | {
    f"{SEARCH_TABLE}_{part}" for part in ("docsize", "config")
}
SEARCH_COLUMN = "search_document"
SEARCH_INDEX = "ix_observation_search_document"
SEARCH_FUNCTION = "observation_search_document"


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a database object is part of the full-text index."""
    if type_ == "table":
        return name == SEARCH_TABLE or name in SEARCH_SHADOW_TABLES
    if type_ == "column":
        return name == SEARCH_COLUMN
    if type_ == "index":
        return name == SEARCH_INDEX
    return False


def search_index() -> Index:
    """The GIN index, in `Observation`'s table arguments only so that bulk loads into an
    empty table drop it and build it again after the rows (`db.indexes_built_after`), which
    is many times faster than maintaining it row by row; on PostgreSQL only."""
    index = Index(SEARCH_INDEX, literal_column(SEARCH_COLUMN), postgresql_using="gin")
    return index.ddl_if(dialect="postgresql")


def include_object(
    object_: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's autogenerate: compare everything but the full-text index, which the
    migration that made it writes per database."""
    return not is_search_object(name, type_)
