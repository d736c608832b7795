import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from app.auth.dependencies import EditorDep, require_editor
from app.domain.observation import DERIVED_FIELDS, WRITTEN_FIELDS
from app.http.bodies import file_body_openapi, limited_chunks, require_media_type
from app.http.context import WriteSessionDep
from app.http.openapi import PROBLEM, WRITE_RESPONSES
from app.http.query import QueryParameters
from app.imports.report import ImportReport
from app.imports.schemas import ImportResult
from app.imports.service import finish_import, import_file

router = APIRouter(prefix="/v1/imports", tags=["imports"])
JSON_LINES_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
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


class ImportParameters(QueryParameters):
    dry_run: bool = Field(
        default=False, description="Check every row and report, changing nothing."
    )
    reason: str = Field(
        default="import",
        min_length=1,
        max_length=2000,
        description="Recorded with each revision.",
    )


@dataclass(frozen=True)
class Upload:
    path: Path
    json_lines: bool
    params: ImportParameters


async def spooled_upload(
    request: Request,
    _: Annotated[Any, Depends(require_editor)],
    params: Annotated[ImportParameters, Query()],
) -> AsyncIterator[Upload]:
    """After the token and the query string are checked, the body, checked for type and
    size and spooled to a temporary file, so that a large import never sits in memory;
    removed after the request."""
    media_type = require_media_type(request, "text/csv", *JSON_LINES_TYPES)
    limit = request.app.state.settings.import_max_bytes
    with tempfile.TemporaryDirectory(prefix="laborstats-import-") as folder:
        path = Path(folder) / "body"
        with path.open("wb") as spool:
            async for chunk in limited_chunks(request, limit):
                spool.write(chunk)
        yield Upload(path=path, json_lines=media_type in JSON_LINES_TYPES, params=params)


def _result(report: ImportReport, *, dry_run: bool) -> dict[str, Any]:
    counts = report.counts.get("observations")
    return {
        "dry_run": dry_run,
        "valid": not report.problems,
        "created": counts["created"] if counts else 0,
        "updated": counts["updated"] if counts else 0,
        "unchanged": counts["unchanged"] if counts else 0,
        "problems": [{"line": p.line, "message": p.message} for p in report.problems],
    }


@router.post(
    "",
    response_model=ImportResult,
    responses={
        **WRITE_RESPONSES,
        422: {"description": "Some rows are bad; nothing was imported.", **PROBLEM},
    },
    openapi_extra=file_body_openapi(csv=IMPORT_CSV, ndjson=IMPORT_NDJSON),
)
def import_observations(
    actor: EditorDep,
    upload: Annotated[Upload, Depends(spooled_upload)],
    session: WriteSessionDep,
) -> dict[str, Any]:
    """Import observations from CSV or JSON lines (editor): all rows or none. Rows with an
    `id` (or the same natural key) revise that observation; unchanged rows change nothing."""
    report = ImportReport()
    import_file(
        session,
        upload.path,
        report=report,
        actor=actor.name,
        reason=upload.params.reason,
        json_lines=upload.json_lines,
        name="body",
    )
    if upload.params.dry_run:
        session.rollback()
        return _result(report, dry_run=True)
    finish_import(session, report, actor=actor.name, target="observations")
    return _result(report, dry_run=False)
