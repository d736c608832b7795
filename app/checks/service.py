"""An audit of the whole database: each observation read against its own quote and the text
the quote comes from, by rules precise enough that what they find is worth reading
(`laborstats check` prints each finding).

The rules, each a pure function of plain values (`quotes`, `wording`, `dates`):

- **quote-not-in-text**: the quote is not an exact substring of the text of its source or,
  when that source keeps none, of the nearest source in its relay chain that keeps one (as
  `app.sources.texts` checks on every write; an import from an older version, or a row
  written around the API, may still hold one). No text, no check.
- **qualifier-wording**: the figure (value; lower_bound for at_least and upper_bound for
  at_most when there is no value; both bounds for a range) is looked for in the quote,
  written as people write it: "10,000" or "10000", "$100", "18-hour", "1.5 million", or a
  number word up to twenty ("two"). The words right before it (or right after: "10,000 or
  more") say how it is stated: "over", "more than", "above", "at least" are at_least;
  "around", "about", "approximately", "roughly", "some", "an estimated" approximate; "up
  to", "at most", "fewer than", "less than", "under" at_most; "nearly", "almost", "as many
  as" either approximate or at_most; "A-B", "$A-$B" and "between A and B" a range. No hedge
  is exact: "typically 18-hour shifts" is exact for a metric that already means a typical
  shift. A finding when no place the figure is written allows the stored qualifier. A
  stored range is contradicted only when its bounds are found and neither is written as a
  range (also "A to B") nor with its end's hedge. A figure not found in the quote says
  nothing about its qualifier: no guessing.
- **basis-wording**: the quote speaks of the future ("expected", "would", "will", "plans
  to", "is to", "are to", "is set to", "intends to", "going to", "projected", "forecast";
  not "will" as a noun) but the basis is not projection. When the figure is found, only
  the sentences that write it are read.
- **date-beyond-quote**: reported_on or the period (period_start, period_end, the years in
  period_label) gives a year the quote does not write ("last year" read as 2024, "in June"
  stored as 2025-06), or reported_on gives a month other than every month the quote names
  (--07 for "in June"). A field marked inferred (`inferred` names "reported_on" or
  "period", with its reason) is the editor's stated reading and is not checked. A date
  without a year (--06) is the honest form of "in June".
- **period-start-beyond-quote**: an open period ("since 2022") starts on a day (2022-01-01)
  the quote does not give, and the period is not marked inferred.
- **attribution-beyond-quote**: attributed_to names someone or something (a capitalised
  word past its first: "the BBC", "South Korean") that the quote does not write, and the
  attribution is not marked inferred.

A figure read from a statistical table has a cell instead of a quote (`cells`):

- **cell-not-in-table**: its cell does not hold the figure in its source's stored table
  (the value, and in SDMX-CSV the series key, period and flag it names), as every write
  checks. The quote's rules do not apply; the prose rules read its row of the table.
- **file-not-as-stored**: a source's stored table no longer has the SHA-256 it is stored
  by: its bytes changed since it was imported.

What people wrote about a record (notes, the reasons of inferred values, the reasons of
corrections) is read too (`prose`), for observations, sources and events:

- **quotation-not-in-text**: a phrase in quotation marks is not, word for word and case for
  case, in the text the record's quote is checked against (a correction's reason may also
  quote what the record said before).
- **note-beyond-record**: a note or reason states, in its own words (outside quotations), a
  year, a month or a country (by name) that neither the quote nor the record gives.
- **position-unquoted**: a note says where a passage is ("the sentence before", "follows")
  without quoting the passage; **position-out-of-order**: it says the quote follows a
  quoted passage that the text has later.
- **metric-not-counted**: a note names a metric ("entries") that no figure of the record's
  pair counts.

`documents` reads, with the same rules, documents that describe the data (the README's
description, the seed's README): quotations, metrics no figure counts, unquoted positions,
a year given to a quoted figure whose quote does not give it, and figures of different
metrics called competing (**described-figure**).

Retracted observations are skipped: they are out of lists, kept only as a record of what
was once said. Observations are read a page at a time, in id order, so the audit of a
million rows holds one page, the findings and the texts quotes are checked against."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from app.checks import prose
from app.checks.cells import Tables, cell_not_in_table, cell_text, files_not_as_stored
from app.checks.dates import dates_beyond_quote, open_period_beyond_quote
from app.checks.quotes import attribution_beyond_quote, quote_not_in_text
from app.checks.wording import basis_wording, qualifier_wording
from app.domain.codes import subdivision_country
from app.models import (
    Event,
    EventRevision,
    Metric,
    Observation,
    ObservationRevision,
    Source,
    SourceRevision,
)
from app.sources.service import relay_chains
from app.sources.texts import HeldText, held_text, stored_text

QUOTE_NOT_IN_TEXT = "quote-not-in-text"
QUALIFIER_WORDING = "qualifier-wording"
BASIS_WORDING = "basis-wording"
DATE_BEYOND_QUOTE = "date-beyond-quote"
OPEN_PERIOD = "period-start-beyond-quote"
ATTRIBUTION = "attribution-beyond-quote"
MISQUOTED = "quotation-not-in-text"
BEYOND_RECORD = "note-beyond-record"
UNQUOTED_POSITION = "position-unquoted"
POSITION_ORDER = "position-out-of-order"
METRIC_NOT_COUNTED = "metric-not-counted"
DESCRIBED = "described-figure"
CELL_NOT_IN_TABLE = "cell-not-in-table"
FILE_NOT_AS_STORED = "file-not-as-stored"
# The rules that read a table's figures and stored files.
TABLE_RULES = frozenset({CELL_NOT_IN_TABLE, FILE_NOT_AS_STORED})
# The rules read on records; and on documents that describe the data.
RULES = (
    *(ATTRIBUTION, BASIS_WORDING, DATE_BEYOND_QUOTE, METRIC_NOT_COUNTED, BEYOND_RECORD),
    *(OPEN_PERIOD, POSITION_ORDER, UNQUOTED_POSITION, QUALIFIER_WORDING, MISQUOTED),
    *(QUOTE_NOT_IN_TEXT, CELL_NOT_IN_TABLE, FILE_NOT_AS_STORED),
)
DOCUMENT_RULES = (DESCRIBED, METRIC_NOT_COUNTED, UNQUOTED_POSITION, MISQUOTED)
PAGE_SIZE = 1000
# Sources whose text is remembered; past this many, start again.
_MAX_REMEMBERED = 10_000
# What a note or reason holds when it quotes: most hold none, and are not read again.
_QUOTE_MARKS = ("'", '"', "\u201c", "\u2018")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem with one record, by one rule: what is wrong and how to right it."""

    record: str
    record_id: int
    rule: str
    message: str

    def __str__(self) -> str:
        named = f"{self.record} {self.record_id}" if self.record_id else self.record
        return f"{named}: {self.rule}: {self.message}"


@dataclass
class Tally:
    """How many records were checked."""

    observations: int = 0


@dataclass(frozen=True)
class Context:
    """What notes are read against, besides their record: each metric's name, and the
    metrics each country pair's figures count."""

    metric_names: Mapping[str, str]
    counted: Mapping[tuple[str, str], frozenset[str]]


def _columns() -> list[Any]:
    columns: list[Any] = [
        *(Observation.id, Observation.source_id, Observation.quote, Observation.qualifier),
        *(Observation.basis, Observation.value, Observation.lower_bound),
        *(Observation.upper_bound, Observation.reported_on, Observation.period_start),
        *(Observation.period_end, Observation.period_label, Observation.inferred),
        *(Observation.attributed_to, Observation.notes, Observation.origin),
        *(Observation.destination, Observation.region, Observation.metric, Observation.cell),
    ]
    return columns


def _notes(record: Any) -> list[tuple[str, str]]:
    """What people wrote about a record: its notes, and each inferred value's reason."""
    written = [("notes", record.notes)] if record.notes else []
    return written + [(f"inferred {name}", reason) for name, reason in record.inferred.items()]


def notes_findings(
    record: Any,
    quote: str,
    held: HeldText | None,
    stated: prose.Stated,
    counted: Iterable[str],
    metric_names: Mapping[str, str],
) -> dict[str, list[str]]:
    """The prose rules' findings on a record's notes and reasons, by rule."""
    texts = [held.text] if held is not None else []
    found: dict[str, list[str]] = {}
    for where, note in _notes(record):
        said = {
            MISQUOTED: prose.misquoted(note, texts) if texts else [],
            BEYOND_RECORD: prose.beyond_the_record(note, stated),
            UNQUOTED_POSITION: prose.unquoted_position(note),
            POSITION_ORDER: prose.position_out_of_order(note, quote, texts[0]) if texts else [],
            METRIC_NOT_COUNTED: prose.metrics_not_counted(note, metric_names, set(counted)),
        }
        for rule, messages in said.items():
            found.setdefault(rule, []).extend(f"{where}: {message}" for message in messages)
    return found


def observation_findings(
    row: Any,
    held: HeldText | None,
    context: Context | None = None,
    tables: Tables | None = None,
) -> list[Finding]:
    """Every rule's findings for one observation's row, sorted by rule."""
    if row.quote is None:  # a figure read from a table's cell
        table = tables.of(row.source_id) if tables is not None else None
        found = {CELL_NOT_IN_TABLE: cell_not_in_table(row, table)}
        quote, held = cell_text(row, table), None
    else:
        quote = row.quote
        found = _quote_findings(row, held)
    if context is not None:
        stated = prose.Stated.of(
            quote,
            dates=[str(row.period_start or ""), str(row.period_end or ""), row.reported_on],
            countries=[row.origin, row.destination, row.region and subdivision_country(row.region)],
        )
        counted = context.counted.get((row.origin, row.destination), frozenset())
        found |= notes_findings(row, quote, held, stated, counted, context.metric_names)
    return sorted(
        Finding("observation", row.id, rule, message)
        for rule, messages in found.items()
        for message in messages
    )


def _quote_findings(row: Any, held: HeldText | None) -> dict[str, list[str]]:
    """The rules that read a figure against its quote."""
    quote = row.quote
    figures = (row.value, row.lower_bound, row.upper_bound)
    return {
        QUOTE_NOT_IN_TEXT: quote_not_in_text(quote, held),
        QUALIFIER_WORDING: qualifier_wording(
            quote,
            qualifier=row.qualifier,
            value=row.value,
            lower_bound=row.lower_bound,
            upper_bound=row.upper_bound,
        ),
        BASIS_WORDING: basis_wording(quote, basis=row.basis, figures=figures),
        DATE_BEYOND_QUOTE: dates_beyond_quote(
            quote,
            reported_on=row.reported_on,
            period_start=row.period_start,
            period_end=row.period_end,
            period_label=row.period_label,
            inferred=row.inferred,
        ),
        OPEN_PERIOD: open_period_beyond_quote(
            quote, period_start=row.period_start, period_end=row.period_end, inferred=row.inferred
        ),
        ATTRIBUTION: attribution_beyond_quote(quote, row.attributed_to, row.inferred),
    }


def metric_names(session: Session) -> dict[str, str]:
    return {row.code: row.name for row in session.execute(select(Metric.code, Metric.name))}


def _context(session: Session) -> Context:
    live = Observation.retracted_at.is_(None)
    counted: dict[tuple[str, str], set[str]] = {}
    pairs = select(Observation.origin, Observation.destination, Observation.metric).where(live)
    for origin, destination, metric in session.execute(pairs.distinct()):
        counted.setdefault((origin, destination), set()).add(metric)
    names = metric_names(session)
    return Context(names, {pair: frozenset(metrics) for pair, metrics in counted.items()})


class _Texts:
    """The text each source's quotes are checked against, remembered up to a bound."""

    def __init__(self, session: Session) -> None:
        self.session, self.held = session, {}

    def of(self, source_ids: Iterable[int]) -> Mapping[int, HeldText | None]:
        unknown = set(source_ids) - self.held.keys()
        if len(self.held) + len(unknown) > _MAX_REMEMBERED:
            self.held.clear()
            unknown = set(source_ids)
        for source_id, chain in relay_chains(self.session, unknown).items():
            self.held[source_id] = held_text(chain, stored_text)
        return self.held


def iter_problems(
    session: Session, *, tally: Tally | None = None, page_size: int = PAGE_SIZE
) -> Iterator[Finding]:
    """Every finding: observations by id, then rule (retracted ones skipped); then sources,
    events, and the reasons of corrections."""
    texts, context, tables = _Texts(session), _context(session), Tables(session)
    query = select(*_columns()).where(Observation.retracted_at.is_(None))
    after = 0
    while True:
        page = session.execute(
            query.where(Observation.id > after).order_by(Observation.id).limit(page_size)
        ).all()
        if not page:
            break
        held = texts.of({row.source_id for row in page})
        for row in page:
            yield from observation_findings(row, held[row.source_id], context, tables)
        if tally is not None:
            tally.observations += len(page)
        after = page[-1].id
    yield from _source_findings(session, texts, context)
    yield from _event_findings(session, texts, context)
    yield from _reason_findings(session, texts)


def _source_findings(session: Session, texts: _Texts, context: Context) -> Iterator[Finding]:
    sources = list(session.scalars(select(Source).order_by(Source.id)))
    held = texts.of(source.id for source in sources)
    not_as_stored, tables = files_not_as_stored(session), Tables(session)
    for source in sources:
        if source.id in not_as_stored:
            yield Finding("source", source.id, FILE_NOT_AS_STORED, not_as_stored[source.id])
        table = tables.of(source.id) if source.file_sha256 else None
        text = held[source.id].text if held[source.id] is not None else ""
        if table is not None:  # a table's notes speak of what its cells and headings say
            text = table.table.text
        stated = prose.Stated.of(text, dates=[source.published_on])
        counted = frozenset().union(*context.counted.values())
        found = notes_findings(source, text, held[source.id], stated, counted, context.metric_names)
        found.pop(POSITION_ORDER, None)  # a source's notes speak of its whole text
        yield from sorted(
            Finding("source", source.id, rule, message)
            for rule, messages in found.items()
            for message in messages
        )


def _event_findings(session: Session, texts: _Texts, context: Context) -> Iterator[Finding]:
    events = list(
        session.scalars(select(Event).where(Event.retracted_at.is_(None)).order_by(Event.id))
    )
    held = texts.of(event.source_id for event in events)
    for event in events:
        stated = prose.Stated.of(
            event.quote, dates=[event.occurred_on], countries=[event.origin, event.destination]
        )
        found = notes_findings(event, event.quote, held[event.source_id], stated, (), {})
        yield from sorted(
            Finding("event", event.id, rule, message)
            for rule, messages in found.items()
            for message in messages
        )


# Each kind of record: its revision table, and where its source is (sources are their own).
_REVISED = {"observation": ObservationRevision, "source": SourceRevision, "event": EventRevision}


def _reason_findings(session: Session, texts: _Texts) -> Iterator[Finding]:
    """Quotations in the reasons of corrections: in the text, or in what the record said
    before. Only reasons that quote are read."""
    for kind, table in _REVISED.items():
        quoting = or_(*(table.reason.contains(mark) for mark in _QUOTE_MARKS))
        revisions = session.scalars(
            select(table).where(quoting).order_by(table.id, table.revision)
        ).all()
        for revision in revisions:
            source_id = revision.id if kind == "source" else revision.source_id
            held = texts.of([source_id])[source_id]
            earlier = _earlier_values(session, table, revision)
            for message in prose.misquoted(
                revision.reason, [held.text] if held else [], earlier=earlier
            ):
                yield Finding(
                    kind, revision.id, MISQUOTED, f"revision {revision.revision} reason: {message}"
                )


def _earlier_values(session: Session, table: Any, revision: Any) -> list[str]:
    """Every text a record held before this revision: what a correction's reason quotes."""
    before = session.scalars(
        select(table).where(table.id == revision.id, table.revision < revision.revision)
    )
    values: list[str] = []
    for earlier in before:
        for value in (getattr(earlier, column.name) for column in table.__table__.columns):
            if isinstance(value, str):
                values.append(value)
            elif isinstance(value, dict):
                values.extend(str(item) for item in value.values())
    return values


def find_problems(session: Session) -> list[Finding]:
    """Every finding in the database, sorted by record, then rule."""
    return list(iter_problems(session))
