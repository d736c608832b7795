"""Loading metrics, sources, events and observations from files: CSV with the export's
columns, or JSON lines, one file or a dataset folder (with its corrections, or with its
revision history to restore). The seed and `laborstats import` both come through here;
`rows` saves what the files hold.

An import is all or nothing: every row is checked, each problem is reported by file and
line (the CSV header is line 1), and `finish_import` refuses to let a failed import commit."""

import csv
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.files import DATASET_FILES, REVISION_FILES
from app.db import (
    checkpoint_after_failure,
    refresh_statistics,
    statistics_outdated,
    sync_id_sequences,
)
from app.errors import AppError, ImportFailed, InvalidData
from app.imports.corrections import (
    CORRECTIONS_FILE,
    Corrections,
    apply_corrections,
    new_records,
    read_corrections,
)
from app.imports.reading import (
    batches_of,
    read_csv_batches,
    read_csv_rows,
    read_ndjson_rows,
)
from app.imports.report import ImportReport, RowProblem
from app.imports.restore import RestoreProblem, restore_history
from app.imports.rows import OnRows, RowFilter, import_batches, import_rows
from app.imports.stored_files import import_stored_files
from app.imports.tables import import_table, read_mapping

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
# After an import this large, refresh the planner's statistics if they are out of date
# (their row count a tenth off, and this many rows), so that filters keep choosing the
# right index as the data grows.
ANALYZE_AFTER = 10_000
# A dataset folder's statistical tables: tables/NAME.csv, each read by NAME.mapping.json.
TABLES_FOLDER, MAPPING_SUFFIX = "tables", ".mapping.json"
# The files of current records a restore checks against their revisions.
CURRENT_FILES = ("sources", "events", "observations")


def import_file(
    session: Session,
    path: Path,
    *,
    kind: str = "observations",
    report: ImportReport,
    actor: str,
    reason: str = "import",
    json_lines: bool | None = None,
    name: str | None = None,
    on_rows: OnRows | None = None,
    text_root: Path | None = None,
    only: RowFilter | None = None,
) -> None:
    """Import one file; JSON lines if it ends in .ndjson or .jsonl (or `json_lines`);
    `only` picks the rows to import (in row order)."""
    if json_lines is None:
        json_lines = path.suffix in NDJSON_SUFFIXES
    name = name or path.name
    options: dict[str, Any] = {"file": name, "report": report, "actor": actor, "reason": reason}
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            if kind != "observations":
                reader = read_ndjson_rows if json_lines else read_csv_rows
                rows = only(reader(stream)) if only else reader(stream)
                import_rows(session, kind, rows, **options, on_rows=on_rows, text_root=text_root)
            elif json_lines or only:
                rows = read_ndjson_rows(stream) if json_lines else read_csv_rows(stream)
                batches = batches_of(only(rows) if only else rows)
                import_batches(session, batches, **options, on_rows=on_rows)
            else:
                import_batches(session, read_csv_batches(stream), **options, on_rows=on_rows)
    except UnicodeDecodeError:
        report.problems.append(RowProblem(name, 0, "the file is not UTF-8 text"))
    except AppError:
        raise
    except Exception:  # a fault, or a bug: the rows written so far are rolled back
        checkpoint_after_failure(session)
        raise


def import_path(
    session: Session,
    path: Path,
    *,
    actor: str = "cli",
    on_rows: OnRows | None = None,
    mapping: Path | None = None,
) -> ImportReport:
    """Import a dataset folder (metrics.csv, sources.csv, events.csv, observations.csv, and
    perhaps tables/ and corrections.jsonl), one file of observations (.csv, or .ndjson/.jsonl
    for JSON lines), or a statistical table with its `mapping`; then `finish_import`."""
    report = ImportReport()
    if mapping is not None:
        import_table_file(session, path, mapping, report=report, actor=actor, on_rows=on_rows)
    elif not path.is_dir():
        import_file(session, path, report=report, actor=actor, on_rows=on_rows)
    elif any((path / DATASET_FILES[kind]).is_file() for kind in REVISION_FILES):
        _restore_folder(session, path, report=report)
    else:
        corrections = read_corrections(path)
        import_stored_files(session, path, report)
        for kind in ("metrics", "sources", "events", "observations"):
            if (file := path / DATASET_FILES[kind]).is_file():
                options = {"report": report, "actor": actor, "on_rows": on_rows}
                if corrections is not None and kind != "metrics":
                    options["only"] = _first_edition(session, kind, file.name, report, on_rows)
                import_file(session, file, kind=kind, **options, text_root=path)
        for mapping_file in sorted((path / TABLES_FOLDER).glob(f"*{MAPPING_SUFFIX}")):
            table = mapping_file.with_name(mapping_file.name.removesuffix(MAPPING_SUFFIX) + ".csv")
            import_table_file(
                session, table, mapping_file, report=report, actor=actor, on_rows=on_rows
            )
        if corrections is not None:
            _correct(session, corrections, report=report, actor=actor)
    finish_import(session, report, actor=actor, target=path.name)
    return report


def import_table_file(
    session: Session,
    table: Path,
    mapping_file: Path,
    *,
    report: ImportReport,
    actor: str,
    on_rows: OnRows | None = None,
) -> None:
    """A statistical table and the mapping that says how to read it (`imports.tables`)."""
    try:
        raw = mapping_file.read_bytes()
    except OSError as exc:
        report.problems.append(RowProblem(mapping_file.name, 0, f"cannot be read: {exc.strerror}"))
        return
    import_table_upload(
        session,
        table,
        raw,
        file_name=table.name,
        mapping_name=mapping_file.name,
        report=report,
        actor=actor,
        on_rows=on_rows,
    )


def import_table_upload(
    session: Session,
    table: Path,
    mapping: bytes,
    *,
    file_name: str,
    report: ImportReport,
    actor: str,
    mapping_name: str = "mapping",
    reason: str | None = None,
    on_rows: OnRows | None = None,
) -> None:
    """A table's file and its mapping's JSON, each problem reported by the file it is in."""
    try:
        read = read_mapping(mapping, name=mapping_name)
        content = table.read_bytes()
    except InvalidData as exc:
        report.problems.append(RowProblem(mapping_name, 0, exc.detail))
        return
    except OSError as exc:
        report.problems.append(RowProblem(file_name, 0, f"cannot be read: {exc.strerror}"))
        return
    import_table(
        session,
        content,
        read,
        file_name=file_name,
        report=report,
        actor=actor,
        reason=reason,
        on_rows=on_rows,
    )


def _first_edition(
    session: Session, kind: str, file: str, report: ImportReport, on_rows: OnRows | None
) -> RowFilter:
    """In a folder with corrections, the rows whose records are not stored yet: those that
    are stay as their corrections left them (counted unchanged)."""

    def existing(count: int) -> None:
        report.count(kind, "unchanged", count)
        if on_rows is not None:
            on_rows(count)

    def problem(line: int, message: str) -> None:
        report.problems.append(RowProblem(file, line, message))

    return lambda rows: new_records(session, kind, rows, on_existing=existing, on_problem=problem)


def _correct(
    session: Session, corrections: Corrections, *, report: ImportReport, actor: str
) -> None:
    """Apply a folder's corrections once the files' rows are all good."""
    report.problems += [RowProblem(CORRECTIONS_FILE, n, m) for n, m in corrections.problems]
    if report.problems:  # the import fails anyway; a correction's record may be missing
        return
    counts, problems = apply_corrections(session, corrections.lines, actor=actor)
    report.counts["corrections"] = counts
    report.problems += [RowProblem(CORRECTIONS_FILE, n, m) for n, m in problems]


def _restore_folder(session: Session, folder: Path, *, report: ImportReport) -> None:
    """An export with its revisions: metrics as usual, then sources, events and observations
    with their whole history, into an empty database."""
    if (folder / DATASET_FILES["metrics"]).is_file():
        import_file(
            session,
            folder / DATASET_FILES["metrics"],
            kind="metrics",
            report=report,
            actor="restore",
        )
    import_stored_files(session, folder, report)
    if report.problems:
        return
    try:
        with ExitStack() as stack:
            rows = {
                kind: read_csv_rows(
                    stack.enter_context(
                        (folder / DATASET_FILES[kind]).open(encoding="utf-8", newline="")
                    )
                )
                if (folder / DATASET_FILES[kind]).is_file()
                else iter(())
                for kind in (*REVISION_FILES, *CURRENT_FILES)
            }
            sources, observations, events = restore_history(
                session,
                rows["source_revisions"],
                rows["observation_revisions"],
                current={kind: rows[kind] for kind in CURRENT_FILES},
                event_rows=rows["event_revisions"],
            )
    except RestoreProblem as problem:
        report.problems.append(RowProblem(problem.file, problem.line, problem.message))
        return
    except (ValueError, csv.Error, UnicodeDecodeError) as exc:
        report.problems.append(RowProblem(folder.name, 0, str(exc)))
        return
    report.counts["sources"] = Counter(created=sources)
    report.counts["events"] = Counter(created=events)
    report.counts["observations"] = Counter(created=observations)


def finish_import(session: Session, report: ImportReport, *, actor: str, target: str) -> None:
    """Refuse the whole import if any row had a problem; otherwise audit it. Its commit
    bumps the data version, if anything changed."""
    if report.problems:
        raise ImportFailed(
            f"{len(report.problems)} row(s) have problems; nothing was imported.",
            problems=[problem.__dict__ for problem in report.problems],
        )
    if report.changed:
        sync_id_sequences(session)
        changed = sum(c["created"] + c["updated"] for c in report.counts.values())
        if changed >= ANALYZE_AFTER and statistics_outdated(
            session, "observation", rows_beyond=ANALYZE_AFTER
        ):
            refresh_statistics(session)
        record_audit(session, actor=actor, action="import", target=target, reason=report.summary())
