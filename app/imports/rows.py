"""Saving an import's rows, kind by kind: metrics, sources and events one row at a time
through their services' `save_*` (each a revision, as the API writes one), observations a
batch at a time through `observations.bulk`. Each bad row is reported with its line and the
import goes on, so that one run reports every problem."""

import csv
import queue
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.dataset.catalog import load_catalog
from app.domain.event import SERVED_FIELDS as EVENT_SERVED_FIELDS
from app.domain.event import WRITTEN_FIELDS as EVENT_WRITTEN_FIELDS
from app.domain.outcomes import SaveOutcome
from app.domain.source import SERVED_FIELDS as SOURCE_SERVED_FIELDS
from app.domain.source import WRITTEN_FIELDS as SOURCE_WRITTEN_FIELDS
from app.errors import Conflict, InvalidData
from app.events import service as events_service
from app.events.schemas import EventImport
from app.imports.column_checks import Values, parse
from app.imports.observation_rows import Catalog, check_observations
from app.imports.reading import FileBatches, Row, RowBatch, batches_of, json_object_cell
from app.imports.report import ImportReport, RowProblem
from app.metrics import service as metrics_service
from app.metrics.schemas import MetricCreate
from app.observations.bulk.saver import saving
from app.sources import service as sources_service
from app.sources.schemas import SourceImport

# Columns of a sources file that the API derives or keeps itself (all but id and revision).
SOURCE_DERIVED_COLUMNS = set(SOURCE_SERVED_FIELDS) - {*SOURCE_WRITTEN_FIELDS, "id", "revision"}
# And of an events file (its citation, retraction and timestamps).
EVENT_DERIVED_COLUMNS = set(EVENT_SERVED_FIELDS) - {*EVENT_WRITTEN_FIELDS, "id", "revision"}

OnRows = Callable[[int], None]  # told how many more rows were read
RowFilter = Callable[[Iterable[tuple[int, Row]]], Iterable[tuple[int, Row]]]


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


Checked = tuple[list[tuple[int, Values]], list[tuple[int, str]]]  # what check_observations returns


@contextmanager
def _checked(
    batches: Iterable[RowBatch], catalog: Catalog
) -> Iterator[Iterable[tuple[RowBatch, Checked]]]:
    """Each batch with its rows checked (`check_observations`). Batches read from a file
    alone are read and checked one ahead, in a thread of their own, while the batch before
    is saved: the database drivers let go of the interpreter while the database works, so
    the two overlap on a second core. Whatever reading raises (a broken file) is raised in
    turn, after the batches before it; the thread is stopped when the block ends."""
    if not isinstance(batches, FileBatches):  # they may read the session: one at a time
        yield ((batch, check_observations(batch, catalog)) for batch in batches)
        return
    ahead = _ReadAhead(batches, catalog)
    try:
        yield ahead
    finally:
        ahead.stop()


class _ReadAhead:
    """A thread that reads and checks batches, at most one more than the one waiting."""

    _END = object()

    def __init__(self, batches: Iterator[RowBatch], catalog: Catalog) -> None:
        self.batches, self.catalog = batches, catalog
        self.ready: queue.Queue[Any] = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._read, name="import-read-ahead", daemon=True)
        self.thread.start()

    def __iter__(self) -> Iterator[tuple[RowBatch, Checked]]:
        while (item := self.ready.get()) is not self._END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        """Stop reading (the import is over, or failed) and wait for the thread, which then
        no longer touches the file."""
        self.stopping.set()
        self.thread.join()

    def _read(self) -> None:
        try:
            for batch in self.batches:
                if not self._hand_over((batch, check_observations(batch, self.catalog))):
                    return
            self._hand_over(self._END)
        except BaseException as exc:  # raised where the batch would have been
            self._hand_over(exc)

    def _hand_over(self, item: Any) -> bool:
        while not self.stopping.is_set():
            try:
                self.ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


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
    with (
        saving(
            session,
            actor=context.actor,
            reason=context.reason,
            metrics=context.metrics,
            sources=context.sources,
        ) as saver,
        _checked(batches, context.catalog) as checked_batches,
    ):
        for batch, (checked, problems) in checked_batches:
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
