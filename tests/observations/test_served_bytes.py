"""Every read path serves an observation byte for byte as the declared model
(app.domain.observation.ObservationPublic) serialises the stored object: pages in each
sort, single observations, series, CSV and NDJSON, on the seed and on generated data.

The reads render rows from plain cursor tuples (dates and moments as text from SQL); this
is the check that they still say exactly what the model says."""

import csv
import importlib.util
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlmodel import Session

from app.db import DataSession, create_db_engine
from app.domain.observation import SERVED_FIELDS, ObservationPublic
from app.domain.shapes import frictionless_type
from app.models import Metric, Observation, Source
from app.observations.documents import cite
from app.sources.service import chain_of
from tests.conftest import Databases, load_folder

ROOT = Path(__file__).resolve().parents[2]
SORTS = ["id", "-id", "value", "-value", "period_start", "-period_end", "reported_on"]


def cell_place(stored: Observation) -> dict[str, Any]:
    """The cell's place in its source's table, as RFC 7111 writes it, by hand."""
    if stored.cell is None:
        return {"cell_url": None}
    row, column = stored.cell["row"], stored.cell["column"]
    return {"cell_url": f"/v1/sources/{stored.source_id}/file#cell={row},{column}"}


def quote_place(stored: Observation, chain: list[Source]) -> dict[str, Any]:
    """The quote's place in the nearest text along its relay chain, found here by hand."""
    holder = next((source for source in chain if source.text is not None), None)
    if stored.quote is None:
        holder = None
    start = holder.text.find(stored.quote) if holder is not None else -1
    if holder is None or start < 0:
        return {"quote_start": None, "quote_end": None, "quote_url": None}
    end = start + len(stored.quote)
    url = f"/v1/sources/{holder.id}/text#char={start},{end}"
    return {"quote_start": start, "quote_end": end, "quote_url": url}


def expected_documents(url: str) -> dict[int, dict[str, Any]]:
    """Each stored observation as the declared model serialises it, keys in served order."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            units = {m.code: m.unit for m in session.scalars(select(Metric))}
            sources = {s.id: s for s in session.scalars(select(Source))}
            expected = {}
            for stored in session.scalars(select(Observation)):
                model = ObservationPublic.model_validate(
                    {
                        **stored.model_dump(warnings=False),
                        "unit": units.get(stored.metric, ""),
                        "citation": cite(
                            stored,
                            chain_of(sources, stored.source_id),
                            unit=units.get(stored.metric, ""),
                        ),
                        "retracted": stored.retracted_at is not None,
                        **quote_place(stored, chain_of(sources, stored.source_id)),
                        **cell_place(stored),
                    }
                )
                dumped = model.model_dump(mode="json")
                expected[stored.id] = {name: dumped[name] for name in SERVED_FIELDS}
            return expected
    finally:
        engine.dispose()


def pages(client: TestClient, params: dict[str, Any]) -> Iterator[bytes]:
    cursor = None
    while True:
        response = client.get("/v1/observations", params={**params, "cursor": cursor})
        assert response.status_code == 200, response.text
        yield response.content
        cursor = response.json()["meta"]["next_cursor"]
        if cursor is None:
            return


def with_expected(served: Any, expected: dict[int, dict[str, Any]]) -> Any:
    """`served` with every observation document in it replaced by the expected one, and
    every other key kept in place."""
    if isinstance(served, list):
        return [with_expected(item, expected) for item in served]
    if not isinstance(served, dict):
        return served
    if list(served)[: len(SERVED_FIELDS)] == SERVED_FIELDS:
        return {
            **expected[served["id"]],
            **{k: served[k] for k in list(served)[len(SERVED_FIELDS) :]},
        }
    return {key: with_expected(value, expected) for key, value in served.items()}


def assert_json_as_expected(body: bytes, expected: dict[int, dict[str, Any]]) -> None:
    assert body == orjson.dumps(with_expected(orjson.loads(body), expected))


def check_every_read(client: TestClient, expected: dict[int, dict[str, Any]]) -> None:
    seen = set()
    for sort in SORTS:
        for body in pages(client, {"sort": sort, "limit": 97}):
            assert_json_as_expected(body, expected)
            seen.update(d["id"] for d in orjson.loads(body)["data"])
    assert seen == {i for i, d in expected.items() if not d["retracted"]}
    for observation_id in sorted(expected)[:: max(1, len(expected) // 150)]:
        response = client.get(f"/v1/observations/{observation_id}")
        assert_json_as_expected(response.content, expected)
    pairs = {(d["metric"], d["origin"], d["destination"]) for d in expected.values()}
    for metric, origin, destination in sorted(pairs)[:: max(1, len(pairs) // 100)]:
        params = {"metric": metric, "origin": origin, "destination": destination}
        assert_json_as_expected(client.get("/v1/series", params=params).content, expected)
    ndjson = client.get("/v1/observations", params={"limit": "all", "format": "ndjson"})
    assert ndjson.content.splitlines(), "the NDJSON export has no lines to check"
    for line in ndjson.content.splitlines():
        assert line == orjson.dumps(expected[orjson.loads(line)["id"]])
    served_csv = client.get("/v1/observations", params={"limit": "all", "format": "csv"}).text
    reader = csv.reader(io.StringIO(served_csv))
    header = next(reader)
    records = list(reader)
    assert records, "the CSV export has no rows to check"
    for record in records:
        document = expected[int(record[0])]
        cells = {**document, **document["dimensions"]}
        assert record == [csv_cell(name, cells.get(name)) for name in header]


# Every served field that is not text; breakdown columns are text.
NOT_TEXT = {
    name for name in SERVED_FIELDS if frictionless_type(ObservationPublic, name) != "string"
}


def csv_cell(name: str, value: Any) -> str:
    """A CSV cell as a spreadsheet should get it: booleans as JSON writes them, and text
    that a spreadsheet would run as a formula (= + - @ tab CR, after any quotes) behind a
    leading quote; numbers as they are, negative ones too."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # inferred values: their JSON, keys sorted; none, empty
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else ""
    if name not in NOT_TEXT and re.match(r"'*[=+\-@\t\r]", value):
        return "'" + value
    return str(value)


def stamp_a_whole_second_and_a_retraction(url: str) -> None:
    """Stored moments with and without microseconds, a retracted observation, texts a
    spreadsheet would run as formulas, and a negative figure."""
    engine = create_db_engine(url, for_writes=True)
    try:
        with DataSession(engine) as session:
            first, second = session.scalars(
                select(Observation.id).order_by(Observation.id).limit(2)
            )
            whole = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
            fraction = datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC)
            session.execute(
                update(Observation).where(Observation.id == first).values(updated_at=whole)
            )
            session.execute(
                update(Observation)
                .where(Observation.id == second)
                .values(updated_at=fraction, retracted_at=whole, retraction_reason="=Test.")
            )
            session.execute(
                update(Observation)
                .where(Observation.id == first)
                .values(notes="-5 or so", attributed_to="'@someone", value=-5.0)
            )
            session.commit()
    finally:
        engine.dispose()


def test_the_seed_is_served_as_the_model_serialises_it(seeded_db_url: str, client_for: Any) -> None:
    stamp_a_whole_second_and_a_retraction(seeded_db_url)
    check_every_read(client_for(seeded_db_url), expected_documents(seeded_db_url))


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's synthetic data: regions, breakdowns, parts, ranges, many sources."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    folder = tmp_path_factory.mktemp("generated")
    generate.write_dataset(1500, folder, revised_share=0)
    return folder


def test_generated_data_is_served_as_the_model_serialises_it(
    databases: Databases, generated_folder: Path, client_for: Any
) -> None:
    url = databases.copy(databases.migrated)
    load_folder(url, generated_folder, actor="test")
    stamp_a_whole_second_and_a_retraction(url)
    check_every_read(client_for(url), expected_documents(url))
