"""Full-text search of observations (`q=` on GET /v1/observations): what the words a
client types mean, and the SQL that finds and ranks them on each database (`matching`
finds them again in Python, for each result's `match`).

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Double,
    Float,
    and_,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import (
    table as table_clause,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from app.dataset.history import state_at
from app.domain.dates import AsOf
from app.domain.observation import SERVED_FIELDS
from app.domain.paging import Cursor
from app.errors import InvalidParameter
from app.models import Source
from app.models.search import SEARCH_COLUMN, SEARCH_FUNCTION, SEARCH_TABLE

MAX_LENGTH = 500
MAX_WORDS = 32
# The shortest last word that also matches as a prefix: shorter ones match too many terms.
MIN_PREFIX = 3
# Fields searched, in the order `match` prefers them, with their weight in the ranking
# (PostgreSQL's ts_rank weights A, A, C, B).
FIELDS = ("quote", "attributed_to", "notes", "source_title")
WEIGHTS = {"quote": 1.0, "attributed_to": 1.0, "notes": 0.2, "source_title": 0.4}
# SQLite's function scoring a past state's texts (`matching` registers it).
SCORE_FUNCTION = "laborstats_search_score"

TOKEN = re.compile(r"[^\W_]+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchText:
    """What `q` asks for: its words, each a phrase of tokens, all of which must match;
    `prefix`: the last word also matches as the start of a longer token."""

    words: tuple[str, ...]
    prefix: bool

    @property
    def phrases(self) -> list[list[str]]:
        return [[token.lower() for token in TOKEN.findall(word)] for word in self.words]


def parse(q: str) -> SearchText:
    """The client's text as words; one with no letter or digit is no word. Nothing to
    search for is a 400 naming q."""
    words = tuple(word for word in _WHITESPACE.split(q) if TOKEN.search(word))
    if not words:
        raise InvalidParameter(
            "q has no words to search for: give one or more words (letters or digits).",
            parameter="q",
        )
    if len(words) > MAX_WORDS:
        raise InvalidParameter(f"q holds at most {MAX_WORDS} words.", parameter="q")
    last = words[-1]
    prefix = TOKEN.fullmatch(last) is not None and len(last) >= MIN_PREFIX
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
    tokens = " ".join(TOKEN.findall(word))
    if tokens == word:
        return as_read
    return as_read.op("||", return_type=TSQUERY)(
        func.phraseto_tsquery(config, tokens, type_=TSQUERY)
    )


_FTS5 = table_clause(SEARCH_TABLE, column("rowid"))


def _fts5_match(text: SearchText) -> ColumnElement[bool]:
    return literal_column(SEARCH_TABLE).op("MATCH", return_type=Boolean)(_fts5_query(text))


def _past_title(table: Any, as_of: AsOf) -> Any:
    """The title of the row's source at the end of `as_of`."""
    sources, valid = state_at(Source, as_of)
    return (
        select(sources.title)
        .where(sources.id == table.source_id, *valid)
        .limit(1)
        .scalar_subquery()
    )


def _document(table: Any, as_of: AsOf | None) -> ColumnElement[Any]:
    """PostgreSQL: the row's search document, the indexed column now; for a past state,
    made as the index makes one."""
    if as_of is None:
        return literal_column(f"{table.__tablename__}.{SEARCH_COLUMN}", TSVECTOR)
    return getattr(func, SEARCH_FUNCTION)(
        table.quote, table.attributed_to, table.notes, _past_title(table, as_of), type_=TSVECTOR
    )


def _past_score(table: Any, text: SearchText, as_of: AsOf) -> ColumnElement[Any]:
    """SQLite: a past state's score, by `score` in Python (NULL: no match)."""
    return getattr(func, SCORE_FUNCTION)(
        json.dumps([text.phrases, text.prefix]),
        table.quote,
        table.attributed_to,
        table.notes,
        _past_title(table, as_of),
        type_=Float,
    )


def condition(table: Any, text: SearchText, *, dialect: str, as_of: AsOf | None) -> Any:
    """Rows that match every word (a filter; no ranking)."""
    if dialect == "postgresql":
        return _document(table, as_of).op("@@", return_type=Boolean)(_tsquery(text))
    if as_of is not None:
        return _past_score(table, text, as_of).is_not(None)
    return table.id.in_(select(_FTS5.c.rowid).where(_fts5_match(text)))


def score(table: Any, text: SearchText, *, dialect: str, as_of: AsOf | None) -> Any:
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
    as_of: AsOf | None,
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


def shortlisted(
    selected: Any,
    table: Any,
    text: SearchText,
    conditions: Sequence[Any],
    *,
    after_cursor: Cursor | None,
    candidates: int,
) -> Any:
    """SQLite, now: `ranked`'s rows drawn from the best `candidates` matches of the index
    alone, ranked without reading a row (bm25 needs only the index), then joined and
    narrowed by `conditions`, in the same order. Its first n rows are `ranked`'s first n
    whenever it returns n or more: every row `ranked` puts before them is among the
    candidates. Fewer, and the caller must ask `ranked` (the filter left too few)."""
    relevance = score(table, text, dialect="sqlite", as_of=None)
    best = select(_FTS5.c.rowid.label("id"), relevance.label("relevance")).where(_fts5_match(text))
    if after_cursor is not None:
        best = best.where(_after(relevance, _FTS5.c.rowid, after_cursor))
    best_rows = best.order_by(relevance.desc(), _FTS5.c.rowid.asc()).limit(candidates).subquery()
    return (
        selected.add_columns(best_rows.c.relevance)
        .join_from(table, best_rows, best_rows.c.id == table.id)
        .where(*conditions)
        .order_by(best_rows.c.relevance.desc(), table.id.asc())
    )


def _after(relevance: Any, row_id: Any, cursor: Cursor) -> Any:
    value = cursor.value
    if type(value) not in (int, float):
        raise InvalidParameter(
            "cursor is not valid: pass next_cursor unchanged.", parameter="cursor"
        )
    return or_(relevance < value, and_(relevance == value, row_id > cursor.id))


def after(table: Any, text: SearchText, cursor: Cursor, *, dialect: str, as_of: AsOf | None) -> Any:
    """Rows after the cursor in relevance order."""
    return _after(score(table, text, dialect=dialect, as_of=as_of), table.id, cursor)


def served_part(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """Rows of served columns, without the `relevance` a ranked read adds after them."""
    if rows and len(rows[0]) > len(SERVED_FIELDS):
        return [tuple(row)[: len(SERVED_FIELDS)] for row in rows]
    return rows


class Matches(ColumnElement[bool]):
    """`condition` as a clause that takes its dialect's form when compiled, so that every
    reader of the list's conditions (pages, counts, facets) searches alike."""

    inherit_cache = False  # holds Python values: compiled each time
    type = Boolean()

    def __init__(self, table: Any, text: SearchText, as_of: AsOf | None) -> None:
        self.table, self.text, self.as_of = table, text, as_of


@compiles(Matches)
def _compile_matches(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    clause = condition(
        element.table, element.text, dialect=compiler.dialect.name, as_of=element.as_of
    )
    return compiler.process(clause, **kw)
