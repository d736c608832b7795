"""Full-text search of observations (`q=` on GET /v1/observations): what the words a
client types mean, the SQL that finds and ranks them on each database, and the `match`
each result is served with.

Words are the client's text split at whitespace; each must be found (all of them, in any
of the fields searched: quote, attributed_to, notes, the source's title), and a word that
holds punctuation (`10,000`, `North-Korean`) is found as its letters and digits in that
order. Nothing the client types is search syntax: each word goes to the database as a
quoted phrase (FTS5) or through `phraseto_tsquery` (PostgreSQL), which take any text. The
last word, when it is a plain word of three letters or more, also matches as the start of
a longer one (`labor` finds `laborers`). Case does not count; accents do; words are not
stemmed (`worker` does not find `workers` unless it is the last word), alike on both
databases.

The index (app/models/search.py) holds each observation as it stands now. An `as_of`
search matches the texts each observation had at the end of that day, and its source's
title then, word for word as above but without the index (the texts are read and matched
one by one: slower, on large data)."""

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Double,
    Float,
    and_,
    cast,
    column,
    event,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import (
    table as table_clause,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from app.dataset.history import valid_at
from app.domain.dates import end_of_day
from app.domain.observation import SERVED_FIELDS
from app.domain.paging import Cursor
from app.errors import InvalidParameter
from app.models import SourceRevision
from app.models.search import SEARCH_COLUMN, SEARCH_FUNCTION, SEARCH_TABLE

MAX_LENGTH = 500
MAX_WORDS = 32
# The shortest last word that also matches as a prefix: shorter ones match too many terms.
MIN_PREFIX = 3
# Fields searched, in the order `match` prefers them, with their weight in the ranking
# (PostgreSQL's ts_rank weights A, A, C, B).
FIELDS = ("quote", "attributed_to", "notes", "source_title")
WEIGHTS = {"quote": 1.0, "attributed_to": 1.0, "notes": 0.2, "source_title": 0.4}
# A snippet longer than this is cut around its first highlight.
SNIPPET_LENGTH = 300
ELLIPSIS = "…"
# CSV cannot hold offsets: its snippet marks each highlight between these.
CSV_MARK = "**"
CSV_COLUMNS = ["match_field", "match_snippet"]
SCORE_FUNCTION = "laborstats_search_score"

_TOKEN = re.compile(r"[^\W_]+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchText:
    """What `q` asks for: its words, each a phrase of tokens, all of which must match;
    `prefix`: the last word also matches as the start of a longer token."""

    words: tuple[str, ...]
    prefix: bool

    @property
    def phrases(self) -> list[list[str]]:
        return [[token.lower() for token in _TOKEN.findall(word)] for word in self.words]


def parse(q: str) -> SearchText:
    """The client's text as words; one with no letter or digit is no word. Nothing to
    search for is a 400 naming q."""
    words = tuple(word for word in _WHITESPACE.split(q) if _TOKEN.search(word))
    if not words:
        raise InvalidParameter(
            "q has no words to search for: give one or more words (letters or digits).",
            parameter="q",
        )
    if len(words) > MAX_WORDS:
        raise InvalidParameter(f"q holds at most {MAX_WORDS} words.", parameter="q")
    last = words[-1]
    prefix = _TOKEN.fullmatch(last) is not None and len(last) >= MIN_PREFIX
    return SearchText(words=words, prefix=prefix)


# The SQL: on SQLite the FTS5 table; on PostgreSQL the tsvector column and its function.


def _fts5_query(text: SearchText) -> str:
    """Each word a quoted FTS5 string (a phrase of its tokens; `"` doubled), implicitly
    ANDed; `*` after the last makes its last token a prefix."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in text.words]
    if text.prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


def _tsquery(text: SearchText) -> ColumnElement[Any]:
    """Each word through phraseto_tsquery (which reads any text as words, never as
    syntax), ANDed; the last as a prefix when it is a plain word (letters and digits
    only, so that it can be quoted)."""
    config = literal_column("'simple'::regconfig")
    words = list(text.words)
    parts: list[ColumnElement[Any]] = []
    if text.prefix:
        last = words.pop()
        parts.append(func.to_tsquery(config, f"'{last.lower()}':*", type_=TSQUERY))
    parts = [_phrase_tsquery(config, word) for word in words] + parts
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&", return_type=TSQUERY)(part)
    return query


def _phrase_tsquery(config: Any, word: str) -> ColumnElement[Any]:
    """A word as PostgreSQL's parser reads it, or as its letters and digits in order (as
    FTS5 reads it): `North-Korean` is also `North Korean`, `3.5` also `3 5`."""
    as_read = func.phraseto_tsquery(config, word, type_=TSQUERY)
    tokens = " ".join(_TOKEN.findall(word))
    if tokens == word:
        return as_read
    return as_read.op("||", return_type=TSQUERY)(
        func.phraseto_tsquery(config, tokens, type_=TSQUERY)
    )


_FTS5 = table_clause(SEARCH_TABLE, column("rowid"))


def _fts5_match(text: SearchText) -> ColumnElement[bool]:
    return literal_column(SEARCH_TABLE).op("MATCH", return_type=Boolean)(_fts5_query(text))


def _past_title(table: Any, as_of: date) -> Any:
    """The title of the row's source at the end of `as_of`."""
    return (
        select(SourceRevision.title)
        .where(SourceRevision.id == table.source_id, *valid_at(SourceRevision, end_of_day(as_of)))
        .limit(1)
        .scalar_subquery()
    )


def _document(table: Any, as_of: date | None) -> ColumnElement[Any]:
    """PostgreSQL: the row's search document, the indexed column now; for a past state,
    made as the index makes one."""
    if as_of is None:
        return literal_column(f"{table.__tablename__}.{SEARCH_COLUMN}", TSVECTOR)
    return getattr(func, SEARCH_FUNCTION)(
        table.quote, table.attributed_to, table.notes, _past_title(table, as_of), type_=TSVECTOR
    )


def _past_score(table: Any, text: SearchText, as_of: date) -> ColumnElement[Any]:
    """SQLite: a past state's score, by `score` in Python (NULL: no match)."""
    return getattr(func, SCORE_FUNCTION)(
        json.dumps([text.phrases, text.prefix]),
        table.quote,
        table.attributed_to,
        table.notes,
        _past_title(table, as_of),
        type_=Float,
    )


def condition(table: Any, text: SearchText, *, dialect: str, as_of: date | None) -> Any:
    """Rows that match every word (a filter; no ranking)."""
    if dialect == "postgresql":
        return _document(table, as_of).op("@@", return_type=Boolean)(_tsquery(text))
    if as_of is not None:
        return _past_score(table, text, as_of).is_not(None)
    return table.id.in_(select(_FTS5.c.rowid).where(_fts5_match(text)))


def score(table: Any, text: SearchText, *, dialect: str, as_of: date | None) -> Any:
    """How well a row matches: higher is better. FTS5's bm25 (negated: it counts down) or
    ts_rank, each with the fields' WEIGHTS."""
    if dialect == "postgresql":
        # As float8: a cursor keeps the value as Python reads it, which is the real's
        # value only once widened.
        return cast(func.ts_rank(_document(table, as_of), _tsquery(text)), Double)
    if as_of is not None:
        return _past_score(table, text, as_of)
    weights = [WEIGHTS[name] for name in FIELDS]
    return -func.bm25(literal_column(SEARCH_TABLE), *weights, type_=Float)


def ranked(
    selected: Any,
    table: Any,
    text: SearchText,
    conditions: Sequence[Any],
    *,
    dialect: str,
    as_of: date | None,
) -> Any:
    """`selected` (a SELECT of the table's served columns) narrowed to the rows that match
    and by `conditions`, with their score as a last column, `relevance`, best first (ties
    by id)."""
    relevance = score(table, text, dialect=dialect, as_of=as_of)
    statement = selected.add_columns(relevance.label("relevance"))
    if dialect != "postgresql" and as_of is None:  # the FTS5 table drives: its rows match
        statement = statement.join_from(table, _FTS5, _FTS5.c.rowid == table.id).where(
            _fts5_match(text)
        )
    else:
        statement = statement.where(condition(table, text, dialect=dialect, as_of=as_of))
    return statement.where(*conditions).order_by(relevance.desc(), table.id.asc())


def after(table: Any, text: SearchText, cursor: Cursor, *, dialect: str, as_of: date | None) -> Any:
    """Rows after the cursor in relevance order."""
    value = cursor.value
    if type(value) not in (int, float):
        raise InvalidParameter(
            "cursor is not valid: pass next_cursor unchanged.", parameter="cursor"
        )
    relevance = score(table, text, dialect=dialect, as_of=as_of)
    return or_(relevance < value, and_(relevance == value, table.id > cursor.id))


def served_part(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """Rows of served columns, without the `relevance` a ranked read adds after them."""
    if rows and len(rows[0]) > len(SERVED_FIELDS):
        return [tuple(row)[: len(SERVED_FIELDS)] for row in rows]
    return rows


# Matching in Python: the `match` of each result, and SQLite's score of past texts.


def _spans(
    text: str, phrases: Sequence[Sequence[str]], prefix: bool
) -> dict[int, list[tuple[int, int]]]:
    """Where each phrase occurs in `text`, by phrase: spans in code points."""
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]
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


def _sqlite_score(query: str, quote: Any, attributed_to: Any, notes: Any, title: Any) -> Any:
    phrases, prefix = json.loads(query)
    fields = {"quote": quote, "attributed_to": attributed_to, "notes": notes}
    return score_texts(phrases, prefix, {**fields, "source_title": title})


@event.listens_for(Engine, "connect")
def _register_score(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection can score past texts (`as_of` searches)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SCORE_FUNCTION, 5, _sqlite_score, deterministic=True)


class SearchMatch(BaseModel):
    """Where a result matched q: plain text and offsets, never markup."""

    field: Literal["quote", "attributed_to", "notes", "source_title"] = Field(
        description="The field most of the words were found in (`source_title`: the title "
        "of the observation's source)."
    )
    snippet: str = Field(
        description=f"That field's text, or up to {SNIPPET_LENGTH} characters of it around "
        f"the first match, cut ends marked with {ELLIPSIS}."
    )
    highlights: list[tuple[int, int]] = Field(
        description="Each matched word in `snippet`, as [start, end) offsets in Unicode "
        "code points: snippet[start:end] is the word."
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


class Matches(ColumnElement[bool]):
    """`condition` as a clause that takes its dialect's form when compiled, so that every
    reader of the list's conditions (pages, counts, facets) searches alike."""

    inherit_cache = False  # holds Python values: compiled each time
    type = Boolean()

    def __init__(self, table: Any, text: SearchText, as_of: date | None) -> None:
        self.table, self.text, self.as_of = table, text, as_of


@compiles(Matches)
def _compile_matches(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    clause = condition(
        element.table, element.text, dialect=compiler.dialect.name, as_of=element.as_of
    )
    return compiler.process(clause, **kw)


SearchWords = Annotated[str, StringConstraints(max_length=MAX_LENGTH)]
Q_DESCRIPTION = (
    "Full-text search: words to find in each observation's quote, claimant "
    "(`attributed_to`), notes and its source's title. Every word must be found (in any of "
    "these fields); case does not count, accents do, words are not stemmed; a word with "
    "punctuation (`10,000`, `North-Korean`) is found as its parts in that order; the last "
    f"word, if {MIN_PREFIX} letters or more, also finds longer words it begins "
    "(`labor` finds `laborers`). Nothing typed is search syntax: quotes, `*`, AND, OR, "
    "NEAR are words or ignored. Without `sort`, results come best match first "
    "(`sort=relevance`: the quote and claimant weigh most, then the source's title, then "
    "notes). Each result then carries `match`: the field most words were found in, its "
    "text (cut around the first match when long) and the matched words' places in it "
    "(JSON and NDJSON), or in CSV the columns `match_field` and `match_snippet` (the words "
    f"between {CSV_MARK}), which are there only with q. Combines with every filter; with "
    "`as_of`, matches the texts each observation and its source had on that day. "
    f"At most {MAX_WORDS} words, {MAX_LENGTH} characters."
)
