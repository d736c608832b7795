"""The migrations, not create_all, define the schema: they must produce exactly the models."""

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.db import alembic_config, create_db_engine
from app.models import metadata
from app.models.search import include_object, is_search_object
from tests.conftest import Databases


def schema_drift(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            options = {"compare_type": True, "include_object": include_object}
            context = MigrationContext.configure(connection, opts=options)
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        # The full-text index is made by the migrations, not declared by the models.
        return {name for name in names if not is_search_object(name, "table")}
    finally:
        engine.dispose()


def test_migrations_produce_exactly_the_models_schema(databases: Databases) -> None:
    assert schema_drift(databases.migrated) == []


def test_migrations_go_down_to_nothing_and_up_again_without_drift(empty_db_url: str) -> None:
    config = alembic_config(empty_db_url)
    command.downgrade(config, "base")
    assert table_names(empty_db_url) == set()
    command.upgrade(config, "head")
    assert table_names(empty_db_url) == set(metadata.tables)
    assert schema_drift(empty_db_url) == []


def test_metrics_that_exist_when_metric_revisions_arrive_get_one_dated_by_the_audit(
    seeded_db_url: str,
) -> None:
    """The seed's metrics were created before; going down past metric revisions and up
    again gives each one revision, its state, dated and signed by its audit entry."""
    config = alembic_config(seeded_db_url)
    command.downgrade(config, "570e7c977f11")
    command.upgrade(config, "head")
    engine = create_db_engine(seeded_db_url)
    try:
        with engine.connect() as connection:
            revisions = connection.execute(
                text("SELECT code, revision, recorded_by, reason, state FROM metric_revision")
            ).all()
            metrics = connection.execute(text("SELECT code, name FROM metric")).all()
            audited = dict(
                connection.execute(
                    text("SELECT target, actor FROM audit_entry WHERE action = 'metric.create'")
                ).all()
            )
    finally:
        engine.dispose()
    assert sorted(r.code for r in revisions) == sorted(m.code for m in metrics)
    for revision in revisions:
        state = revision.state if isinstance(revision.state, dict) else json.loads(revision.state)
        assert revision.revision == 1
        assert revision.recorded_by == audited[f"metric/{revision.code}"]
        assert "earlier states were not kept" in revision.reason
        assert state["name"] == dict(metrics)[revision.code]
