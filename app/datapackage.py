"""The layout of a dataset folder, shared by `laborstats export` and `laborstats import`:
CSV files described by a Frictionless datapackage.json (the convention data desks know)."""

from typing import Any

# File of each resource, in the order they are loaded.
DATASET_FILES = {
    "metrics": "metrics.csv",
    "sources": "sources.csv",
    "observations": "observations.csv",
    "source_revisions": "source_revisions.csv",
    "observation_revisions": "observation_revisions.csv",
}
REVISION_FILES = ("source_revisions", "observation_revisions")

METRIC_FIELDS = {
    "code": "string",
    "name": "string",
    "unit": "string",
    "definition": "string",
    "kind": "string",
    "dimensions": "string",  # space-separated names
}
SOURCE_FIELDS = {
    "id": "integer",
    "title": "string",
    "publisher": "string",
    "url": "string",
    "published_on": "string",  # ISO 8601 of reduced precision: 2025, 2025-06...
    "type": "string",
    "relayed_through": "integer",
    "notes": "string",
    "revision": "integer",
    "updated_at": "datetime",
}
REVISION_FIELDS = {
    "id": "integer",
    "revision": "integer",
    "action": "string",
    "recorded_at": "datetime",
    "recorded_by": "string",
    "reason": "string",
}
# What each source revision holds, besides REVISION_FIELDS.
SOURCE_STATE_COLUMNS = [
    *("title", "publisher", "url", "published_on", "type", "relayed_through", "notes"),
]
SOURCE_REVISION_FIELDS = {
    **REVISION_FIELDS,
    **{name: SOURCE_FIELDS[name] for name in SOURCE_STATE_COLUMNS},
}
OBSERVATION_FIELD_TYPES = {
    "id": "integer",
    "source_id": "integer",
    "part_of": "integer",
    "revision": "integer",
    "period_start": "date",
    "period_end": "date",
    "value": "number",
    "lower_bound": "number",
    "upper_bound": "number",
    "retracted": "boolean",
    "updated_at": "datetime",
    "retracted_at": "datetime",
}
# What each observation revision holds, besides REVISION_FIELDS.
OBSERVATION_STATE_COLUMNS = [
    *("metric", "origin", "destination", "region", "dimensions", "period_start", "period_end"),
    *("period_label", "value", "lower_bound", "upper_bound", "qualifier", "basis"),
    *("attributed_to", "source_id", "reported_on", "quote", "notes", "part_of"),
    *("retracted_at", "retraction_reason"),
]
OBSERVATION_REVISION_FIELDS = {
    **REVISION_FIELDS,
    **{name: OBSERVATION_FIELD_TYPES.get(name, "string") for name in OBSERVATION_STATE_COLUMNS},
}


def _resource(name: str, fields: dict[str, str], primary_key: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "path": DATASET_FILES[name],
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [{"name": n, "type": t} for n, t in fields.items()],
            "primaryKey": primary_key,
        },
    }


def descriptor(observation_columns: list[str]) -> dict[str, Any]:
    observation_fields = {
        name: OBSERVATION_FIELD_TYPES.get(name, "string") for name in observation_columns
    }
    return {
        "profile": "tabular-data-package",
        "name": "laborstats",
        "title": "laborstats: sourced, dated labor-migration statistics",
        "resources": [
            _resource("metrics", METRIC_FIELDS, ["code"]),
            _resource("sources", SOURCE_FIELDS, ["id"]),
            _resource("observations", observation_fields, ["id"]),
            _resource("source_revisions", SOURCE_REVISION_FIELDS, ["id", "revision"]),
            _resource("observation_revisions", OBSERVATION_REVISION_FIELDS, ["id", "revision"]),
        ],
    }
