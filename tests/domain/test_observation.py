"""An observation's fields are declared once, in app/domain/observation.py; the tables,
the request models, the CSV columns and the data package follow from that declaration."""

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import PROJECT_ROOT
from app.dataset.files import OBSERVATION_COLUMNS, OBSERVATION_REVISION_FIELDS, descriptor
from app.domain.observation import (
    SERVED_FIELDS,
    WRITTEN_FIELDS,
    ObservationBase,
    ObservationState,
)
from app.models import Observation, ObservationRevision
from app.observations.schemas import ObservationCreate, ObservationImport, ObservationUpdate

DECLARATION = PROJECT_ROOT / "app" / "domain" / "observation.py"
# An event's declaration lists its own fields, many named as an observation's are (origin,
# destination, source_id, quote...): a list of an event's fields, not of an observation's.
EVENT_DECLARATION = PROJECT_ROOT / "app" / "domain" / "event.py"
# So does a draft's: what reading a text found, nullable where a text may say nothing,
# with fields of its own (the span, its unit and currency, why each reading).
DRAFT_DECLARATION = PROJECT_ROOT / "app" / "domain" / "draft.py"
# And the reading's `Proposal`, which a draft stores: the text's words, not an observation.
PROPOSAL = PROJECT_ROOT / "app" / "reading" / "proposals.py"
# A table's mapping file names the fields its columns give: a file format's keys, written by
# editors (`"origin": {"column": "CITIZENSHIP"}`), not a list the declaration could give.
TABLE_MAPPING = PROJECT_ROOT / "app" / "imports" / "table_mapping.py"
# More than this many of an observation's fields in one literal or class body is a list
# of them (filters and indexes name a few).
MOST_FIELDS_NAMED_OUTSIDE_THE_DECLARATION = 6


def enumerations(path: Path) -> list[tuple[int, list[str]]]:
    """(line, names) of each literal list, tuple, set, dict or class body in a module that
    names observation fields."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        elif isinstance(node, ast.Dict):
            names = [k.value for k in node.keys if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.ClassDef):
            names = [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
        fields = [name for name in names if name in SERVED_FIELDS]
        if fields:
            found.append((node.lineno, fields))
    return found


def test_only_the_declaration_lists_an_observations_fields() -> None:
    paths = sorted((PROJECT_ROOT / "app").rglob("*.py"))
    assert set(paths) - {DECLARATION, EVENT_DECLARATION}, "no module besides the declarations"
    for path in paths:
        if path in (DECLARATION, EVENT_DECLARATION, DRAFT_DECLARATION, PROPOSAL, TABLE_MAPPING):
            continue
        for line, fields in enumerations(path):
            assert len(fields) <= MOST_FIELDS_NAMED_OUTSIDE_THE_DECLARATION, (path, line, fields)
    largest = max(len(fields) for _, fields in enumerations(DECLARATION))
    assert largest >= len(WRITTEN_FIELDS)  # the scan does see the declaration


def test_tables_hold_the_declared_state() -> None:
    state = list(ObservationState.model_fields)
    assert [c.name for c in Observation.__table__.columns] == [*state, "id"]
    revision_columns = {c.name for c in ObservationRevision.__table__.columns}
    assert revision_columns - set(state) == {
        *("id", "action", "recorded_at", "superseded_at", "recorded_by", "reason"),
        "change_version",
    }


def test_request_models_take_exactly_the_written_fields() -> None:
    assert list(ObservationBase.model_fields) == WRITTEN_FIELDS
    assert list(ObservationCreate.model_fields) == WRITTEN_FIELDS
    assert list(ObservationImport.model_fields) == [*WRITTEN_FIELDS, "id", "revision"]
    assert list(ObservationUpdate.model_fields) == ["reason", "revision", *WRITTEN_FIELDS]
    required = [name for name, info in ObservationUpdate.model_fields.items() if info.is_required()]
    assert required == ["reason"]


def test_an_update_checks_each_field_it_is_given_as_declared() -> None:
    with pytest.raises(ValidationError) as failure:
        ObservationUpdate.model_validate({"reason": "r", "origin": "XXX", "quote": ""})
    assert {error["loc"][0] for error in failure.value.errors()} == {"origin", "quote"}
    cleared = ObservationUpdate.model_validate({"reason": "r", "region": None, "origin": "prk"})
    assert cleared.changes() == {"region": None, "origin": "PRK"}


def test_csv_columns_and_the_data_package_follow_the_served_order() -> None:
    assert [name for name in SERVED_FIELDS if name != "dimensions"] == OBSERVATION_COLUMNS
    resources = {r["name"]: r for r in descriptor(["visa_type"])["resources"]}
    observations, revisions = resources["observations"], resources["observation_revisions"]
    assert [f["name"] for f in observations["schema"]["fields"]] == [
        *OBSERVATION_COLUMNS,
        "visa_type",
    ]
    assert list(OBSERVATION_REVISION_FIELDS)[6:] == [
        *WRITTEN_FIELDS,
        "retracted_at",
        "retraction_reason",
    ]
    assert [f["name"] for f in revisions["schema"]["fields"]] == list(OBSERVATION_REVISION_FIELDS)
