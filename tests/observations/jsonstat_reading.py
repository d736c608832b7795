"""Reading a JSON-stat answer as its users would: jsonstat-validator checks it against the
JSON-stat 2.0 specification, pyjstat reads it into a pandas DataFrame; and the same
figures as the API's `format=csv` gives them, by observation id, to compare."""

import csv
import io
import json
import math
from datetime import date
from typing import Any

import httpx
import numpy
from jsonstat_validator import validate_jsonstat
from pyjstat import pyjstat

from app.tables.periods import time_period

DIMENSIONS = ["metric", "origin", "destination", "period", "figure"]
# What `extension.figures` gives of each value, as the API's JSON gives it.
DESCRIBED = (
    *("qualifier", "lower_bound", "upper_bound", "basis", "attributed_to", "source_id"),
    *("reported_on", "region", "dimensions", "part_of", "period_label", "unit", "citation"),
)


def checked_dataset(response: httpx.Response) -> dict[str, Any]:
    """The answer's dataset, once jsonstat-validator has accepted it."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    dataset = response.json()
    assert validate_jsonstat(dataset)
    assert (dataset["class"], dataset["version"], dataset["id"]) == ("dataset", "2.0", DIMENSIONS)
    return dataset


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _period(start: str, end: str) -> str:
    if not start:
        return "none"
    return time_period(date.fromisoformat(start), date.fromisoformat(end) if end else None)


def csv_figures(response: httpx.Response) -> dict[int, dict[str, Any]]:
    """Each figure of a `format=csv` answer, by id: its value and the cell it belongs in."""
    assert response.status_code == 200, response.text
    rows = csv.DictReader(io.StringIO(response.text, newline=""))
    return {
        int(row["id"]): {
            "value": _number(row["value"]),
            "cell": (
                row["metric"],
                row["origin"],
                row["destination"],
                _period(row["period_start"], row["period_end"]),
            ),
        }
        for row in rows
    }


Cell = tuple[str, str, str, str]


def pyjstat_values(dataset: dict[str, Any]) -> dict[int, tuple[list[Cell], list[float]]]:
    """What pyjstat reads, by figure (observation id): the cells (metric, origin,
    destination, period) of its row that hold a number, and those numbers. pyjstat expands
    the sparse cube to every cell, empty ones as NaN."""
    frame = pyjstat.Dataset.read(json.dumps(dataset)).write("dataframe", naming="id")
    assert list(frame.columns) == [*DIMENSIONS, "value"]
    assert len(frame) == math.prod(dataset["size"])
    read: dict[int, tuple[list[Cell], list[float]]] = {}
    for figure, rows in frame.groupby("figure", sort=False):
        filled = rows[rows["value"].notna()]
        cells: list[Cell] = [
            (row.metric, row.origin, row.destination, row.period)
            for row in filled.itertuples(index=False)
        ]
        read[int(figure)] = (cells, [float(v) for v in filled["value"]])
    return read


def cell_of(dataset: dict[str, Any], key: str) -> dict[str, str]:
    """The categories of the cell a `value` key names (its index, row-major)."""
    places = numpy.unravel_index(int(key), dataset["size"])
    return {
        name: dataset["dimension"][name]["category"]["index"][int(place)]
        for name, place in zip(dataset["id"], places, strict=True)
    }


def assert_holds_the_csv_figures(
    dataset: dict[str, Any], figures: dict[int, dict[str, Any]], served: list[dict[str, Any]]
) -> None:
    """The dataset holds each figure of the CSV once, in its own cell, with its value (as
    pyjstat reads it), its basis as status, and what JSON serves of it in its extension."""
    assert figures, "a check of no figures proves nothing"
    categories = dataset["dimension"]["figure"]["category"]["index"]
    assert sorted(map(int, categories)) == sorted(figures)
    assert set(dataset["value"]) == set(dataset["status"]) == set(dataset["extension"]["figures"])
    assert len(dataset["value"]) == len(figures)
    by_id = {document["id"]: document for document in served}
    for key, value in dataset["value"].items():
        cell = cell_of(dataset, key)
        figure = int(cell["figure"])
        described = dataset["extension"]["figures"][key]
        assert described["id"] == figure
        expected = figures[figure]
        assert tuple(cell[name] for name in DIMENSIONS[:4]) == expected["cell"]
        assert value == expected["value"]
        assert dataset["status"][key] == by_id[figure]["basis"]
        assert {name: described[name] for name in DESCRIBED} == {
            name: by_id[figure][name] for name in DESCRIBED
        }
    read = pyjstat_values(dataset)
    assert set(read) == set(figures)
    for figure, (cells, numbers) in read.items():
        value = figures[figure]["value"]
        assert numbers == ([] if value is None else [value]), figure
        assert cells == ([] if value is None else [figures[figure]["cell"]]), figure
