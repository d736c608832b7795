"""Observations as clients read them: each stored row in the served order of
app.domain.observation, with its unit and a citation ready to paste, and flattened into CSV
rows (one column per breakdown).

Reads select `served_columns`, so that each row comes off the cursor as a plain tuple
already in served order, its dates and moments as ISO text; `served_documents` adds what
is derived (unit, citation, retracted, the quote's place in its source's text) and reads
the breakdowns' JSON. Objects (a write's
result, a revision) go through the same function, their values converted in Python."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, null, type_coerce

from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.columns import ServedDate, ServedMoment, canonical_dimensions
from app.domain.dates import date_in_prose, iso
from app.domain.figures import plain_number
from app.domain.inferences import marks_sentence
from app.domain.observation import (
    INFERABLE,
    PLACEMENT,
    SERVED_FIELDS,
    ObservationPublic,
    quote_url,
)
from app.domain.shapes import frictionless_type
from app.domain.tables import cell_url, cell_words, in_cell_order
from app.sources.service import SourceRow, describe_source
from app.sources.texts import QuotePlaces, TextOf, no_text

# An ORM object, or a plain row of the same columns.
ObservationRow = Any

# What is derived as a row is served: every served field placed among the stored ones.
DERIVED = tuple(name for name in PLACEMENT if name != "id")
_TYPES = {name: frictionless_type(ObservationPublic, name) for name in SERVED_FIELDS}
FIGURES = [name for name, kind in _TYPES.items() if kind == "number"]


def claim_citation(attributed_to: str, reported_on: str | None, chain: Sequence[SourceRow]) -> str:
    """Who made the claim, in which source, relayed by which others, and when."""
    who = attributed_to
    if reported_on:
        who += f" ({date_in_prose(reported_on)})"
    if not chain:
        return f"{who}."
    first, *relays = chain
    text = f"{who}, in {describe_source(first)}"
    for relay in relays:
        text += f", as relayed by {describe_source(relay)}"
    return text + "."


def cite(observation: ObservationRow, chain: Sequence[SourceRow], unit: str = "") -> str:
    """An object's citation, as reads serve it: the claim, then any inferred values."""
    text = claim_citation(observation.attributed_to, observation.reported_on, chain)
    if getattr(observation, "inferred", None):
        values = list(_as_selected(observation))
        values[_UNIT] = unit
        text += " " + marks_of(values)
    cell = getattr(observation, "cell", None)
    if cell is not None:
        text += " " + cell_words(cell, getattr(chain[0], "file_name", None) if chain else None)
    return text


class Citations:
    """Each claim's citation: who and when, then its source's part, which is made once per
    source (`chain_of` gives a source's relay chain) and kept per data version, or for one
    read; and where its quote sits in the text it is checked against (`places`; `text_of`
    gives a source's kept text)."""

    def __init__(self, chain_of: Callable[[int], Sequence[SourceRow]], text_of: TextOf) -> None:
        self._chain_of = chain_of
        self._sources: dict[int, str] = {}
        self.places = QuotePlaces(chain_of, text_of, quote_url)

    def __call__(self, attributed_to: str, reported_on: str | None, source_id: int) -> str:
        where = self._sources.get(source_id)
        if where is None:
            where = self._sources[source_id] = claim_citation("", None, self._chain_of(source_id))
        if not reported_on:
            return attributed_to + where
        return f"{attributed_to} ({date_in_prose(reported_on)}){where}"

    def file_name(self, source_id: int) -> str | None:
        """The name of the table the source keeps, if any."""
        chain = self._chain_of(source_id)
        return getattr(chain[0], "file_name", None) if chain else None


@cache
def served_columns(table: Any) -> tuple[ColumnElement[Any], ...]:
    """The SELECT list of served documents: every served field in order, dates and moments
    as their ISO text, breakdowns as their stored JSON, and NULL where the field is derived
    after reading. Built once per table: every read starts from it."""
    columns = table.__table__.c
    selected: list[ColumnElement[Any]] = []
    for name in SERVED_FIELDS:
        if name in DERIVED:
            selected.append(null().label(name))
        elif _TYPES[name] == "date":
            selected.append(ServedDate(columns[name]).label(name))
        elif _TYPES[name] == "datetime":
            selected.append(ServedMoment(columns[name]).label(name))
        elif name in JSON_FIELDS:  # the JSON text, not the TypeDecorator's dict
            selected.append(type_coerce(columns[name], Text).label(name))
        else:
            selected.append(columns[name])
    return tuple(selected)


def _breakdowns(stored: str) -> dict[str, str]:
    return {} if stored == "{}" else orjson.loads(stored)


# Fields stored as JSON text: served as objects, in CSV as their JSON.
JSON_FIELDS = ("dimensions", "inferred", "cell")
Citer = Citations
# Where each field sits in a row of served_columns.
_AT = {name: index for index, name in enumerate(SERVED_FIELDS)}
_FIGURE_INDEXES = [_AT[name] for name in FIGURES]


_UNIT, _METRIC, _CITATION, _RETRACTED, _RETRACTED_AT = (
    _AT[name] for name in ("unit", "metric", "citation", "retracted", "retracted_at")
)
_CLAIM = [_AT[name] for name in ("attributed_to", "reported_on", "source_id")]
_SOURCE, _QUOTE = _AT["source_id"], _AT["quote"]
_QUOTE_START, _QUOTE_END, _QUOTE_URL = (
    _AT[name] for name in ("quote_start", "quote_end", "quote_url")
)
_CELL, _CELL_URL = _AT["cell"], _AT["cell_url"]


_INFERRED, _DIMENSIONS = _AT["inferred"], _AT["dimensions"]
_NOTHING_INFERRED = "{}"
# Each markable field as a citation shows its value: the period by its label.
_SHOWN = {
    name: _AT["period_label" if name == "period" else name] for name in INFERABLE if name != "value"
}


def _figure(values: Sequence[Any]) -> str:
    """The figure as a citation shows it: the value, or its range or bound."""
    value, low, high = (
        None if values[_AT[name]] is None else plain_number(float(values[_AT[name]]))
        for name in ("value", "lower_bound", "upper_bound")
    )
    if value is not None:
        return str(value)
    if low is not None and high is not None:
        return f"{low}-{high}"
    return str(low if low is not None else high)


def marks_of(values: Sequence[Any]) -> str:
    """The sentence a citation adds for a row's inferred values ('' when none are)."""
    marks = orjson.loads(values[_INFERRED])
    shown: dict[str, Any] = {name: values[index] for name, index in _SHOWN.items()}
    shown["value"] = _figure(values)
    shown.update(_breakdowns(values[_DIMENSIONS]))
    return marks_sentence(marks, INFERABLE, shown)


def document_marks(document: Mapping[str, Any]) -> str:
    """`marks_of` for a served document."""
    values = [document[name] for name in SERVED_FIELDS]
    values[_INFERRED] = canonical_dimensions(document["inferred"])
    values[_DIMENSIONS] = canonical_dimensions(document["dimensions"])
    return marks_of(values)


def _served_values(row: Sequence[Any], units: Mapping[str, str], citation: Citer) -> list[Any]:
    """A row of served_columns with its derived fields filled in (breakdowns and inferences
    still JSON)."""
    values = list(row)
    values[_UNIT] = units.get(values[_METRIC], "")
    for index in _FIGURE_INDEXES:
        if values[index] is not None:
            values[index] = plain_number(values[index])
    values[_CITATION] = citation(*[values[index] for index in _CLAIM])
    if values[_INFERRED] != _NOTHING_INFERRED:
        values[_CITATION] += " " + marks_of(values)
    values[_RETRACTED] = values[_RETRACTED_AT] is not None
    if values[_QUOTE] is not None:
        values[_QUOTE_START], values[_QUOTE_END], values[_QUOTE_URL] = citation.places(
            values[_SOURCE], values[_QUOTE]
        )
    if values[_CELL] is not None:
        cell = orjson.loads(values[_CELL])
        values[_CELL_URL] = cell_url(values[_SOURCE], cell)
        values[_CITATION] += " " + cell_words(cell, citation.file_name(values[_SOURCE]))
    return values


def served_documents(
    rows: Iterable[Sequence[Any]], *, units: Mapping[str, str], citation: Citer
) -> list[dict[str, Any]]:
    """The served form of rows read through `served_columns`."""
    documents = []
    for row in rows:
        document = dict(zip(SERVED_FIELDS, _served_values(row, units, citation), strict=True))
        document["dimensions"] = _breakdowns(document["dimensions"])
        document["inferred"] = _breakdowns(document["inferred"])
        if document["cell"] is not None:
            document["cell"] = in_cell_order(orjson.loads(document["cell"]))
        documents.append(document)
    return documents


def csv_records(
    rows: Iterable[Sequence[Any]],
    *,
    units: Mapping[str, str],
    citation: Citer,
    dimension_names: Sequence[str],
) -> list[list[Any]]:
    """Rows of served_columns as CSV records of `csv_columns`: the same values as
    `served_documents`, each breakdown in a column of its own, and no dict per row (an
    export writes millions)."""
    at_dimensions = _AT["dimensions"]
    records = []
    for row in rows:
        record = _served_values(row, units, citation)
        if record[_INFERRED] == _NOTHING_INFERRED:  # an empty cell: every value stated
            record[_INFERRED] = None
        stored = record.pop(at_dimensions)
        if dimension_names:
            breakdowns = _breakdowns(stored)
            record += [breakdowns.get(name) for name in dimension_names]
        records.append(record)
    return records


def _as_selected(observation: ObservationRow) -> tuple[Any, ...]:
    """An object's values as `served_columns` selects them."""
    values: list[Any] = []
    for name in SERVED_FIELDS:
        value = None if name in DERIVED else getattr(observation, name)
        if isinstance(value, date):
            value = iso(value)
        elif isinstance(value, dict):
            value = canonical_dimensions(value)
        values.append(value)
    return tuple(values)


def observation_documents(
    rows: Iterable[ObservationRow],
    *,
    units: Mapping[str, str],
    chains: Mapping[int, Sequence[SourceRow]],
    text_of: TextOf = no_text,
) -> list[dict[str, Any]]:
    """The served form of objects (or rows with their attributes); `chains` holds each
    source's relay chain, `text_of` gives each source's kept text (none, by default)."""
    citations = Citations(lambda source_id: chains.get(source_id, ()), text_of)
    return served_documents(map(_as_selected, rows), units=units, citation=citations)


def csv_columns(dimension_names: Sequence[str], fields: Sequence[str] | None = None) -> list[str]:
    """The CSV columns of every field (`fields` None) or of those chosen: `dimensions` is
    the breakdown columns."""
    if fields is None:
        return [*OBSERVATION_COLUMNS, *dimension_names]
    breakdowns = dimension_names if "dimensions" in fields else []
    return [*(name for name in OBSERVATION_COLUMNS if name in fields), *breakdowns]


def only_fields(
    documents: Iterable[dict[str, Any]], fields: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Each document with only `fields`, in that order (None: every field), and its
    `match` when it has one (q)."""
    if fields is None:
        return list(documents)
    return [
        {name: document[name] for name in fields}
        | ({"match": document["match"]} if "match" in document else {})
        for document in documents
    ]


def only_columns(
    records: Iterable[list[Any]], dimension_names: Sequence[str], fields: Sequence[str] | None
) -> list[list[Any]]:
    """CSV records of every column (`csv_records`) cut to those of `fields`; cells after
    them (a search's match) are kept."""
    if fields is None:
        return list(records)
    every = csv_columns(dimension_names)
    kept = [every.index(name) for name in csv_columns(dimension_names, fields)]
    return [[record[index] for index in kept] + record[len(every) :] for record in records]


def csv_rows(documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document with its breakdowns spread into columns of their own."""
    return [{**document, **document["dimensions"]} for document in documents]
