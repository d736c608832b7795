"""Finding a stored figure again by its natural key, as an import row without an id does:
the lowest id for a key, every column of the key compared (NULL equal to NULL), and a
lookup whose work follows from the batch, not from how many rows its claim holds (every
row of an official table cites one source and one claimant)."""

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from app.config import SEED_DIR
from app.db import DataSession, create_db_engine
from app.imports.service import import_path
from app.models import Observation
from app.observations import editing
from app.observations.natural_keys import (
    find_ids_by_key,
    natural_key,
    natural_key_lookup,
)
from app.observations.schemas import ObservationCreate
from tests.conftest import ON_POSTGRES
from tests.factories import ARTICLE_QUOTE

CLAIMANT = "Statistics office"  # the one claimant of every row of an official table
COUNTRIES = sorted(country.alpha_3 for country in pycountry.countries)
COLUMNS = ["metric", "origin", "destination", "period_start", "period_end", "value"]
COLUMNS += ["qualifier", "basis", "attributed_to", "source_id", "quote"]


def table_rows(count: int, *, year: int = 2024) -> list[dict[str, Any]]:
    """`count` figures of one official table: one source, one claimant, one metric and one
    year, a figure per country pair (what the natural-key index's leading columns share)."""
    pairs = [(origin, destination) for origin in COUNTRIES[:60] for destination in COUNTRIES[60:]]
    return [
        {
            "metric": "entries",
            "origin": origin,
            "destination": destination,
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "value": 100 + n,
            "qualifier": "approximate",
            "basis": "official",
            "attributed_to": CLAIMANT,
            "source_id": 1,
            "quote": ARTICLE_QUOTE,
        }
        for n, (origin, destination) in enumerate(pairs[:count])
    ]


def load_table(url: str, folder: Path, rows: list[dict[str, Any]]) -> None:
    """The seed's metrics and sources, and `rows`, imported; then fresh statistics, as an
    import of many rows leaves them."""
    folder.mkdir(parents=True)
    for name in ("metrics.csv", "sources.csv"):
        shutil.copy(SEED_DIR / name, folder / name)
    shutil.copytree(SEED_DIR / "documents", folder / "documents")
    with (folder / "observations.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    engine = create_db_engine(url, for_writes=True)
    try:
        with DataSession(engine) as session, session.begin():
            import_path(session, folder)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    finally:
        engine.dispose()


def keys_of(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [natural_key(ObservationCreate.model_validate(row)) for row in rows]


def lookup_work(session: Session, keys: list[tuple[Any, ...]]) -> tuple[dict, int]:
    """What the lookup found, and the work the database did for it: on SQLite, virtual
    machine steps (counted a hundred at a time); on PostgreSQL, rows of `observation` read
    (returned, or read and filtered out), with the plan it would choose on a large table
    (no sequential scan, no hash or merge join)."""
    connection = session.connection()
    if not ON_POSTGRES:
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        raw = connection.connection.dbapi_connection
        raw.set_progress_handler(count, 100)  # type: ignore[union-attr]
        try:
            found = find_ids_by_key(session, keys)
        finally:
            raw.set_progress_handler(None, 100)  # type: ignore[union-attr]
        return found, steps[0]
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
        session.execute(text(f"SET LOCAL {setting} = off"))
    found = find_ids_by_key(session, keys)
    lookup = natural_key_lookup(connection.dialect)
    sql = str(lookup.statement.compile(dialect=connection.dialect))
    explained = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, {"keys": lookup.parameter(keys)}
    ).scalar_one()
    plan = explained if isinstance(explained, list) else json.loads(explained)
    return found, _rows_read(plan[0]["Plan"])


def _rows_read(node: dict[str, Any]) -> int:
    read = 0
    if node.get("Relation Name") == "observation":
        removed = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        read = (node["Actual Rows"] + removed) * node["Actual Loops"]
    return read + sum(_rows_read(child) for child in node.get("Plans", []))


def test_the_lookup_does_the_same_work_however_many_rows_the_claim_holds(
    empty_db_url: str, databases, tmp_path: Path
) -> None:
    small, large = empty_db_url, databases.copy(databases.migrated)
    load_table(small, tmp_path / "small", table_rows(300))
    load_table(large, tmp_path / "large", table_rows(3000))
    stored = table_rows(20)  # in both tables
    missing = table_rows(20, year=2023)  # in neither: the same claim, metric and pairs
    keys = keys_of(stored + missing)
    work = {}
    for name, url in (("small", small), ("large", large)):
        engine = create_db_engine(url)
        try:
            with Session(engine) as session, session.begin():
                found, work[name] = lookup_work(session, keys)
        finally:
            engine.dispose()
        assert sorted(found.values()) == list(range(1, 21))  # found again, by their ids
        assert set(found) == set(keys[:20])
    # Reading the claim's rows would be ten times the work in the large table.
    assert work["large"] <= 1.5 * work["small"], work


def test_the_lowest_id_of_a_key_is_found_and_every_column_of_the_key_counts(
    seeded_db_url: str, session_for
) -> None:
    """Keys that differ in one column only are different figures; NULLs (no region, no
    period) are equal to NULLs; of two stored figures with one key, the older is found."""
    base = {
        **table_rows(1)[0],
        "region": None,
        "period_start": None,
        "period_end": None,
        "dimensions": {},
    }
    variants = {
        "base": base,
        "a region": {**base, "destination": "RUS", "region": "RU-KRS"},
        "a breakdown": {**base, "dimensions": {"visa_type": "work"}},
        "a breakdown, another value": {**base, "dimensions": {"visa_type": "student"}},
        "a start": {**base, "period_start": date(2024, 1, 1)},
        "a start and end": {
            **base,
            "period_start": date(2024, 1, 1),
            "period_end": date(2024, 12, 31),
        },
        "another claimant": {**base, "attributed_to": CLAIMANT + " of the region"},
        "another source": {**base, "source_id": 2},
        "another metric": {**base, "metric": "workers_entered"},
    }
    with session_for(seeded_db_url) as session, session.begin():
        ids: dict[str, list[int]] = {}
        for name, fields in variants.items():
            data = ObservationCreate.model_validate({**fields, "quote": ARTICLE_QUOTE})
            # Twice each: the same figure stored twice (as two creates may store it).
            ids[name] = [
                editing.create_observation(session, data, actor="test").id for _ in range(2)
            ]
        keys = {
            name: natural_key(ObservationCreate.model_validate({**fields, "quote": ARTICLE_QUOTE}))
            for name, fields in variants.items()
        }
        assert len(set(keys.values())) == len(keys)
        found = find_ids_by_key(session, list(keys.values()))
        assert {name: found[key] for name, key in keys.items()} == {
            name: min(pair) for name, pair in ids.items()
        }
        absent = natural_key(
            ObservationCreate.model_validate({**base, "origin": "FRA", "quote": ARTICLE_QUOTE})
        )
        assert find_ids_by_key(session, [absent]) == {}
        assert session.get(Observation, min(ids["base"])) is not None


@pytest.mark.parametrize("batch", [1, 1000])
def test_the_lookup_is_one_statement_whatever_the_batch(
    seeded_db_url: str, session_for, batch: int
) -> None:
    keys = keys_of(table_rows(batch))
    with session_for(seeded_db_url) as session:
        statements = []
        connection = session.connection()

        def note(*_args: Any) -> None:
            statements.append(1)

        event.listen(connection, "before_cursor_execute", note)
        try:
            assert find_ids_by_key(session, keys) == {}
        finally:
            event.remove(connection, "before_cursor_execute", note)
    assert len(statements) == 1
