"""The columns every revision table shares: the record's id and revision (together the
primary key), and what a history says of the revision (`RevisionEntry`), with the moment
another revision replaced it (`superseded_at`, null while it is current)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, PrimaryKeyConstraint
from sqlmodel import Field

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime
from app.domain.revisions import RevisionEntry


class RevisionColumns(RevisionEntry):
    """Mixed in before a record's state: `class SourceRevision(RevisionColumns, SourceState)`."""

    id: int = Field(primary_key=True, sa_type=IdColumn)
    revision: int = Field(primary_key=True)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The data version of the transaction that wrote it, in commit order (the change feed's
    # order; `app.dataset.state.claim_change_version`); 0 for history written before.
    change_version: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )


def revision_table_args(record_table: str) -> tuple[Any, ...]:
    """What a revision table adds to its record's checks: its key (the record's id, then the
    revision), its id naming a record of `record_table`, and an index for reading the states
    recorded by a moment."""
    return (
        PrimaryKeyConstraint("id", "revision"),
        ForeignKeyConstraint(["id"], [f"{record_table}.id"]),
        Index(f"ix_{record_table}_revision_recorded_at", "recorded_at"),
        Index(f"ix_{record_table}_revision_change", "change_version", "id", "revision"),
    )
