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

Retracted observations are skipped: they are out of lists, kept only as a record of what
was once said. Observations are read a page at a time, in id order, so the audit of a
million rows holds one page, the findings and the texts quotes are checked against."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.checks.dates import dates_beyond_quote
from app.checks.quotes import quote_not_in_text
from app.checks.wording import basis_wording, qualifier_wording
from app.models import Observation
from app.sources.service import relay_chains
from app.sources.texts import HeldText, held_text, stored_text

QUOTE_NOT_IN_TEXT = "quote-not-in-text"
QUALIFIER_WORDING = "qualifier-wording"
BASIS_WORDING = "basis-wording"
DATE_BEYOND_QUOTE = "date-beyond-quote"
RULES = (BASIS_WORDING, DATE_BEYOND_QUOTE, QUALIFIER_WORDING, QUOTE_NOT_IN_TEXT)
PAGE_SIZE = 1000
# Sources whose text is remembered; past this many, start again.
_MAX_REMEMBERED = 10_000


@dataclass(frozen=True, order=True)
class Finding:
    """One problem with one record, by one rule: what is wrong and how to right it."""

    record: str
    record_id: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.record} {self.record_id}: {self.rule}: {self.message}"


@dataclass
class Tally:
    """How many records were checked."""

    observations: int = 0


def _columns() -> list[Any]:
    columns: list[Any] = [
        *(Observation.id, Observation.source_id, Observation.quote, Observation.qualifier),
        *(Observation.basis, Observation.value, Observation.lower_bound),
        *(Observation.upper_bound, Observation.reported_on, Observation.period_start),
        *(Observation.period_end, Observation.period_label, Observation.inferred),
    ]
    return columns


def observation_findings(row: Any, held: HeldText | None) -> list[Finding]:
    """Every rule's findings for one observation's row, sorted by rule."""
    quote = row.quote
    figures = (row.value, row.lower_bound, row.upper_bound)
    found = {
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
    }
    return sorted(
        Finding("observation", row.id, rule, message)
        for rule, messages in found.items()
        for message in messages
    )


def iter_problems(
    session: Session, *, tally: Tally | None = None, page_size: int = PAGE_SIZE
) -> Iterator[Finding]:
    """Every finding, by observation id, then rule; retracted observations skipped."""
    held: dict[int, HeldText | None] = {}
    query = select(*_columns()).where(Observation.retracted_at.is_(None))
    after = 0
    while True:
        page = session.execute(
            query.where(Observation.id > after).order_by(Observation.id).limit(page_size)
        ).all()
        if not page:
            return
        unknown = {row.source_id for row in page} - held.keys()
        if len(held) + len(unknown) > _MAX_REMEMBERED:
            held.clear()
            unknown = {row.source_id for row in page}
        for source_id, chain in relay_chains(session, unknown).items():
            held[source_id] = held_text(chain, stored_text)
        for row in page:
            yield from observation_findings(row, held[row.source_id])
        if tally is not None:
            tally.observations += len(page)
        after = page[-1].id


def find_problems(session: Session) -> list[Finding]:
    """Every finding in the database, sorted by record, then rule."""
    return list(iter_problems(session))
