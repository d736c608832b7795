"""Figures as SDMX-CSV 2.0: one row per observation, in the columns of one dataflow,
LABORSTATS:OBSERVATIONS(1.0), that the observations and series lists share.

- STRUCTURE, STRUCTURE_ID, ACTION: `dataflow`, the dataflow, `I` (information).
- The dimensions, which with TIME_PERIOD make an observation's natural key, so that
  competing figures for the same thing (other sources, other claimants) stand side by side
  as series of their own: METRIC, ORIGIN, DESTINATION, REGION, a column per breakdown
  dimension (by its name, lower case, so that none meets a fixed column; empty for a
  total), SOURCE_ID, ATTRIBUTED_TO.
- TIME_PERIOD in SDMX notation (`app.tables.periods.time_period`): a year, semester,
  trimester, quarter, month, ISO week or day; any other span as an ISO 8601 interval of two
  days, an open end as `..`; empty when no period is given.
- OBS_VALUE (empty for a range given only by its bounds) and OBS_STATUS from the basis
  (SDMX's CL_OBS_STATUS: A official, E estimate, F forecast for a projection).
- The attributes: what an observation says besides, each as stored (JSON for CELL and
  INFERRED), so that the import (with `reimport_mapping`) reads every written field back.
  UNIT and CITATION are derived, for readers; ids are left out: the import finds each
  figure again by its natural key.

Cells are written as stored, with no spreadsheet guard (text/csv has one): what pysdmx or
the import reads is what the API holds."""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import orjson

from app.domain.figures import Basis, plain_number
from app.tables.periods import time_period

STRUCTURE = "dataflow"
STRUCTURE_ID = "LABORSTATS:OBSERVATIONS(1.0)"
ACTION = "I"  # information: figures to add or replace, as SDMX-CSV 2.0 calls them
STRUCTURAL = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
# The series key, by column: what is counted, where; then (after the breakdowns) who says so.
KEY_BEFORE_BREAKDOWNS = {
    "METRIC": "metric",
    "ORIGIN": "origin",
    "DESTINATION": "destination",
    "REGION": "region",
}
KEY_AFTER_BREAKDOWNS = {"SOURCE_ID": "source_id", "ATTRIBUTED_TO": "attributed_to"}
TIME_PERIOD, OBS_VALUE, OBS_STATUS = "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"
# SDMX's CL_OBS_STATUS: A normal value, E estimated value, F forecast value.
STATUS_OF_BASIS = {Basis.official: "A", Basis.estimate: "E", Basis.projection: "F"}
# The attributes, by column, each an observation's field.
ATTRIBUTES = {
    "UNIT": "unit",
    "PERIOD_LABEL": "period_label",
    "QUALIFIER": "qualifier",
    "LOWER_BOUND": "lower_bound",
    "UPPER_BOUND": "upper_bound",
    "REPORTED_ON": "reported_on",
    "QUOTE": "quote",
    "CELL": "cell",
    "NOTES": "notes",
    "INFERRED": "inferred",
    "PART_OF": "part_of",
    "CITATION": "citation",
}
# Served for readers, derived again by the API: an import leaves them out.
DERIVED_ATTRIBUTES = ("UNIT", "CITATION")


def columns(dimension_names: Sequence[str]) -> list[str]:
    """The header: the structure's columns, the key's dimensions (a column per breakdown
    dimension, by its name), TIME_PERIOD, OBS_VALUE, OBS_STATUS, then the attributes."""
    return [
        *STRUCTURAL,
        *KEY_BEFORE_BREAKDOWNS,
        *dimension_names,
        *KEY_AFTER_BREAKDOWNS,
        TIME_PERIOD,
        OBS_VALUE,
        OBS_STATUS,
        *ATTRIBUTES,
    ]


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def cell_text(value: Any) -> str:
    """A value as its cell: empty for none (and for an empty object), a figure as people
    write it (10000, 0.25: the shortest text that reads back as the same number), an
    object as its JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = plain_number(value)
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode() if value else ""
    return str(value)


def record(document: Mapping[str, Any], dimension_names: Sequence[str]) -> list[str]:
    """A served observation (its document) as a row of `columns(dimension_names)`."""
    breakdowns = document["dimensions"]
    return [
        STRUCTURE,
        STRUCTURE_ID,
        ACTION,
        *(cell_text(document[field]) for field in KEY_BEFORE_BREAKDOWNS.values()),
        *(breakdowns.get(name, "") for name in dimension_names),
        *(cell_text(document[field]) for field in KEY_AFTER_BREAKDOWNS.values()),
        time_period(_day(document["period_start"]), _day(document["period_end"])),
        cell_text(document["value"]),
        STATUS_OF_BASIS[Basis(document["basis"])],
        *(cell_text(document[field]) for field in ATTRIBUTES.values()),
    ]


class SdmxCsvWriter:
    """RFC 4180 records (CRLF-terminated) of the columns for these breakdown dimensions."""

    def __init__(self, dimension_names: Sequence[str]) -> None:
        self.dimension_names = list(dimension_names)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def header(self) -> str:
        self._writer.writerow(columns(self.dimension_names))
        return self._take()

    def records(self, documents: Iterable[Mapping[str, Any]]) -> str:
        names = self.dimension_names
        self._writer.writerows(record(document, names) for document in documents)
        return self._take()

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def sdmx_csv_text(documents: Iterable[Mapping[str, Any]], dimension_names: Sequence[str]) -> str:
    """A whole SDMX-CSV document: the header, then a row per observation."""
    writer = SdmxCsvWriter(dimension_names)
    return writer.header() + writer.records(documents)


def sdmx_csv_chunks(
    batches: Iterable[Iterable[Mapping[str, Any]]], dimension_names: Sequence[str]
) -> Iterator[str]:
    """The header, then a piece of text per batch of observations, made lazily."""
    writer = SdmxCsvWriter(dimension_names)
    yield writer.header()
    for batch in batches:
        yield writer.records(batch)


def reimport_mapping(dimension_names: Sequence[str]) -> dict[str, Any]:
    """The mapping (`laborstats import FILE --mapping MAPPING`) that reads an export back:
    each dimension into its field, the basis from OBS_STATUS, each written attribute into
    its field, the source from SOURCE_ID; no cells, since each figure carries its own
    evidence (a quote or a cell). docs/sdmx-export.mapping.json is this for the seed's
    breakdown dimensions."""
    fields = {**KEY_BEFORE_BREAKDOWNS, **KEY_AFTER_BREAKDOWNS}
    given = {field: {"column": column} for column, field in fields.items()}
    return {
        "format": "sdmx-csv",
        "source": given.pop("source_id"),
        **given,
        "period": {"column": TIME_PERIOD},
        "value": OBS_VALUE,
        "status": {
            "column": OBS_STATUS,
            "flags": {status: {"basis": basis.value} for basis, status in STATUS_OF_BASIS.items()},
        },
        "breakdowns": {name: {"column": name} for name in dimension_names},
        "fields": {
            field: {"column": column}
            for column, field in ATTRIBUTES.items()
            if column not in DERIVED_ATTRIBUTES
        },
        "cells": False,
    }
