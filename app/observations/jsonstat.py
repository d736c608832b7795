"""Figures as a JSON-stat 2.0 dataset (https://json-stat.org/full/): one cube, whose
dimensions are, in this order, `metric`, `origin`, `destination`, `period` and `figure`.

- `metric`: each metric's code, labelled with its name, its unit in `category.unit` (role
  metric); `origin`, `destination`: ISO 3166-1 alpha-3 codes, labelled with the names
  GET /v1/countries serves (role geo); `period`: a period as SDMX writes it (`2024`,
  `2024-Q2`, `2022-01-01/..`; `none` for a figure with no period), in time order, labelled
  with its `period_label` (role time).
- `figure`: the observation ids. Competing figures for the same metric, pair and period (other
  claimants, other sources, a region's or a breakdown's figure) are each a cell of their
  own, never merged into one: a JSON-stat cell holds one value. A category per figure keeps
  its identity: the same id in JSON, CSV and here, the same category in every response,
  and no position in it that two unrelated figures share (a `claim` number per cell would
  line up unrelated claimants across periods as if they were one series).

The cube is sparse (each figure fills one cell of its row of the `figure` dimension), so
`value` and `status` are objects keyed by a cell's index in row-major order, holding only
the cells a figure fills: the document grows with the figures, not with the cube. A range
given only by its bounds has the value null. `status` is the basis (`official`,
`estimate`, `projection`), its meaning in `extension.status`; what a cell's number cannot
say (its qualifier, bounds, claimant, citation...) is in `extension.figures`, by the same
keys."""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from app.countries.service import country_names
from app.dataset.license import CREDIT
from app.domain.dates import NO_PERIOD_LABEL
from app.domain.figures import Basis, plain_number
from app.domain.observation import SERVED_FIELDS
from app.tables.periods import time_period

VERSION = "2.0"
DIMENSIONS = ("metric", "origin", "destination", "period", "figure")
DIMENSION_LABELS = {
    "metric": "Metric",
    "origin": "Country of origin",
    "destination": "Destination",
    "period": "Period",
    "figure": "Figure (observation id)",
}
NO_PERIOD = "none"  # the `period` category of figures with no period: SDMX writes none
# The basis as each value's status: a word JSON-stat readers show as it is, explained here.
STATUS_MEANINGS = {
    Basis.official: "given by a public body (a ministry, a statistics office, one of their "
    "officers) as its own figure",
    Basis.estimate: "an estimate: anyone else's figure of what happened or is",
    Basis.projection: "a projection: a figure of what is to come (expected, planned, a quota)",
}
# What each value's entry in `extension.figures` holds: everything the API serves of the
# figure but what the cube's own dimensions and value say (its id, qualifier, bounds,
# claimant, source, citation...): what tells competing figures apart.
IN_THE_CUBE = frozenset({"metric", "origin", "destination", "period_start", "period_end", "value"})
FIGURE_FIELDS = tuple(name for name in SERVED_FIELDS if name not in IN_THE_CUBE)
NOTE = (
    "Competing figures for the same metric, pair and period (other claimants, other "
    "sources, a region's or a breakdown's figure) are side by side as categories of "
    "`figure`, one per observation id: none is merged or picked."
)
_DECIMALS = re.compile(r"\.(\d+)$")


def _period_id(document: Mapping[str, Any]) -> str:
    start, end = document["period_start"], document["period_end"]
    if start is None:
        return NO_PERIOD
    return time_period(date.fromisoformat(start), None if end is None else date.fromisoformat(end))


def _period_order(document: Mapping[str, Any]) -> tuple[bool, str, bool, str]:
    """Time order, as series are: by start, then end (an open end last), no period last."""
    start, end = document["period_start"], document["period_end"]
    return (start is None, start or "", end is None, end or "")


def _decimals(numbers: Iterable[float | None]) -> int:
    """The most decimals any of these numbers is written with (JSON-stat's `decimals`, which
    its unit must give): rounding to them changes none of them."""
    most = 0
    for number in numbers:
        if number is None:
            continue
        written = repr(plain_number(float(number)))
        match = _DECIMALS.search(written)
        if match is not None:  # '1e-07' has no decimals JSON-stat could give: left as is
            most = max(most, len(match.group(1)))
    return most


def _figure_label(document: Mapping[str, Any]) -> str:
    """Who says so, and where if not the whole pair: enough to tell a cell's figures apart."""
    parts = [document["attributed_to"]]
    if document["region"]:
        parts.append(document["region"])
    parts.extend(f"{name} {value}" for name, value in sorted(document["dimensions"].items()))
    return f"{', '.join(parts)} (observation {document['id']})"


def _dimension(ids: list[str], labels: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    return {"index": ids, "label": {key: labels[key] for key in ids}, **extra}


def dataset(
    documents: Iterable[Mapping[str, Any]],
    *,
    metric_names: Mapping[str, str],
    label: str,
) -> dict[str, Any]:
    """The served observations (documents) as a JSON-stat 2.0 dataset; `metric_names` names
    each metric code, `label` the dataset."""
    figures = list(documents)
    metrics = sorted({figure["metric"] for figure in figures})
    origins = sorted({figure["origin"] for figure in figures})
    destinations = sorted({figure["destination"] for figure in figures})
    periods: dict[str, str] = {}
    for figure in sorted(figures, key=_period_order):
        periods.setdefault(_period_id(figure), figure["period_label"] or NO_PERIOD_LABEL)
    figure_ids = [str(figure["id"]) for figure in figures]
    categories = [metrics, origins, destinations, list(periods), figure_ids]
    size = [len(ids) for ids in categories]
    position = [{key: at for at, key in enumerate(ids)} for ids in categories]

    values: dict[str, float | None] = {}
    status: dict[str, str] = {}
    described: dict[str, dict[str, Any]] = {}
    for figure in figures:
        key = [
            figure["metric"],
            figure["origin"],
            figure["destination"],
            _period_id(figure),
            str(figure["id"]),
        ]
        index = 0
        for places, length, category in zip(position, size, key, strict=True):
            index = index * length + places[category]  # row-major: the last dimension fastest
        values[str(index)] = figure["value"]  # already as people write it: 10000
        status[str(index)] = Basis(figure["basis"]).value
        described[str(index)] = {name: figure[name] for name in FIGURE_FIELDS}

    names = {code: country_names(code)[0] for code in {*origins, *destinations}}
    units = {
        code: {
            "label": next(f["unit"] for f in figures if f["metric"] == code),
            "decimals": _decimals(
                number
                for f in figures
                if f["metric"] == code
                for number in (f["value"], f["lower_bound"], f["upper_bound"])
            ),
        }
        for code in metrics
    }
    category_of = {
        "metric": _dimension(metrics, {c: metric_names.get(c, c) for c in metrics}, unit=units),
        "origin": _dimension(origins, names),
        "destination": _dimension(destinations, names),
        "period": _dimension(list(periods), periods),
        "figure": _dimension(figure_ids, {str(f["id"]): _figure_label(f) for f in figures}),
    }
    updated = max((figure["updated_at"] for figure in figures), default=None)
    return {
        "class": "dataset",
        "version": VERSION,
        "label": label,
        "source": CREDIT,
        **({"updated": updated} if updated else {}),
        "note": [NOTE],
        "id": list(DIMENSIONS),
        "size": size,
        "role": {"time": ["period"], "geo": ["origin", "destination"], "metric": ["metric"]},
        "dimension": {
            name: {"label": DIMENSION_LABELS[name], "category": category_of[name]}
            for name in DIMENSIONS
        },
        "value": values,
        "status": status,
        "extension": {
            "status": {basis.value: meaning for basis, meaning in STATUS_MEANINGS.items()},
            "figures": described,
        },
    }
