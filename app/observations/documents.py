"""Observations as clients read them: each stored row in the served order of
app.domain.observation, with its unit and a citation ready to paste, and flattened into CSV
rows (one column per breakdown).

Reads select `served_columns`, so that each row comes off the cursor as a plain tuple
already in served order, its dates and moments as ISO text; `served_documents` adds what
is derived (unit, citation, retracted) and reads the breakdowns' JSON. Objects (a write's
result, a revision) go through the same function, their values converted in Python."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, null, type_coerce

from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.columns import ServedDate, ServedMoment, canonical_dimensions
from app.domain.dates import iso
from app.domain.figures import plain_number
from app.domain.observation import SERVED_FIELDS, ObservationPublic
from app.domain.shapes import frictionless_type
from app.sources.service import SourceRow, describe_source

# An ORM object, or a plain row of the same columns.
ObservationRow = Any

DERIVED = ("unit", "citation", "retracted")
_TYPES = {name: frictionless_type(ObservationPublic, name) for name in SERVED_FIELDS}
FIGURES = [name for name, kind in _TYPES.items() if kind == "number"]
# Enough for every claim a page or a batch cites, many times over; a bound on memory.
CITATIONS_KEPT = 20_000


def claim_citation(attributed_to: str, reported_on: str | None, chain: Sequence[SourceRow]) -> str:
    """Who made the claim, in which source, relayed by which others, and when."""
    who = attributed_to
    if reported_on:
        who += f" ({reported_on})"
    if not chain:
        return f"{who}."
    first, *relays = chain
    text = f"{who}, in {describe_source(first)}"
    for relay in relays:
        text += f", as relayed by {describe_source(relay)}"
    return text + "."


def cite(observation: ObservationRow, chain: Sequence[SourceRow]) -> str:
    return claim_citation(observation.attributed_to, observation.reported_on, chain)


class Citations:
    """Each claim's citation (who, when, which source), made once and then looked up.
    `chain_of` gives a source's relay chain; kept per data version, or for one read."""

    def __init__(self, chain_of: Callable[[int], Sequence[SourceRow]]) -> None:
        self._chain_of = chain_of
        self._made: dict[tuple[str, str | None, int], str] = {}

    def __call__(self, attributed_to: str, reported_on: str | None, source_id: int) -> str:
        claim = (attributed_to, reported_on, source_id)
        citation = self._made.get(claim)
        if citation is None:
            if len(self._made) >= CITATIONS_KEPT:
                self._made.clear()
            citation = claim_citation(attributed_to, reported_on, self._chain_of(source_id))
            self._made[claim] = citation
        return citation


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
        elif name == "dimensions":  # the JSON text, not the TypeDecorator's dict
            selected.append(type_coerce(columns[name], Text).label(name))
        else:
            selected.append(columns[name])
    return tuple(selected)


def _breakdowns(stored: str) -> dict[str, str]:
    return {} if stored == "{}" else orjson.loads(stored)


def served_documents(
    rows: Iterable[Sequence[Any]],
    *,
    units: Mapping[str, str],
    citation: Callable[[str, str | None, int], str],
) -> list[dict[str, Any]]:
    """The served form of rows read through `served_columns`."""
    documents = []
    for row in rows:
        document = dict(zip(SERVED_FIELDS, row, strict=False))  # rows of served_columns
        document["unit"] = units.get(document["metric"], "")
        document["dimensions"] = _breakdowns(document["dimensions"])
        for name in FIGURES:
            if document[name] is not None:
                document[name] = plain_number(document[name])
        document["citation"] = citation(
            document["attributed_to"], document["reported_on"], document["source_id"]
        )
        document["retracted"] = document["retracted_at"] is not None
        documents.append(document)
    return documents


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
) -> list[dict[str, Any]]:
    """The served form of objects (or rows with their attributes); `chains` holds each
    source's relay chain."""
    citations = Citations(lambda source_id: chains.get(source_id, ()))
    return served_documents(map(_as_selected, rows), units=units, citation=citations)


def csv_columns(dimension_names: Sequence[str]) -> list[str]:
    return [*OBSERVATION_COLUMNS, *dimension_names]


def csv_rows(documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document with its breakdowns spread into columns of their own."""
    return [{**document, **document["dimensions"]} for document in documents]
