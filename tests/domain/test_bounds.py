"""Every field a client writes refuses what one database would store and the other would
not: NUL and unpaired surrogates in text, ids past 64 bits."""

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.domain.bounds import MAX_ID, check_text
from app.domain.edits import Retraction
from app.domain.metric import MetricBase
from app.imports.restore import ObservationRevisionIn, SourceRevisionIn
from app.observations.schemas import ObservationCreate, ObservationImport, ObservationUpdate
from app.sources.schemas import SourceCreate, SourceImport, SourceUpdate

WRITTEN = [
    ObservationCreate,
    ObservationUpdate,
    ObservationImport,
    Retraction,
    SourceCreate,
    SourceUpdate,
    SourceImport,
    MetricBase,
    ObservationRevisionIn,
    SourceRevisionIn,
]
# Texts some field takes; each is then spoilt in its middle.
SAMPLES: list[Any] = [
    "okay",
    "create",
    "https://a.example/okay",
    "2024-01",
    ["okay"],
    {"okay": "okay"},
]


def _spoilt(sample: Any, bad: str) -> list[Any]:
    if isinstance(sample, str):
        return [sample[:2] + bad + sample[2:]]
    if isinstance(sample, list):
        return [[_spoilt(sample[0], bad)[0]]]
    return [{"ok" + bad: "okay"}, {"okay": "ok" + bad}]


def _text_fields() -> list[Any]:
    cases = []
    for model in WRITTEN:
        for name, info in model.model_fields.items():
            adapter = TypeAdapter(Annotated[info.annotation, info])
            for sample in SAMPLES:
                try:
                    adapter.validate_python(sample)
                except ValidationError:
                    continue
                cases.append(pytest.param(adapter, sample, id=f"{model.__name__}.{name}"))
                break
    return cases


@pytest.mark.parametrize("bad", ["\x00", chr(0xDB97), chr(0xDC00)], ids=["nul", "high", "low"])
@pytest.mark.parametrize(("adapter", "sample"), _text_fields())
def test_every_text_field_a_client_writes_refuses_nul_and_unpaired_surrogates(
    adapter: TypeAdapter[Any], sample: Any, bad: str
) -> None:
    for value in _spoilt(sample, bad):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_the_text_fields_found_include_every_free_text_field() -> None:
    found = {param.id for param in _text_fields()}
    assert {
        "ObservationCreate.quote",
        "ObservationCreate.dimensions",
        "ObservationUpdate.notes",
        "Retraction.reason",
        "SourceCreate.url",
        "SourceUpdate.reason",
        "MetricBase.definition",
        "ObservationRevisionIn.retraction_reason",
    } <= found


def _id_fields() -> list[Any]:
    return [
        pytest.param(model, name, id=f"{model.__name__}.{name}")
        for model in WRITTEN
        for name in model.model_fields
        if name in ("id", "revision", "source_id", "part_of", "relayed_through")
    ]


@pytest.mark.parametrize(("model", "name"), _id_fields())
def test_every_id_a_client_writes_stops_at_64_bits(model: type[BaseModel], name: str) -> None:
    info = model.model_fields[name]
    adapter = TypeAdapter(Annotated[info.annotation, info])
    assert adapter.validate_python(MAX_ID) == MAX_ID
    with pytest.raises(ValidationError):
        adapter.validate_python(MAX_ID + 1)


@pytest.mark.parametrize("text", ["", "plain", "Курск", "𐀀 a pair", "tab\tand\nnewline"])
def test_valid_unicode_without_nul_passes_unchanged(text: str) -> None:
    assert check_text(text) is text
