"""Loading metrics, sources and observations from files: CSV with the export's columns, or
JSON lines. The seed and `laborstats import` both come through here.

An import is all or nothing: every row is checked, each problem is reported by file and
line (the CSV header is line 1), and `finish_import` refuses to let a failed import commit."""

import csv
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.dataset.audit import record_audit
from app.dataset.catalog import load_catalog
from app.dataset.files import DATASET_FILES, REVISION_FILES
from app.db import refresh_statistics, statistics_outdated, sync_id_sequences
from app.domain.observation import DERIVED_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.source import SERVED_FIELDS as SOURCE_SERVED_FIELDS
from app.domain.source import WRITTEN_FIELDS as SOURCE_WRITTEN_FIELDS
from app.errors import Conflict, ImportFailed, InvalidData
from app.imports.checking import ColumnChecker
from app.imports.restore import RestoreProblem, restore_history
from app.metrics import service as metrics_service
from app.metrics.schemas import MetricCreate
from app.observations import bulk
from app.observations.schemas import ObservationImport, figure_and_period_rules
from app.sources import service as sources_service
from app.sources.schemas import SourceImport

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
# Observation rows read, checked and saved together.
BATCH_SIZE = 1000
# After an import this large, refresh the planner's statistics if they are out of date
# (their row count a tenth off, and this many rows), so that filters keep choosing the
# right index as the data grows.
ANALYZE_AFTER = 10_000
# Columns of a sources file that the API derives or keeps itself (all but id and revision).
SOURCE_DERIVED_COLUMNS = set(SOURCE_SERVED_FIELDS) - {*SOURCE_WRITTEN_FIELDS, "id", "revision"}

Row = dict[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)
OnRows = Callable[[int], None]  # told how many more rows were read
# Columns of an observations file that the API derives: dropped (a unit is checked).
OBSERVATION_DERIVED_COLUMNS = frozenset(DERIVED_FIELDS)


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
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def summary(self) -> str:
        parts = [
            f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        ]
        return "; ".join(parts) or "nothing to import"


def _csv_records(stream: TextIO) -> Iterator[tuple[list[str], int, list[str]]]:
    """(header, line where the record starts, its cells, as many as the header's); blank
    lines are skipped, as csv.DictReader skips them."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    width = len(header)
    start = 2
    for record in reader:
        if not record:
            continue
        if len(record) > width:
            raise ValueError(f"line {start}: more cells than the header has columns")
        if len(record) < width:
            record += [""] * (width - len(record))
        yield header, start, record
        start = reader.line_num + 1


def read_csv_rows(stream: TextIO) -> Iterator[tuple[int, Row]]:
    """(line where the record starts, row); empty cells become None, missing ones too."""
    for header, line, record in _csv_records(stream):
        yield line, dict(zip(header, [cell or None for cell in record], strict=True))


@dataclass(frozen=True)
class RowBatch:
    """Rows read together: the line each starts on, and the rows, as dictionaries or, when
    they all have the same columns (a CSV file's), as columns: no dictionary per row."""

    lines: list[int]
    rows: list[Row] | None = None
    columns: dict[str, Sequence[Any]] | None = None

    def row(self, i: int) -> Row:
        if self.rows is not None:
            return self.rows[i]
        return {name: cells[i] for name, cells in (self.columns or {}).items()}

    def all_rows(self) -> list[Row]:
        return self.rows if self.rows is not None else [self.row(i) for i in range(len(self.lines))]


def read_csv_batches(stream: TextIO, size: int = BATCH_SIZE) -> Iterator[RowBatch]:
    """`read_csv_rows`, `size` rows at a time, as columns."""
    lines: list[int] = []
    records: list[list[str]] = []
    header: list[str] = []
    for header, line, record in _csv_records(stream):
        lines.append(line)
        records.append(record)
        if len(records) == size:
            yield _columns(header, lines, records)
            lines, records = [], []
    if records:
        yield _columns(header, lines, records)


def _columns(header: list[str], lines: list[int], records: list[list[str]]) -> RowBatch:
    cells = zip(*records, strict=True)
    columns = {
        name: [cell or None for cell in column] for name, column in zip(header, cells, strict=True)
    }
    return RowBatch(lines, columns=columns)


def batches_of(rows: Iterable[tuple[int, Row]], size: int = BATCH_SIZE) -> Iterator[RowBatch]:
    """Rows read one by one (JSON lines), `size` at a time."""
    rest = iter(rows)
    while batch := list(islice(rest, size)):
        yield RowBatch([line for line, _ in batch], rows=[row for _, row in batch])


def read_ndjson_rows(stream: TextIO) -> Iterator[tuple[int, Row]]:
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {number}: each line must be a JSON object")
        yield number, row


def _parse(model: type[ModelT], row: Row) -> ModelT:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            messages.append(f"{where}: {message}" if where else message)
        raise InvalidData("; ".join(messages)) from None


@dataclass(frozen=True)
class ImportContext:
    actor: str  # the token's name, or "cli"
    reason: str
    # From the catalog as the import's transaction sees it (metrics.csv comes first).
    dimension_names: set[str]
    units: dict[str, str]
    metrics: Mapping[str, Any]
    sources: Collection[int]


def _save_metric(session: Session, row: Row, context: ImportContext) -> SaveOutcome:
    dimensions = row.get("dimensions")
    if isinstance(dimensions, str) or dimensions is None:  # CSV: space-separated names
        row = {**row, "dimensions": (dimensions or "").split()}
    return metrics_service.save_metric(session, _parse(MetricCreate, row), actor=context.actor)[1]


def _save_source(session: Session, row: Row, context: ImportContext) -> SaveOutcome:
    fields = {k: v for k, v in row.items() if k not in SOURCE_DERIVED_COLUMNS}
    data = _parse(SourceImport, fields)
    return sources_service.save_source(session, data, actor=context.actor, reason=context.reason)[1]


def _observation_fields(row: Row, context: ImportContext) -> Row:
    """A flat CSV row has one column per dimension; JSON has a `dimensions` object. Derived
    columns are dropped (the unit is checked against the metric's once the row is)."""
    fields: Row = {"dimensions": dict(row.get("dimensions") or {})}
    for name, value in row.items():
        if name in context.dimension_names:
            if value is not None:
                fields["dimensions"][name] = value
        elif name not in OBSERVATION_DERIVED_COLUMNS and name != "dimensions":
            fields[name] = value
    return fields


@cache
def _observation_checker() -> ColumnChecker:
    return ColumnChecker(ObservationImport, figure_and_period_rules)


def _same_columns(rows: list[Row]) -> dict[str, Sequence[Any]] | None:
    """Rows that all have the same keys (more than one), as columns; None otherwise."""
    names = list(rows[0]) if rows else []
    first = rows[0].keys() if rows else None
    if len(names) < 2 or any(row.keys() != first for row in rows):
        return None
    return dict(zip(names, zip(*map(itemgetter(*names), rows), strict=True), strict=True))


def _observation_columns(
    columns: Mapping[str, Sequence[Any]], count: int, context: ImportContext
) -> dict[str, Sequence[Any]] | None:
    """`_observation_fields` for a batch given as columns; None if the rows carry a
    `dimensions` object (they are taken one by one)."""
    if "dimensions" in columns:
        return None
    fields = {
        name: column
        for name, column in columns.items()
        if name not in context.dimension_names and name not in OBSERVATION_DERIVED_COLUMNS
    }
    breakdowns = [name for name in columns if name in context.dimension_names]
    none = (None,) * len(breakdowns)  # most rows: a total, no breakdown
    fields["dimensions"] = (
        [
            {} if cells == none else _breakdown(breakdowns, cells)
            for cells in zip(*(columns[name] for name in breakdowns), strict=True)
        ]
        if breakdowns
        else [{} for _ in range(count)]
    )
    return fields


def _breakdown(names: list[str], cells: Sequence[Any]) -> dict[str, Any]:
    return {name: value for name, value in zip(names, cells, strict=True) if value is not None}


def _check_observations(
    batch: RowBatch, context: ImportContext
) -> tuple[list[tuple[int, Row]], list[tuple[int, str]]]:
    """The rows of a batch checked as ObservationImport checks one (its values, as a dict),
    and each bad row's line and problem, in the model's words."""
    checker = _observation_checker()
    count = len(batch.lines)
    columns = batch.columns if batch.rows is None else _same_columns(batch.rows)
    fields = _observation_columns(columns, count, context) if columns is not None else None
    if fields is not None:
        results = checker.check_columns(fields, count)
    else:
        results = checker.check([_observation_fields(row, context) for row in batch.all_rows()])
    units = (columns or {}).get("unit", [None] * count) if columns is not None else None
    checked: list[tuple[int, Row]] = []
    problems: list[tuple[int, str]] = []
    for i, (line, values) in enumerate(zip(batch.lines, results, strict=True)):
        try:
            if values is None:  # the model says what is wrong (or, if nothing, its values)
                row_fields = _observation_fields(batch.row(i), context)
                values = _parse(ObservationImport, row_fields).model_dump()
            unit = units[i] if units is not None else batch.row(i).get("unit")
            expected = context.units.get(values["metric"])
            if unit is not None and expected is not None and unit != expected:
                raise InvalidData(
                    f"unit '{unit}' is not the unit of {values['metric']} ('{expected}')"
                )
        except InvalidData as exc:
            problems.append((line, exc.detail))
            continue
        checked.append((line, values))
    return checked, problems


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
            checked, problems = _check_observations(batch, context)
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
}


def _context(session: Session, *, actor: str, reason: str) -> ImportContext:
    catalog = load_catalog(session, data_version=None)
    return ImportContext(
        actor,
        reason,
        set(catalog.dimension_names),
        catalog.units,
        catalog.metrics,
        catalog.sources.keys(),
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
) -> None:
    """Save each row of one kind, noting each problem with its line and going on, so that
    one run reports every bad row."""
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
    context = _context(session, actor=actor, reason=reason)
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
) -> None:
    """Import one file; JSON lines if it ends in .ndjson or .jsonl (or `json_lines`)."""
    if json_lines is None:
        json_lines = path.suffix in NDJSON_SUFFIXES
    name = name or path.name
    options: dict[str, Any] = {"file": name, "report": report, "actor": actor, "reason": reason}
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            if kind != "observations":
                reader = read_ndjson_rows if json_lines else read_csv_rows
                import_rows(session, kind, reader(stream), **options, on_rows=on_rows)
            elif json_lines:
                batches = batches_of(read_ndjson_rows(stream))
                import_batches(session, batches, **options, on_rows=on_rows)
            else:
                import_batches(session, read_csv_batches(stream), **options, on_rows=on_rows)
    except UnicodeDecodeError:
        report.problems.append(RowProblem(name, 0, "the file is not UTF-8 text"))


def import_path(
    session: Session,
    path: Path,
    *,
    actor: str = "cli",
    on_rows: OnRows | None = None,
) -> ImportReport:
    """Import a dataset folder (metrics.csv, sources.csv, observations.csv) or one file of
    observations (.csv, or .ndjson/.jsonl for JSON lines), then `finish_import`."""
    report = ImportReport()
    if not path.is_dir():
        import_file(session, path, report=report, actor=actor, on_rows=on_rows)
    elif any((path / DATASET_FILES[kind]).is_file() for kind in REVISION_FILES):
        _restore_folder(session, path, report=report)
    else:
        for kind in ("metrics", "sources", "observations"):
            if (file := path / DATASET_FILES[kind]).is_file():
                import_file(session, file, kind=kind, report=report, actor=actor, on_rows=on_rows)
    finish_import(session, report, actor=actor, target=path.name)
    return report


def _restore_folder(session: Session, folder: Path, *, report: ImportReport) -> None:
    """An export with its revisions: metrics as usual, then sources and observations with
    their whole history, into an empty database."""
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
                for kind in REVISION_FILES
            }
            sources, observations = restore_history(
                session, rows["source_revisions"], rows["observation_revisions"]
            )
    except RestoreProblem as problem:
        report.problems.append(RowProblem(problem.file, problem.line, problem.message))
        return
    except (ValueError, csv.Error, UnicodeDecodeError) as exc:
        report.problems.append(RowProblem(folder.name, 0, str(exc)))
        return
    report.counts["sources"] = Counter(created=sources)
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
