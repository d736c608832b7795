"""The statistical tables of an exported dataset folder (`stored_files.csv`, and each file
byte for byte under files/, named by its SHA-256), stored again before the sources that
keep them. A file whose bytes do not have its digest is refused, naming it."""

from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from app.dataset.files import DATASET_FILES, FILES_FOLDER
from app.domain.tables import file_digest
from app.imports.reading import read_csv_rows
from app.imports.report import ImportReport, RowProblem
from app.sources.files import store_file, stored_file

STORED_FILES = DATASET_FILES["stored_files"]


def import_stored_files(session: Session, folder: Path, report: ImportReport) -> None:
    """Store each file stored_files.csv lists (if the folder has one)."""
    listing = folder / STORED_FILES
    if not listing.is_file():
        return
    with listing.open(encoding="utf-8", newline="") as stream:
        for line, row in read_csv_rows(stream):
            digest, media_type = row.get("sha256") or "", row.get("media_type") or ""
            path = folder / FILES_FOLDER / digest
            inside = path.parent.resolve() == (folder / FILES_FOLDER).resolve()
            if not digest or not media_type or not inside:
                report.problems.append(
                    RowProblem(STORED_FILES, line, "sha256 and media_type name a file in files/")
                )
                continue
            try:
                content = path.read_bytes()
            except OSError:
                report.problems.append(
                    RowProblem(STORED_FILES, line, f"{FILES_FOLDER}/{digest} is missing")
                )
                continue
            if file_digest(content) != digest:
                report.problems.append(
                    RowProblem(
                        STORED_FILES,
                        line,
                        f"{FILES_FOLDER}/{digest} is not the file it names: its SHA-256 is "
                        f"{file_digest(content)}",
                    )
                )
                continue
            if stored_file(session, digest) is not None:
                report.count("stored files", "unchanged")
                continue
            try:
                stored_at = datetime.fromisoformat(row.get("stored_at") or "")
            except ValueError:
                report.problems.append(
                    RowProblem(STORED_FILES, line, "stored_at is not an ISO 8601 moment")
                )
                continue
            store_file(session, content, media_type, stored_at=stored_at)
            report.count("stored files", "created")
