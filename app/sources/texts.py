"""Source texts and the quotes checked against them.

A quote is checked against the text of its source or, when that source keeps none, of the
nearest source in its relay chain that does (a statement relayed through an article is
quoted from the article). Offsets count Unicode code points, as RFC 5147's `char=` does
for text/plain, and are found when a quote is served (`QuotePlaces`), not stored: a text
or a relay changed later moves them with it, and the edit that would make a quote
unfindable is refused instead (`check_quotes_of`)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import InvalidData
from app.models import Event, Observation, Source

SourceRow = Any
TextOf = Callable[[SourceRow], str | None]
# Memoised places per (source, quote) in a kept QuotePlaces; past this many, start again.
_MAX_REMEMBERED = 50_000


@dataclass(frozen=True)
class HeldText:
    """The text a quote is checked against, and the source that holds it."""

    source_id: int
    text: str


def stored_text(source: SourceRow) -> str | None:
    """For ORM objects and revision rows, which carry their text."""
    return source.text


def no_text(source: SourceRow) -> None:
    """For documents made where no text is known."""
    return None


def held_text(chain: Sequence[SourceRow], text_of: TextOf) -> HeldText | None:
    """The nearest text along a relay chain (the source first); None when none keeps one."""
    for source in chain:
        text = text_of(source)
        if text is not None:
            return HeldText(source.id, text)
    return None


def check_quote(quote: str | None, held: HeldText | None) -> None:
    """A quote must be an exact substring of the text it can be checked against."""
    if held is not None and quote is not None and quote not in held.text:
        raise InvalidData(
            f"The quote is not in the text of source {held.source_id}: copy it exactly as "
            f"GET /v1/sources/{held.source_id}/text has it.",
            field="quote",
        )


Place = tuple[int | None, int | None, str | None]
NOWHERE: Place = (None, None, None)


class QuotePlaces:
    """Where each quote sits in the text it is checked against: (start, end, and where a
    reader finds it there: `link(source_id, start, end)`), or nothing when there is no
    text. Kept per data version with the catalog, so each quote is looked for once."""

    def __init__(
        self,
        chain_of: Callable[[int], Sequence[SourceRow]],
        text_of: TextOf,
        link: Callable[[int, int, int], str],
    ) -> None:
        self._chain_of, self._text_of, self._link = chain_of, text_of, link
        self._held: dict[int, HeldText | None] = {}
        self._places: dict[tuple[int, str], Place] = {}

    def __call__(self, source_id: int, quote: str | None) -> Place:
        if quote is None:  # a figure read from a table's cell
            return NOWHERE
        place = self._places.get((source_id, quote))  # one lookup per row, once found
        return place if place is not None else self._find(source_id, quote)

    def _find(self, source_id: int, quote: str) -> Place:
        if source_id not in self._held:
            self._held[source_id] = held_text(self._chain_of(source_id), self._text_of)
        held = self._held[source_id]
        place = NOWHERE
        if held is not None and (start := held.text.find(quote)) >= 0:
            end = start + len(quote)
            place = (start, end, self._link(held.source_id, start, end))
        if len(self._places) >= _MAX_REMEMBERED:
            self._places.clear()
        self._places[(source_id, quote)] = place
        return place


def _relaying(session: Session, source_id: int) -> set[int]:
    """The source and every source whose relay chain passes through it."""
    relayed = {
        row.id: row.relayed_through
        for row in session.execute(select(Source.id, Source.relayed_through))
    }
    found = {source_id}
    for start in relayed:
        seen: set[int] = set()
        current: int | None = start
        while current is not None and current not in seen:
            if current == source_id:
                found.add(start)
                break
            seen.add(current)
            current = relayed.get(current)
    return found


def check_quotes_of(
    session: Session,
    source_id: int,
    chains_of: Callable[[Iterable[int]], dict[int, list[SourceRow]]],
) -> None:
    """After a source's text or relay changed (in this transaction): every observation and
    event checked against it must still find its quote, or the change is refused."""
    ids = _relaying(session, source_id)
    chains = chains_of(ids)
    for table, noun in ((Observation, "observation"), (Event, "event")):
        query = select(table.id, table.source_id, table.quote).where(table.source_id.in_(ids))
        lost = [
            row.id
            for row in session.execute(query.order_by(table.id))
            if (held := held_text(chains[row.source_id], stored_text)) is not None
            and row.quote is not None
            and row.quote not in held.text
        ]
        if lost:
            named = ", ".join(map(str, lost[:20])) + (" ..." if len(lost) > 20 else "")
            raise InvalidData(
                f"The text would no longer hold the quotes of {noun} {named}; correct those "
                "quotes first, or keep the text as it is.",
                field="text",
            )
