"""Loading a statistical table as a source and its figures: the file is stored by its
SHA-256 and kept by its source (created, or found again by title and publisher), and each
figure read through the mapping (`table_rows`) is saved as an import saves a row, citing
its cell. All or nothing, as every import: each problem is reported with the table's file
name, its line and column.

A newer release of the same table (other bytes) is a revision of its source, and of each
figure it changes, with the reason "release of <its date>"; a figure the release no longer
holds at its cell is retracted with that reason. The same file loaded again changes
nothing."""

import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.db import sync_id_sequences
from app.domain.tables import CSV_MEDIA_TYPE, SDMX_CSV_MEDIA_TYPE
from app.errors import InvalidData
from app.imports.reading import batches_of
from app.imports.report import ImportReport, RowProblem
from app.imports.rows import OnRows, import_batches
from app.imports.table_mapping import FromColumn, TableMapping
from app.imports.table_rows import Columns, TableRows, column_names, sdmx_columns
from app.metrics import service as metrics_service
from app.models import Source
from app.observations.editing import retract_observation
from app.sources import service as sources_service
from app.sources.files import stale_cells, store_file
from app.sources.schemas import SourceCreate
from app.tables.records import Record, TableProblem, records, table_text
from app.tables.sdmx import SdmxLayout

SDMX_VERSIONS = {"1.0": "1.0.0", "2.0": "2.0.0"}


def read_mapping(raw: bytes | str, *, name: str) -> TableMapping:
    """A mapping file's JSON as a TableMapping; InvalidData naming its first problem."""
    try:
        return TableMapping.model_validate(json.loads(raw))
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "mapping"
            message = first["msg"].removeprefix("Value error, ")
            raise InvalidData(f"{name}: {where}: {message}", field=where) from None
        raise InvalidData(f"{name} is not JSON: {exc}", field="mapping") from None


def import_table(
    session: Session,
    content: bytes,
    mapping: TableMapping,
    *,
    file_name: str,
    report: ImportReport,
    actor: str,
    reason: str | None = None,
    on_rows: OnRows | None = None,
) -> None:
    """Store the table, save its source, and import its figures (see the module)."""
    try:
        text = table_text(content)
        table = iter(records(text))
        rows, media_type = _table_rows(mapping, table)
    except TableProblem as problem:
        report.problems.append(RowProblem(file_name, problem.line, str(problem)))
        return
    name = mapping.file_name or file_name
    # A folder's files may have written records with their ids just before: the table's
    # source and figures take the next ones.
    sync_id_sequences(session)
    for metric in mapping.metrics:
        report.count("metrics", metrics_service.save_metric(session, metric, actor=actor)[1])
    release = None
    if mapping.cells and not isinstance(mapping.source, FromColumn):
        try:
            source, release = _table_source(
                session, mapping, content, media_type, name=name, actor=actor, report=report
            )
        except InvalidData as exc:
            where = f"{exc.extra['field']}: " if exc.extra.get("field") else ""
            report.problems.append(RowProblem(name, 0, f"source: {where}{exc.detail}"))
            return
        rows.cite(source.id)
    elif isinstance(mapping.source, int):
        rows.cite(mapping.source)
    elif isinstance(mapping.source, SourceCreate):
        report.problems.append(
            RowProblem(
                name,
                0,
                "source: a table whose cells are not cited names its source by id, or by a column",
            )
        )
        return

    def problem(found: TableProblem) -> None:
        report.problems.append(RowProblem(name, found.line, str(found)))

    read = _file_problems(rows.rows(table, problem), name, report)
    import_batches(
        session,
        batches_of(read),
        file=name,
        report=report,
        actor=actor,
        reason=reason or release or "import",
        on_rows=on_rows,
    )
    for outcome, count in rows.counts.items():
        report.count("table cells", outcome, count)
    if release is not None and not report.problems and rows.source_id is not None:
        for stale in stale_cells(session, rows.source_id):
            retract_observation(
                session,
                stale.id,
                expected_revision=stale.revision,
                actor=actor,
                reason=f"not in the {release}",
            )
            report.count("observations", "retracted")


def _table_rows(mapping: TableMapping, table: Iterator[Record]) -> tuple[TableRows, str]:
    """The rows the table's records make, once its header is read; and its media type."""
    if mapping.format == "sdmx-csv":
        header = next(table, None)
        if header is None:
            raise TableProblem("the file is empty")
        layout = SdmxLayout.of(header.cells)
        media_type = f"{SDMX_CSV_MEDIA_TYPE}; version={SDMX_VERSIONS[layout.version]}"
        columns = sdmx_columns(layout, header.cells)
        return TableRows(mapping, columns, layout=layout), media_type
    last = max(mapping.header_rows)
    headers: list[list[str]] = []
    for record in table:
        if record.row in mapping.header_rows:
            headers.append(record.cells)
        if record.row == last:
            break
    if len(headers) < len(mapping.header_rows):
        raise TableProblem(f"the file has no row {last}, which header_rows names")
    columns = Columns(column_names(headers))
    return TableRows(mapping, columns), f"{CSV_MEDIA_TYPE}; charset=utf-8"


def _file_problems(
    rows: Iterator[tuple[int, Any]], file: str, report: ImportReport
) -> Iterator[tuple[int, Any]]:
    """The rows, until a problem with the file as a whole (a CSV that cannot be read on)."""
    try:
        yield from rows
    except TableProblem as problem:
        report.problems.append(RowProblem(file, problem.line, str(problem)))


def _table_source(
    session: Session,
    mapping: TableMapping,
    content: bytes,
    media_type: str,
    *,
    name: str,
    actor: str,
    report: ImportReport,
) -> tuple[Source, str | None]:
    """The table's source, keeping this file: created, or revised when the file (a newer
    release) or its fields changed. Also the release's reason, if the file is new to it."""
    stored = store_file(session, content, media_type)
    kept = {"file_sha256": stored.sha256, "file_name": name}
    if isinstance(mapping.source, int):
        source = sources_service.get_source(session, mapping.source)
        fields = kept
    else:
        fields = {**mapping.source.model_dump(), **kept}
        same = select(Source).where(
            Source.title == mapping.source.title,
            Source.publisher.is_not_distinct_from(mapping.source.publisher),
            Source.file_sha256.is_not(None),
        )
        found = session.scalars(same.order_by(Source.id).limit(1)).first()
        if found is None:
            source = sources_service.create_source(
                session, SourceCreate.model_validate(fields), actor=actor
            )
            report.count("sources", "created")
            return source, None
        source = found
    release = None
    if source.file_sha256 != stored.sha256:
        published = fields.get("published_on", source.published_on)
        release = f"release of {published}" if published else "release of a date not given"
    source, outcome = sources_service.edit_source(
        session,
        source.id,
        fields,
        expected_revision=source.revision,
        actor=actor,
        reason=release or "import",
        check_cells=False,
    )
    report.count("sources", outcome)
    return source, release
