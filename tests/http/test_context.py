"""One request reads the data version and the catalog once, shares them between the cache
middleware and the handler, checks references against the catalog, and never COMMITs a
read. Counted on the app's real engines."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

TRANSACTION_CONTROL = ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")


class Recorder:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0

    def on_execute(self, _conn, _cursor, statement: str, *_args) -> None:
        self.statements.append(statement)

    def on_commit(self, _conn) -> None:
        self.commits += 1

    @property
    def queries(self) -> list[str]:
        return [s for s in self.statements if s.strip().upper() not in TRANSACTION_CONTROL]


@contextmanager
def recording(client: TestClient) -> Iterator[Recorder]:
    recorder = Recorder()
    engines = {client.app.state.engine, client.app.state.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", recorder.on_execute)
        event.listen(engine, "commit", recorder.on_commit)
    try:
        yield recorder
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", recorder.on_execute)
            event.remove(engine, "commit", recorder.on_commit)


# (url, SQL statements once the catalog is cached, what they read)
READS = [
    ("/v1/observations?metric=entries&origin=PRK", 2, ["dataset_state", "FROM observation"]),
    ("/v1/observations?source=3&format=csv", 2, ["dataset_state", "FROM observation"]),
    ("/v1/observations/1", 3, ["dataset_state", "FROM observation", "part_of"]),
    (
        "/v1/series?metric=entries&origin=PRK&destination=RUS",
        2,
        ["dataset_state", "FROM observation"],
    ),
]


@pytest.mark.parametrize(("url", "count", "reads"), READS)
def test_a_read_makes_a_fixed_small_number_of_statements_and_no_commit(
    client: TestClient, url: str, count: int, reads: list[str]
) -> None:
    assert client.get(url).status_code == 200  # the catalog is now cached for this version
    for _ in range(2):  # the same count every time
        with recording(client) as recorder:
            assert client.get(url).status_code == 200
        assert len(recorder.queries) == count, recorder.queries
        for expected, statement in zip(reads, recorder.queries, strict=True):
            assert expected in statement, (expected, statement)
        assert recorder.commits == 0


def test_the_data_version_is_read_once_per_request(client: TestClient) -> None:
    with recording(client) as recorder:
        client.get("/v1/observations?metric=workers_entered")
    assert sum("dataset_state" in s for s in recorder.queries) == 1


def test_unknown_metric_and_source_are_refused_from_the_catalog_without_a_query(
    client: TestClient,
) -> None:
    client.get("/v1/observations")
    for url in ("/v1/observations?metric=migrants", "/v1/observations?source=999"):
        with recording(client) as recorder:
            assert client.get(url).status_code == 400
        assert [s for s in recorder.queries if "dataset_state" not in s] == [], url
