"""The rules an observation keeps, declared in one place: on its own fields (a figure that
fits its qualifier, a period that runs forwards, a region of its destination, marks that
name values it has), and against other records (a known metric and its breakdowns, an
existing source, a total it can be part of). The create body applies the first to one
observation; imports apply both to a batch of rows without building a model each; edits
and imports fetch what the second needs (`References`)."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.codes import subdivision_country
from app.domain.dates import period_label_for
from app.domain.edits import RuleBroken
from app.domain.figures import Qualifier
from app.domain.inferences import check_marks
from app.domain.observation import INFERABLE
from app.errors import InvalidData
from app.models import Metric


def figure_and_period_rules(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rules across an observation's fields, on its checked values (a ValueError says
    which one is broken); returns the values they derive: the bound a stated minimum or
    maximum implies, and the period label when none is given. The model above applies them
    to one body; an import applies them to a batch of rows without building a model each."""
    if values["quote"] is None and values.get("cell") is None:
        raise RuleBroken(
            "a figure needs its evidence: its quote (the sentence it comes from, in its "
            "source's text) or its cell (where it stands in its source's table)",
            field="quote",
        )
    for name in ("value", "lower_bound", "upper_bound"):
        number = values[name]
        if number is not None and not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number")
    derived = _bounds(
        values["qualifier"], values["value"], values["lower_bound"], values["upper_bound"]
    )
    start, end = values["period_start"], values["period_end"]
    if end and not start:
        raise ValueError(
            "period_end needs a period_start: a period starts somewhere (give the "
            "earliest start the source supports, and say so in notes)"
        )
    if start and end and start > end:
        raise ValueError(f"period_start {start} is after period_end {end}")
    if values["period_label"] is None:
        derived["period_label"] = period_label_for(start, end)
    region, destination = values["region"], values["destination"]
    if region and subdivision_country(region) != destination:
        raise ValueError(
            f"region {region} is not in the destination {destination}; "
            "a region names where in the destination the figure applies"
        )
    check_marks(
        values["inferred"],
        {*INFERABLE, *values["dimensions"]},
        lambda name: _has_value(values, name),
    )
    return derived


def _has_value(values: Mapping[str, Any], name: str) -> bool:
    """Whether an observation holds the value a mark names (a breakdown's, by its name)."""
    if name == "period":
        return values["period_start"] is not None
    if name == "value":
        return any(values[bound] is not None for bound in ("value", "lower_bound", "upper_bound"))
    if name == "unit":
        return True
    return values[name] is not None if name in INFERABLE else name in values["dimensions"]


def _bounds(
    qualifier: Qualifier, value: float | None, low: float | None, high: float | None
) -> dict[str, float]:
    """Check a figure against its qualifier; a stated minimum (or maximum) is its bound."""
    derived: dict[str, float] = {}
    match qualifier:
        case Qualifier.range:
            if low is None or high is None:
                raise ValueError("a range needs both lower_bound and upper_bound")
        case Qualifier.at_least:
            if value is None or high is not None or low not in (None, value):
                raise ValueError(
                    f"{Qualifier.at_least} needs value (the stated minimum), no upper_bound, and "
                    "lower_bound empty or equal to value"
                )
            derived["lower_bound"] = low = value
        case Qualifier.at_most:
            if value is None or low is not None or high not in (None, value):
                raise ValueError(
                    f"{Qualifier.at_most} needs value (the stated maximum), no lower_bound, and "
                    "upper_bound empty or equal to value"
                )
            derived["upper_bound"] = high = value
        case _:
            if value is None:
                raise ValueError(f"{qualifier.value} needs a value")
    if low is not None and high is not None and low > high:
        raise ValueError(f"lower_bound {low:g} is above upper_bound {high:g}")
    if value is not None and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        raise ValueError(f"value {value:g} lies outside its bounds")
    return derived


@dataclass(frozen=True)
class Whole:
    """What a breakdown is checked against: its total's id, metric, pair and highest figure."""

    id: int
    metric: str
    origin: str
    destination: str
    highest: float | None

    @classmethod
    def of(cls, figure: Any, observation_id: int) -> "Whole":
        """From an observation (or a stored row): the largest it can be by its own words;
        None if unbounded above."""
        return cls.of_values(
            {name: getattr(figure, name) for name in _WHOLE_FIELDS}, observation_id
        )

    @classmethod
    def of_values(cls, values: Mapping[str, Any], observation_id: int) -> "Whole":
        """From an observation's values (a row being imported)."""
        if values["upper_bound"] is not None:
            highest = values["upper_bound"]
        elif values["qualifier"] in (Qualifier.at_least, Qualifier.range):
            highest = None
        else:
            highest = values["value"]
        return cls(
            observation_id, values["metric"], values["origin"], values["destination"], highest
        )


_WHOLE_FIELDS = ("metric", "origin", "destination", "qualifier", "value", "upper_bound")


@dataclass(frozen=True)
class References:
    """What the rules need from the database, fetched by the caller (one by one, or in bulk
    for imports): the metrics, whether the source exists, and the total named by part_of."""

    metrics: Mapping[str, Metric]
    source_exists: bool
    whole: Whole | None


def check_references(
    values: Mapping[str, Any], references: References, observation_id: int | None = None
) -> Metric:
    """The rules that involve other records, on an observation's values (`stored_values`);
    InvalidData names the field that breaks one."""
    metric = references.metrics.get(values["metric"])
    if metric is None:
        known = ", ".join(sorted(references.metrics)) or "none yet"
        raise InvalidData(
            f"Unknown metric '{values['metric']}'. Known metrics: {known}.", field="metric"
        )
    dimensions = values["dimensions"]
    unknown_dimensions = (
        sorted(set(dimensions) - set(metric.dimensions or [])) if dimensions else []
    )
    if unknown_dimensions:
        allowed = ", ".join(metric.dimensions or []) or "none"
        raise InvalidData(
            f"Metric {metric.code} has no dimension {', '.join(unknown_dimensions)}; "
            f"it allows: {allowed}.",
            field="dimensions",
        )
    if not references.source_exists:
        raise InvalidData(
            f"source_id {values['source_id']} names no source; add the source first.",
            field="source_id",
        )
    if values["part_of"] is not None:
        _check_part_of(values, references.whole, observation_id)
    return metric


def _check_part_of(
    values: Mapping[str, Any], whole: Whole | None, observation_id: int | None
) -> None:
    part_of = values["part_of"]
    if whole is None:
        raise InvalidData(
            f"part_of names observation {part_of}, which does not exist "
            "(in an import, put the total before its parts).",
            field="part_of",
        )
    if part_of == observation_id:
        raise InvalidData("An observation cannot be part of itself.", field="part_of")
    if (whole.metric, whole.origin, whole.destination) != (
        values["metric"],
        values["origin"],
        values["destination"],
    ):
        raise InvalidData(
            f"part_of {whole.id} is {whole.metric} from {whole.origin} to {whole.destination}; "
            "a breakdown must have the same metric, origin and destination as its total.",
            field="part_of",
        )
    lowest = values["lower_bound"] if values["lower_bound"] is not None else values["value"]
    if lowest is not None and whole.highest is not None and lowest > whole.highest:
        raise InvalidData(
            f"This part ({lowest:g}) is larger than its whole, observation {whole.id} "
            f"({whole.highest:g}).",
            field="part_of",
        )
