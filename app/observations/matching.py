"""Where a search's words are in a result, found in Python: the `match` each result is served
with (the field most words were found in, a snippet of it, and the words' places), its CSV
cells, and the score of a past state's texts (`as_of` searches on SQLite, whose index holds
only the present). Words are read as `search` reads them: each a phrase of its letters and
digits, the last also as a prefix."""

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.domain.observation import SERVED_FIELDS
from app.observations.search import FIELDS, SCORE_FUNCTION, TOKEN, WEIGHTS, SearchText

# A snippet longer than this is cut around its first highlight.
SNIPPET_LENGTH = 300
ELLIPSIS = "…"
# CSV cannot hold offsets: its snippet marks each highlight between these.
CSV_MARK = "**"
CSV_COLUMNS = ["match_field", "match_snippet"]


def _spans(
    text: str, phrases: Sequence[Sequence[str]], prefix: bool
) -> dict[int, list[tuple[int, int]]]:
    """Where each phrase occurs in `text`, by phrase: spans in code points."""
    tokens = [(m.start(), m.end(), m.group().lower()) for m in TOKEN.finditer(text)]
    found: dict[int, list[tuple[int, int]]] = {}
    last = len(phrases) - 1
    for index, phrase in enumerate(phrases):
        if not phrase:
            continue
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            window = tokens[start : start + size]
            if all(
                token == wanted
                or (prefix and index == last and at == size - 1 and token.startswith(wanted))
                for at, ((_, _, token), wanted) in enumerate(zip(window, phrase, strict=True))
            ):
                found.setdefault(index, []).append((window[0][0], window[-1][1]))
    return found


def _found_in(
    fields: Mapping[str, str | None], phrases: Sequence[Sequence[str]], prefix: bool
) -> dict[str, dict[int, list[tuple[int, int]]]]:
    """Where each phrase occurs, by field."""
    return {name: _spans(fields.get(name) or "", phrases, prefix) for name in FIELDS}


def score_texts(
    phrases: Sequence[Sequence[str]], prefix: bool, fields: Mapping[str, str | None]
) -> float | None:
    """A past state's score: None unless every word is found in some field; else the
    occurrences, each counted by its field's weight."""
    found = _found_in(fields, phrases, prefix)
    matched = set().union(*(spans.keys() for spans in found.values()))
    if len(matched) < sum(1 for phrase in phrases if phrase):
        return None
    return float(
        sum(WEIGHTS[name] * len(spans) for name in FIELDS for spans in found[name].values())
    )


def _snippet(value: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    if len(value) <= SNIPPET_LENGTH:
        return value, spans
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_LENGTH // 4)
    if start > 0:  # begin at a word
        space = value.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(value), start + SNIPPET_LENGTH)
    if end < len(value):
        space = value.rfind(" ", max(first, start), end)
        end = space if space > start else end
    lead = ELLIPSIS if start > 0 else ""
    shift = len(lead) - start
    kept = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return lead + value[start:end] + (ELLIPSIS if end < len(value) else ""), kept


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def match(fields: Mapping[str, str | None], text: SearchText) -> dict[str, Any]:
    """The `match` of one result: the field most words were found in (the first of
    FIELDS on a tie), its snippet, and the matched words' places in it."""
    found = _found_in(fields, text.phrases, text.prefix)
    best = max(FIELDS, key=lambda name: (len(found[name]), -FIELDS.index(name)))
    if not found[best]:  # matched by the database's reading of a word, not ours
        best = "quote"
    spans = _merged(span for spans in found[best].values() for span in spans)
    snippet, highlights = _snippet(fields.get(best) or "", spans)
    return {"field": best, "snippet": snippet, "highlights": [list(h) for h in highlights]}


_QUOTE, _CLAIMANT, _NOTES, _SOURCE = (
    SERVED_FIELDS.index(name) for name in ("quote", "attributed_to", "notes", "source_id")
)


def matches(
    rows: Sequence[Sequence[Any]], text: SearchText, title_of: Callable[[int], str | None]
) -> list[dict[str, Any]]:
    """The `match` of each row of served columns; `title_of` gives a source's title."""
    return [
        match(
            {
                "quote": row[_QUOTE],
                "attributed_to": row[_CLAIMANT],
                "notes": row[_NOTES],
                "source_title": title_of(row[_SOURCE]),
            },
            text,
        )
        for row in rows
    ]


def csv_cells(found: Mapping[str, Any]) -> list[str]:
    """A match as CSV_COLUMNS: the field, and the snippet with each highlight between
    CSV_MARKs."""
    snippet, marked, at = found["snippet"], [], 0
    for start, end in found["highlights"]:
        marked += [snippet[at:start], CSV_MARK, snippet[start:end], CSV_MARK]
        at = end
    return [found["field"], "".join([*marked, snippet[at:]])]


def csv_columns(columns: list[str], text: SearchText | None) -> list[str]:
    """CSV columns: the match's two only when searching."""
    return columns if text is None else [*columns, *CSV_COLUMNS]


def csv_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSV rows (dicts) with their match's cells, when they have one."""
    for row in rows:
        found = row.get("match")
        if found is not None:
            row.update(zip(CSV_COLUMNS, csv_cells(found), strict=True))
    return rows


def _sqlite_score(query: str, quote: Any, attributed_to: Any, notes: Any, title: Any) -> Any:
    phrases, prefix = json.loads(query)
    fields = {"quote": quote, "attributed_to": attributed_to, "notes": notes}
    return score_texts(phrases, prefix, {**fields, "source_title": title})


@event.listens_for(Engine, "connect")
def _register_score(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection can score past texts (`as_of` searches)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SCORE_FUNCTION, 5, _sqlite_score, deterministic=True)
