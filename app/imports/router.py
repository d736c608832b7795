import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.auth.dependencies import EditorDep, require_editor
from app.domain.observation import DERIVED_FIELDS, WRITTEN_FIELDS
from app.errors import BadRequest, PayloadTooLarge
from app.http.bodies import file_body_openapi, limited_chunks, require_media_type
from app.http.context import WriteSessionDep
from app.http.openapi import PROBLEM, WRITE_RESPONSES
from app.http.query import QueryParameters
from app.imports.report import ImportReport
from app.imports.schemas import ImportResult
from app.imports.service import finish_import, import_file, import_table_upload

router = APIRouter(prefix="/v1/imports", tags=["imports"])
JSON_LINES_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
MULTIPART = "multipart/form-data"
# A table's mapping is a small JSON file; the table itself may be as large as an import.
MAPPING_MAX_BYTES = 1024 * 1024
IMPORT_CSV = (
    "RFC 4180 CSV, UTF-8, a header row: the columns of GET /v1/observations?format=csv (an "
    "export's observations.csv). Read: "
    + ", ".join(f"`{name}`" for name in ["id", "revision", *WRITTEN_FIELDS] if name != "dimensions")
    + ", and a column per breakdown dimension (`visa_type`...). Derived, so checked or "
    "ignored: " + ", ".join(f"`{name}`" for name in DERIVED_FIELDS) + ". A row with an `id` "
    "revises that observation (its `revision` must be current); one without is matched on "
    "its natural key. A leading `'` that the API's CSV adds before formula characters is "
    "dropped."
)
IMPORT_NDJSON = (
    "JSON lines: one observation object per line, with the same fields as the CSV and its "
    'breakdowns in a `dimensions` object (`{"visa_type": "student"}`).'
)


DEFAULT_REASON = "import"

IMPORT_TABLE = (
    "A statistical table: part `table`, the file (SDMX-CSV 1.0 or 2.0, or a CSV matrix); "
    "part `mapping`, the JSON that says how to read it (docs/tables.md): its source, and "
    "which column gives each field. Each figure cites its cell in the stored table."
)


class ImportParameters(QueryParameters):
    dry_run: bool = Field(
        default=False, description="Check every row and report, changing nothing."
    )
    reason: str = Field(
        default=DEFAULT_REASON,
        min_length=1,
        max_length=2000,
        description="Recorded with each revision.",
    )


@dataclass(frozen=True)
class TableUpload:
    """A statistical table and its mapping, sent as the parts of a multipart body."""

    path: Path
    file_name: str
    mapping: bytes


@dataclass(frozen=True)
class Upload:
    path: Path
    json_lines: bool
    params: ImportParameters
    table: TableUpload | None = None


async def _spooled_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as spool:
        while chunk := spool.read(64 * 1024):
            yield chunk


async def _table_parts(request: Request, body: Path, folder: Path) -> TableUpload:
    """The `table` and `mapping` parts of a spooled multipart body; the table copied to
    a file of its own."""
    parser = MultiPartParser(
        request.headers,
        _spooled_chunks(body),
        max_files=2,
        max_fields=2,
        max_part_size=MAPPING_MAX_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"The multipart body cannot be read: {exc.message}") from None
    table, mapping = form.get("table"), form.get("mapping")
    if not isinstance(table, UploadFile) or mapping is None:
        raise BadRequest(
            "Send a table as two parts: `table`, the file (SDMX-CSV or CSV), and `mapping`, "
            "the JSON that says how to read it (curl -F table=@FILE -F mapping=@MAPPING)."
        )
    path = folder / "table"
    with path.open("wb") as copy:
        while chunk := await table.read(64 * 1024):
            copy.write(chunk)
    raw = await mapping.read() if isinstance(mapping, UploadFile) else mapping.encode()
    if len(raw) > MAPPING_MAX_BYTES:
        raise PayloadTooLarge(f"The mapping is over the limit of {MAPPING_MAX_BYTES} bytes.")
    name = Path(table.filename or "table.csv").name
    await form.close()
    return TableUpload(path, name, raw)


async def spooled_upload(
    request: Request,
    _: Annotated[Any, Depends(require_editor)],
    params: Annotated[ImportParameters, Query()],
) -> AsyncIterator[Upload]:
    """After the token and the query string are checked, the body, checked for type and
    size and spooled to a temporary file, so that a large import never sits in memory;
    removed after the request."""
    media_type = require_media_type(request, "text/csv", *JSON_LINES_TYPES, MULTIPART)
    limit = request.app.state.settings.import_max_bytes
    with tempfile.TemporaryDirectory(prefix="laborstats-import-") as folder:
        path = Path(folder) / "body"
        with path.open("wb") as spool:
            async for chunk in limited_chunks(request, limit):
                spool.write(chunk)
        table = await _table_parts(request, path, Path(folder)) if media_type == MULTIPART else None
        yield Upload(
            path=path, json_lines=media_type in JSON_LINES_TYPES, params=params, table=table
        )


def _result(report: ImportReport, *, dry_run: bool) -> dict[str, Any]:
    counts = report.counts.get("observations")
    return {
        "dry_run": dry_run,
        "valid": not report.problems,
        "created": counts["created"] if counts else 0,
        "updated": counts["updated"] if counts else 0,
        "unchanged": counts["unchanged"] if counts else 0,
        "retracted": counts["retracted"] if counts else 0,
        "problems": [
            {"file": p.file, "line": p.line, "message": p.message} for p in report.problems
        ],
    }


@router.post(
    "",
    response_model=ImportResult,
    responses={
        **WRITE_RESPONSES,
        422: {"description": "Some rows are bad; nothing was imported.", **PROBLEM},
    },
    openapi_extra=file_body_openapi(csv=IMPORT_CSV, ndjson=IMPORT_NDJSON, table=IMPORT_TABLE),
)
def import_observations(
    actor: EditorDep,
    upload: Annotated[Upload, Depends(spooled_upload)],
    session: WriteSessionDep,
) -> dict[str, Any]:
    """Import observations from CSV or JSON lines (editor): all rows or none. Rows with an
    `id` (or the same natural key) revise that observation; unchanged rows change nothing.

    Or a statistical table, as multipart/form-data: the file as part `table` (SDMX-CSV, or
    a CSV matrix) and its mapping as part `mapping` (docs/tables.md). The table is stored
    with its source (GET /v1/sources/{id}/file), each figure citing its cell; a newer release
    of the same table revises the figures it changes ("release of <date>")."""
    report = ImportReport()
    reason = upload.params.reason
    if upload.table is not None:
        import_table_upload(
            session,
            upload.table.path,
            upload.table.mapping,
            file_name=upload.table.file_name,
            report=report,
            actor=actor.name,
            reason=None if reason == DEFAULT_REASON else reason,
        )
    else:
        import_file(
            session,
            upload.path,
            report=report,
            actor=actor.name,
            reason=reason,
            json_lines=upload.json_lines,
            name="body",
        )
    if upload.params.dry_run:
        session.rollback()
        return _result(report, dry_run=True)
    finish_import(session, report, actor=actor.name, target="observations")
    return _result(report, dry_run=False)
