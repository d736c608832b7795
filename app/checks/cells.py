"""The rules that read a figure from a table against the table (cell-not-in-table), and a
stored table against its digest (file-not-as-stored); app/checks/service.py states them."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.domain.tables import file_digest
from app.errors import InvalidData
from app.models import Source, StoredFile
from app.sources.files import CheckedTable, check_cell, table_of_source


class Tables:
    """The table each source's cells are checked against, read once per audit."""

    def __init__(self, session: Session) -> None:
        self.session, self.read = session, {}

    def of(self, source_id: int) -> CheckedTable | None:
        if source_id not in self.read:
            self.read[source_id] = table_of_source(self.session, source_id)
        return self.read[source_id]


def cell_not_in_table(row: Any, table: CheckedTable | None) -> list[str]:
    """A cell that does not hold the figure in its source's table, as every write checks."""
    bounds = (row.lower_bound, row.upper_bound)
    try:
        check_cell(row.cell, row.value, bounds, table, source_id=row.source_id)
    except InvalidData as exc:
        return [exc.detail]
    return []


def cell_text(row: Any, table: CheckedTable | None) -> str:
    """What a figure's cell states besides its number, as a quote does: its row's cells
    (the year, the country), for the prose rules to read a note against."""
    if table is None:
        return ""
    return " ".join(table.table.record(row.cell["row"]) or [])


def files_not_as_stored(session: Session) -> Mapping[int, str]:
    """Each source whose stored table's bytes no longer have the SHA-256 they are stored
    by (a disk fault, a hand edit of the database), with what to do."""
    found: dict[int, str] = {}
    query = select(Source.id, StoredFile.sha256, StoredFile.content).join(
        StoredFile, StoredFile.sha256 == Source.file_sha256
    )
    for source_id, digest, content in session.execute(query.order_by(Source.id)):
        actual = file_digest(content)
        if actual != digest:
            found[source_id] = (
                f"its stored table is not the file it was stored as: file_sha256 is {digest}, "
                f"the stored bytes' SHA-256 is {actual}; restore the file from a backup or "
                "the publisher, and import it again"
            )
    return found
