"""The same figure, found again without its id: an import row whose natural key (metric,
pair, region, breakdown, period, source and claimant: `NATURAL_KEY`) is a stored
observation's revises it. Looked up by the claim (source and claimant), which the
natural-key index leads with."""

import json
from collections.abc import Collection, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, column, select, text
from sqlmodel import Session

from app.domain.columns import canonical_dimensions
from app.domain.observation import NATURAL_KEY
from app.models import Observation
from app.observations.schemas import ObservationCreate

NaturalKey = tuple[Any, ...]
# Where the claim (source and claimant) sits in a natural key: the index narrows by it.
_CLAIM = (NATURAL_KEY.index("source_id"), NATURAL_KEY.index("attributed_to"))
_NO_BREAKDOWN = canonical_dimensions({})


def natural_key(figure: Any) -> NaturalKey:
    """The NATURAL_KEY of an observation or an imported row, hashable."""
    return tuple(
        canonical_dimensions(figure.dimensions) if name == "dimensions" else getattr(figure, name)
        for name in NATURAL_KEY
    )


def natural_key_of(values: Mapping[str, Any]) -> NaturalKey:
    """The NATURAL_KEY of an observation's values (an import row's), hashable."""
    return tuple(
        (canonical_dimensions(values[name]) if values[name] else _NO_BREAKDOWN)
        if name == "dimensions"
        else values[name]
        for name in NATURAL_KEY
    )


def find_same_ids(session: Session, rows: Sequence[ObservationCreate]) -> dict[NaturalKey, int]:
    """The ids of stored observations with the natural keys of `rows`."""
    return find_ids_by_key(session, {natural_key(row) for row in rows})


# The claims (source and claimant) of a batch's keys, from one JSON parameter, so that the
# lookup below is one statement, compiled once, whatever the batch.
_CLAIMS = {
    "sqlite": "SELECT json_extract(value, '$[0]') AS source_id, "
    "json_extract(value, '$[1]') AS attributed_to FROM json_each(:claims)",
    "postgresql": "SELECT CAST(value ->> 0 AS integer) AS source_id, "
    "value ->> 1 AS attributed_to FROM jsonb_array_elements(CAST(:claims AS jsonb))",
}


def find_ids_by_key(session: Session, keys: Collection[NaturalKey]) -> dict[NaturalKey, int]:
    """The ids of stored observations with these natural keys (the lowest id, if several), in
    one query (`natural_key_lookup`); the rest of each key is matched here."""
    if not keys:
        return {}
    claims = sorted({(key[_CLAIM[0]], key[_CLAIM[1]]) for key in keys})
    statement = natural_key_lookup(session.get_bind().dialect.name)
    found: dict[NaturalKey, int] = {}
    for row in session.execute(statement, {"claims": json.dumps(claims)}):
        key = natural_key(row)
        if key in keys and (key not in found or row.id < found[key]):
            found[key] = row.id
    return found


@cache
def natural_key_lookup(dialect: str) -> Select[Any]:
    """The stored observations whose claims (source and claimant) are in the JSON list
    `:claims`: the natural-key index is searched once per claim, whatever the table's size
    (a join with the list: a tuple IN list is read as a scan on SQLite)."""
    claim = (
        text(_CLAIMS[dialect])
        .bindparams(bindparam("claims", type_=String))
        .columns(column("source_id", Integer), column("attributed_to", String))
        .cte("claim")
    )
    statement = select(Observation.id, *[getattr(Observation, name) for name in NATURAL_KEY])
    return statement.join_from(
        claim,
        Observation,
        and_(
            Observation.source_id == claim.c.source_id,
            Observation.attributed_to == claim.c.attributed_to,
        ),
    )
