"""Loading metrics, sources, events and observations from files: CSV with the export's columns, or
JSON lines. The seed and `laborstats import` both come through here.

An import is all or nothing: every row is checked, each problem is reported by file and
line (the CSV header is line 1), and `finish_import` refuses to let a failed import commit."""

import csv
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.catalog import load_catalog
from app.dataset.files import DATASET_FILES, REVISION_FILES
from app.db import (
    checkpoint_after_failure,
    refresh_statistics,
    statistics_outdated,
    sync_id_sequences,
)
from app.domain.event import SERVED_FIELDS as EVENT_SERVED_FIELDS
from app.domain.event import WRITTEN_FIELDS as EVENT_WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.source import SERVED_FIELDS as SOURCE_SERVED_FIELDS
from app.domain.source import WRITTEN_FIELDS as SOURCE_WRITTEN_FIELDS
from app.errors import AppError, Conflict, ImportFailed, InvalidData
from app.events import service as events_service
from app.events.schemas import EventImport
from app.imports.checking import parse
from app.imports.corrections import (
    CORRECTIONS_FILE,
    Corrections,
    apply_corrections,
    new_records,
    read_corrections,
)
from app.imports.observations import Catalog, check_observations
from app.imports.reading import (
    Row,
    RowBatch,
    batches_of,
    json_object_cell,
    read_csv_batches,
    read_csv_rows,
    read_ndjson_rows,
)
from app.imports.restore import RestoreProblem, restore_history
from app.metrics import service as metrics_service
from app.metrics.schemas import MetricCreate
from app.observations import bulk
from app.sources import service as sources_service
from app.sources.schemas import SourceImport

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
# After an import this large, refresh the planner's statistics if they are out of date
# (their row count a tenth off, and this many rows), so that filters keep choosing the
# right index as the data grows.
ANALYZE_AFTER = 10_000
# Columns of a sources file that the API derives or keeps itself (all but id and revision).
SOURCE_DERIVED_COLUMNS = set(SOURCE_SERVED_FIELDS) - {*SOURCE_WRITTEN_FIELDS, "id", "revision"}
# And of an events file (its citation, retraction and timestamps).
EVENT_DERIVED_COLUMNS = set(EVENT_SERVED_FIELDS) - {*EVENT_WRITTEN_FIELDS, "id", "revision"}

OnRows = Callable[[int], None]  # told how many more rows were read
RowFilter = Callable[[Iterable[tuple[int, Row]]], Iterable[tuple[int, Row]]]
# What each kind of record counts; a row or record saved counts by its SaveOutcome.
OUTCOMES = {"corrections": ("applied", "unchanged")}
SAVE_OUTCOMES = ("created", "updated", "unchanged")
# The files of current records a restore checks against their revisions.
CURRENT_FILES = ("sources", "events", "observations")


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int  # 0 when the problem concerns the whole file
    message: str


@dataclass
class ImportReport:
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def count(self, kind: str, outcome: SaveOutcome, times: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += times

    @property
    def changed(self) -> bool:
        return any(n for c in self.counts.values() for done, n in c.items() if done != "unchanged")

    def summary(self) -> str:
        parts = [
            f"{kind}: "
            + ", ".join(f"{c[done]} {done}" for done in OUTCOMES.get(kind, SAVE_OUTCOMES))
            for kind, c in self.counts.items()
        ]
        return "; ".join(parts) or "nothing to import"


@dataclass(frozen=True)
class ImportContext:
    actor: str  # the token's name, or "cli"
    reason: str
    # From the catalog as the import's transaction sees it (metrics.csv comes first).
    catalog: Catalog
    metrics: Mapping[str, Any]
    sources: Collection[int]
    # The folder a sources file's `text_file` cells name files in (a folder import only).
    text_root: Path | None = None


def _save_metric(session: Session, row: Row, context: ImportContext) -> SaveOutcome:
    dimensions = row.get("dimensions")
    if isinstance(dimensions, str) or dimensions is None:  # CSV: space-separated names
        row = {**row, "dimensions": (dimensions or "").split()}
    return metrics_service.save_metric(session, parse(MetricCreate, row), actor=context.actor)[1]


def _text_file(root: Path | None, name: str) -> str:
    """The text a sources file's `text_file` names: a UTF-8 file inside the folder being
    imported, read byte for byte (no newline translation)."""
    if root is None:
        raise InvalidData(
            "text_file is read only from a dataset folder (laborstats import FOLDER); "
            "put the text in a `text` column instead.",
            field="text_file",
        )
    folder = root.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise InvalidData(
            f"text_file {name!r} names no file inside {root.name}.", field="text_file"
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData(f"text_file {name!r} is not UTF-8 text.", field="text_file") from None


def _save_source(session: Session, row: Row, context: ImportContext) -> SaveOutcome:
    fields = {k: v for k, v in row.items() if k not in SOURCE_DERIVED_COLUMNS}
    if "inferred" in fields:
        fields["inferred"] = json_object_cell(fields["inferred"])
    if text_file := fields.pop("text_file", None):
        if fields.get("text"):
            raise InvalidData("Give text or text_file, not both.", field="text_file")
        fields["text"] = _text_file(context.text_root, text_file)
    data = parse(SourceImport, fields)
    return sources_service.save_source(session, data, actor=context.actor, reason=context.reason)[1]


def _save_event(session: Session, row: Row, context: ImportContext) -> SaveOutcome:
    fields = {k: v for k, v in row.items() if k not in EVENT_DERIVED_COLUMNS}
    if "inferred" in fields:
        fields["inferred"] = json_object_cell(fields["inferred"])
    data = parse(EventImport, fields)
    return events_service.save_event(session, data, actor=context.actor, reason=context.reason)[1]


def _import_observations(
    session: Session,
    batches: Iterable[RowBatch],
    *,
    file: str,
    report: ImportReport,
    context: ImportContext,
    on_rows: OnRows | None,
) -> None:
    """Check and save rows a batch at a time; report each batch's problems in line order."""
    with bulk.saving(
        session,
        actor=context.actor,
        reason=context.reason,
        metrics=context.metrics,
        sources=context.sources,
    ) as saver:
        for batch in batches:
            checked, problems = check_observations(batch, context.catalog)
            outcomes = saver.save(checked)
            for line, outcome in outcomes:
                if outcome not in ("created", "updated", "unchanged"):
                    problems.append((line, outcome))
            counts = Counter(outcome for _, outcome in outcomes)
            for saved in ("created", "updated", "unchanged"):
                if counts[saved]:
                    report.count("observations", saved, counts[saved])
            report.problems += [
                RowProblem(file, line, message) for line, message in sorted(problems)
            ]
            if on_rows is not None:
                on_rows(len(batch.lines))


SAVERS: dict[str, Callable[[Session, Row, ImportContext], SaveOutcome]] = {
    "metrics": _save_metric,
    "sources": _save_source,
    "events": _save_event,
}


def _context(
    session: Session, *, actor: str, reason: str, text_root: Path | None = None
) -> ImportContext:
    catalog = load_catalog(session, data_version=None)
    return ImportContext(
        actor,
        reason,
        Catalog(breakdowns=set(catalog.dimension_names), units=catalog.units),
        catalog.metrics,
        catalog.sources.keys(),
        text_root,
    )


def import_rows(
    session: Session,
    kind: str,
    rows: Iterable[tuple[int, Row]],
    *,
    file: str,
    report: ImportReport,
    actor: str,
    reason: str,
    on_rows: OnRows | None = None,
    text_root: Path | None = None,
) -> None:
    """Save each row of one kind, noting each problem with its line and going on, so that
    one run reports every bad row. `text_root`: the folder whose files a sources file's
    `text_file` cells may name."""
    if kind == "observations":
        import_batches(
            session,
            batches_of(rows),
            file=file,
            report=report,
            actor=actor,
            reason=reason,
            on_rows=on_rows,
        )
        return
    context = _context(session, actor=actor, reason=reason, text_root=text_root)
    save = SAVERS[kind]
    try:
        for line, row in rows:
            try:
                report.count(kind, save(session, row, context))
            except (InvalidData, Conflict) as exc:
                field_name = exc.extra.get("field")
                message = f"{field_name}: {exc.detail}" if field_name else exc.detail
                report.problems.append(RowProblem(file, line, message))
            if on_rows is not None:
                on_rows(1)
    except (ValueError, csv.Error) as exc:
        report.problems.append(RowProblem(file, 0, str(exc)))


def import_batches(
    session: Session,
    batches: Iterable[RowBatch],
    *,
    file: str,
    report: ImportReport,
    actor: str,
    reason: str,
    on_rows: OnRows | None = None,
) -> None:
    """`import_rows` for observations read a batch at a time (`read_csv_batches`)."""
    context = _context(session, actor=actor, reason=reason)
    try:
        _import_observations(
            session, batches, file=file, report=report, context=context, on_rows=on_rows
        )
    except (ValueError, csv.Error) as exc:
        report.problems.append(RowProblem(file, 0, str(exc)))


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
) -> ImportReport:
    """Import a dataset folder (metrics.csv, sources.csv, events.csv, observations.csv, and
    perhaps corrections.jsonl) or one file of observations (.csv, or .ndjson/.jsonl for JSON lines),
    then `finish_import`."""
    report = ImportReport()
    if not path.is_dir():
        import_file(session, path, report=report, actor=actor, on_rows=on_rows)
    elif any((path / DATASET_FILES[kind]).is_file() for kind in REVISION_FILES):
        _restore_folder(session, path, report=report)
    else:
        corrections = read_corrections(path)
        for kind in ("metrics", "sources", "events", "observations"):
            if (file := path / DATASET_FILES[kind]).is_file():
                options = {"report": report, "actor": actor, "on_rows": on_rows}
                if corrections is not None and kind != "metrics":
                    options["only"] = _first_edition(session, kind, file.name, report, on_rows)
                import_file(session, file, kind=kind, **options, text_root=path)
        if corrections is not None:
            _correct(session, corrections, report=report, actor=actor)
    finish_import(session, report, actor=actor, target=path.name)
    return report


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
