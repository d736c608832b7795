"""Reads stay fast as data grows: every documented filter and sort is served by an index,
never by reading the whole table. Checked on the database's own query plans, over enough
varied rows (and fresh statistics) for the planner to choose as it would in production.

The filters here are selective on purpose: for a value most rows share, reading the table
in id order and stopping at the page's end is the planner's right choice, and as cheap."""

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, select, text
from sqlmodel import Session

from app.db import DataSession
from app.imports.service import import_path
from app.models import Observation
from app.observations import natural_keys, service
from app.observations.service import ObservationFilter as Filter
from app.observations.service import ObservationSort
from tests.conftest import ON_POSTGRES
from tests.factories import ARTICLE_QUOTE

ROWS = 3000
METRICS = [f"metric_{n:02d}" for n in range(20)]
COUNTRIES = ["PRK", "RUS", "CHN", "UZB", "TJK", "KGZ", "VNM", "NPL", "IND", "PHL"]

DOCUMENTED = {
    "a metric": (Filter(metrics=["metric_03"]), "id"),
    "several metrics": (Filter(metrics=["metric_03", "metric_07"]), "id"),
    "a country pair": (Filter(origin="NPL", destination="IND"), "id"),
    "a pair and a metric": (Filter(origin="NPL", destination="IND", metrics=["metric_05"]), "id"),
    "a pair and a metric, by period": (
        Filter(origin="NPL", destination="IND", metrics=["metric_05"]),
        "period_start",
    ),
    "an origin": (Filter(origin="PHL"), "id"),
    "a destination": (Filter(destination="IND"), "id"),
    "a region": (Filter(region="RU-KRS"), "id"),
    "a source": (Filter(source_ids=[4]), "id"),
    "a basis": (Filter(bases=["projection"]), "id"),
    "a qualifier": (Filter(qualifiers=["range"]), "id"),
    "a breakdown": (Filter(dimensions={"visa_type": "student"}), "id"),
    "a period": (Filter(period_from="1995", period_to="1995"), "id"),
    "a report date range": (Filter(reported_from="2001-03", reported_to="2001-04"), "id"),
    "sorted by period start": (Filter(), "period_start"),
    "sorted by period end, descending": (Filter(), "-period_end"),
    "sorted by report date, descending": (Filter(), "-reported_on"),
    "sorted by value": (Filter(), "value"),
}


def write_rows(folder: Path) -> None:
    """Twenty metrics and varied rows, common and rare values, as a dataset folder."""
    with (folder / "metrics.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["code", "name", "unit", "definition", "kind", "dimensions"])
        for code in METRICS:
            writer.writerow([code, code, "persons", "A test metric.", "flow", "visa_type"])
    path = folder / "observations.csv"
    columns = ["id", "metric", "origin", "destination", "region", "period_start", "period_end",
               "value", "qualifier", "basis", "attributed_to", "source_id", "reported_on",
               "quote", "visa_type", "lower_bound", "upper_bound"]  # fmt: skip
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        for n in range(ROWS):
            year = 1990 + n % 30
            metric = METRICS[n % len(METRICS)]
            writer.writerow(
                {
                    "id": 100 + n,
                    "metric": metric,
                    "origin": "PHL" if n % 113 == 0 else COUNTRIES[n % 7],
                    "destination": COUNTRIES[7 + n % 3] if n % 40 == 0 else "RUS",
                    "region": "RU-KRS" if n % 97 == 0 and n % 40 else "",
                    "period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31",
                    "value": n,
                    "qualifier": "range" if n % 89 == 0 else "approximate",
                    "lower_bound": n if n % 89 == 0 else "",
                    "upper_bound": n + 10 if n % 89 == 0 else "",
                    "basis": "projection" if n % 83 == 0 else "estimate",
                    "attributed_to": f"Analyst {n % 13}",
                    "source_id": 4 if n % 71 == 0 else 1 + n % 3,
                    "reported_on": f"{1990 + n % 33}-{1 + n % 12:02d}",
                    "quote": ARTICLE_QUOTE,
                    "visa_type": "student" if n % 61 == 0 else "",
                }
            )


@pytest.fixture(scope="module")
def analysed_db(databases, tmp_path_factory) -> str:
    url = databases.copy(databases.seeded)
    path = tmp_path_factory.mktemp("plans")
    write_rows(path)
    from app.db import create_db_engine

    engine = create_db_engine(url, for_writes=True)
    with DataSession(engine) as session, session.begin():
        import_path(session, path)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()
    return url


def plan(session: Session, query: Filter, sort: str) -> str:
    statement = service.list_statement(query, ObservationSort(sort)).limit(101)
    bind = session.get_bind()
    sql = str(statement.compile(bind, compile_kwargs={"literal_binds": True}))
    if ON_POSTGRES:  # does an index serve it? (the planner may still prefer a scan on few rows)
        session.execute(text("SET enable_seqscan = off"))
        return "\n".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))
    return "\n".join(row[3] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))


@pytest.mark.parametrize("case", DOCUMENTED)
def test_documented_filters_and_sorts_read_through_an_index(
    analysed_db: str, session_for, case: str
) -> None:
    query, sort = DOCUMENTED[case]
    with session_for(analysed_db) as session:
        text_plan = plan(session, query, sort)
    if ON_POSTGRES:
        assert "Seq Scan on observation " not in text_plan + " ", text_plan
    else:
        lines = text_plan.splitlines()
        assert not any(line.strip() == "SCAN observation" for line in lines), text_plan
    assert "ix_observation" in text_plan or "pk_observation" in text_plan, text_plan


def _lookup_of(session: Session, stored: ColumnElement[bool]) -> str:
    """The SQL of the natural-key lookup of three `stored` observations, which it finds."""
    observations = session.scalars(select(Observation).where(stored).limit(3))
    keys = [natural_keys.natural_key(observation) for observation in observations]
    bind = session.get_bind()
    lookup = natural_keys.natural_key_lookup(bind.dialect)
    statement = lookup.statement.params(keys=lookup.parameter(keys))
    assert len(natural_keys.find_ids_by_key(session, keys)) == 3
    return str(statement.compile(bind, compile_kwargs={"literal_binds": True}))


def test_an_imports_natural_key_lookup_searches_an_index_by_the_whole_key(
    analysed_db: str, session_for
) -> None:
    """Rows without an id are matched on their natural key, a batch at a time: each key is
    one search of an index of `observation` by columns of the key beyond its claim (source
    and claimant), never a scan, nor a read of every row the claim holds."""
    with session_for(analysed_db) as session:
        sql = _lookup_of(session, Observation.id.in_([100, 357, 2500]))
        if ON_POSTGRES:
            session.execute(text("SET enable_seqscan = off"))
            lines = [row[0] for row in session.execute(text("EXPLAIN " + sql))]
            text_plan = "\n".join(lines)
            searched = [
                i for i, line in enumerate(lines) if re.search(r"Index.* on observation\b", line)
            ]
            conditions = " ".join(lines[i + 1] for i in searched if "Index Cond" in lines[i + 1])
            # "(source_id = ...)", "((attributed_to)::text = ...)"
            columns = set(re.findall(r"\(+(\w+)(?:\)::\w+)? = ", conditions))
        else:
            explained = session.execute(text("EXPLAIN QUERY PLAN " + sql))
            text_plan = "\n".join(row[3] for row in explained)
            search = re.search(r"SEARCH observation USING INDEX \w+ \((.*)\)", text_plan)
            columns = set(re.findall(r"(\w+)=\?", search.group(1))) if search else set()
    assert "SCAN observation" not in text_plan, text_plan
    assert "Seq Scan on observation " not in text_plan + " ", text_plan
    assert "ix_observation" in text_plan, text_plan
    # Beyond the claim, the key's metric and period: an official table's rows share one
    # claim and often one metric, so those alone would still read the whole table.
    assert {"metric", "period_start"} <= columns, text_plan


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's planner, without statistics")
def test_the_natural_key_lookup_searches_by_the_whole_key_in_a_database_never_analysed(
    seeded_db_url: str, session_for
) -> None:
    """The seeded database has no statistics: without the index named, SQLite searched the
    pair, metric and period's index, which an official table's rows share but for the
    period, and an import into it slowed with every batch (1,800 rows a second at 20,000
    rows whose claimants differ)."""
    with session_for(seeded_db_url) as session:
        analysed = session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        assert analysed == 0, "the premise: statistics were never gathered"
        sql = _lookup_of(session, Observation.id > 0)
        text_plan = "\n".join(row[3] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "SEARCH observation USING INDEX ix_observation_natural_key" in text_plan, text_plan
