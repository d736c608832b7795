"""What routers declare of their responses for the OpenAPI document: errors as the
problem+json the API sends (the `Problem` schema), the responses every write and edit may
give, and lists' CSV and NDJSON forms with their columns (figures' also as SDMX-CSV).
`app.server.documentation` builds the document from these."""

from collections.abc import Sequence
from typing import Any

from app.http.problems import PROBLEM_MEDIA_TYPE

PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}

# Documented error responses; problem_openapi() gives each the Problem schema.
PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "The token's role does not allow this.", **PROBLEM},
    413: {"description": "The body is over the size limit.", **PROBLEM},
    415: {"description": "The body is not in a media type this endpoint reads.", **PROBLEM},
    422: {"description": "The body breaks a rule; the problem names the field.", **PROBLEM},
}


def not_found(kind: str) -> dict[int | str, dict[str, Any]]:
    return {404: {"description": f"No {kind} has this id.", **PROBLEM}}


def edit_responses(kind: str) -> dict[int | str, dict[str, Any]]:
    return {
        **WRITE_RESPONSES,
        **not_found(kind),
        409: {"description": "The body names a stale revision, or the edit conflicts.", **PROBLEM},
        412: {"description": "If-Match names a revision that is no longer current.", **PROBLEM},
        428: {"description": "Neither If-Match nor a revision in the body.", **PROBLEM},
    }


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
# What any operation may answer, whatever it does.
EVERY_OPERATION: dict[str, dict[str, Any]] = {
    "400": {"description": "A bad or unknown parameter."},
    "429": {
        "description": "Too many requests from this client or token; wait Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
    "503": {
        "description": "The database is unavailable, busy or too slow to answer; try again "
        "after Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
}
NOT_MODIFIED = {"description": "Not modified: the copy named by If-None-Match is current."}

CSV_MEDIA_TYPE = "text/csv"
NDJSON_MEDIA_TYPE = "application/x-ndjson"
CSV_RULES = (
    "RFC 4180 CSV, UTF-8, a header row, then one row per item. Booleans are `true` / "
    "`false`; text a spreadsheet would run as a formula gets a leading `'`."
)
NDJSON_RULES = "JSON lines: one JSON document per line, each an item of the JSON list's `data`."


SDMX_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv"
SDMX_CSV_RULES = (
    "SDMX-CSV 2.0 (served with `version=2.0.0`): RFC 4180, UTF-8, a header row, then one "
    "row per figure: STRUCTURE, STRUCTURE_ID and ACTION, the dimensions of its key, "
    "TIME_PERIOD, OBS_VALUE, OBS_STATUS (A official, E estimate, F projection), then its "
    "attributes. Cells hold the values as stored (no spreadsheet guard), so that pysdmx and "
    "`laborstats import` read them back unchanged (docs/api.md)."
)


def sdmx_csv_content(columns: Sequence[str], *, then: str = "") -> dict[str, Any]:
    """A list of figures as SDMX-CSV, a string, its columns named in order, then `then`."""
    named = ", ".join(f"`{column}`" for column in columns)
    return {
        SDMX_CSV_MEDIA_TYPE: {
            "schema": {"type": "string", "description": f"{SDMX_CSV_RULES} Columns: {named}{then}."}
        }
    }


def table_content(columns: Sequence[str] = (), *, then: str = "") -> dict[str, Any]:
    """The CSV and NDJSON forms of a list, each a string (a typed client reads it as text),
    the CSV's columns named in order, then `then` (columns that depend on the data)."""
    named = ", ".join(f"`{column}`" for column in columns)
    listed = f" Columns: {named}{then}." if columns else ""
    return {
        CSV_MEDIA_TYPE: {"schema": {"type": "string", "description": CSV_RULES + listed}},
        NDJSON_MEDIA_TYPE: {"schema": {"type": "string", "description": NDJSON_RULES}},
    }


def table_responses(
    what: str,
    columns: Sequence[str],
    *,
    then: str = "",
    refused: str = "An unknown parameter, or a bad format.",
) -> dict[int | str, dict[str, Any]]:
    """A list's responses: 200 as JSON (from the response model), CSV and NDJSON; 400 as a
    problem saying what it refuses."""
    return {
        200: {"description": what, "content": table_content(columns, then=then)},
        400: {"description": refused, **PROBLEM},
    }
