"""Observations as clients read them: each stored row in the served order of
app.domain.observation, with its unit and a citation ready to paste, and flattened into CSV
rows (one column per breakdown)."""

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.dates import iso
from app.domain.figures import plain_number
from app.domain.observation import SERVED_FIELDS, ObservationPublic
from app.domain.shapes import frictionless_type
from app.sources.service import SourceRow, describe_source

# An ORM object, or a plain row of the same columns (what lists read, for speed).
ObservationRow = Any

DERIVED = ("unit", "citation", "retracted")
# Fields read from the row, and how those of each type are served.
STORED = [name for name in SERVED_FIELDS if name not in DERIVED]
_AS_SERVED: dict[str, Callable[[Any], Any]] = {"date": iso, "datetime": iso, "number": plain_number}
_CONVERSIONS = [
    (name, _AS_SERVED[kind])
    for name in STORED
    if (kind := frictionless_type(ObservationPublic, name)) in _AS_SERVED
]
_read_stored = attrgetter(*STORED)


def cite(observation: ObservationRow, chain: Sequence[SourceRow]) -> str:
    """Who made the claim, in which source, relayed by which others, and when."""
    who = observation.attributed_to
    if observation.reported_on:
        who += f" ({observation.reported_on})"
    if not chain:
        return f"{who}."
    first, *relays = chain
    text = f"{who}, in {describe_source(first)}"
    for relay in relays:
        text += f", as relayed by {describe_source(relay)}"
    return text + "."


def observation_documents(
    rows: Sequence[ObservationRow],
    *,
    units: Mapping[str, str],
    chains: Mapping[int, Sequence[SourceRow]],
) -> list[dict[str, Any]]:
    """The served form of each row; `chains` holds each source's relay chain."""
    citations: dict[tuple[str, str | None, int], str] = {}
    documents = []
    for row in rows:
        claim = (row.attributed_to, row.reported_on, row.source_id)
        if claim not in citations:
            citations[claim] = cite(row, chains.get(row.source_id, ()))
        values = dict(zip(STORED, _read_stored(row), strict=True))
        for name, convert in _CONVERSIONS:
            values[name] = convert(values[name])
        values["unit"] = units.get(row.metric, "")
        values["citation"] = citations[claim]
        values["retracted"] = row.retracted_at is not None
        documents.append({name: values[name] for name in SERVED_FIELDS})
    return documents


def csv_columns(dimension_names: Sequence[str]) -> list[str]:
    return [*OBSERVATION_COLUMNS, *dimension_names]


def csv_rows(documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document with its breakdowns spread into columns of their own."""
    return [{**document, **document["dimensions"]} for document in documents]
