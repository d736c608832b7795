"""Choosing a response format from `format=` and the Accept header (app.http.formats)."""

import pytest

from app.http.formats import Format, negotiate


@pytest.mark.parametrize(
    ("requested", "accept"),
    [
        (Format.json, "text/csv"),
        (Format.csv, "application/x-ndjson"),
        (Format.ndjson, "application/json"),
        (Format.csv, None),
        (Format.ndjson, ""),
    ],
)
def test_the_format_parameter_wins_over_the_accept_header(
    requested: Format, accept: str | None
) -> None:
    assert negotiate(requested, accept) is requested


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, Format.json),
        ("", Format.json),
        ("application/json", Format.json),
        ("text/csv", Format.csv),
        ("application/x-ndjson", Format.ndjson),
        ("application/ndjson", Format.ndjson),
        ("application/jsonl", Format.ndjson),
        ("text/csv; charset=utf-8", Format.csv),
        ("  text/csv  ", Format.csv),
    ],
)
def test_a_known_media_type_in_accept_chooses_its_format(
    accept: str | None, chosen: Format
) -> None:
    assert negotiate(None, accept) is chosen


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/csv;q=0.5, application/x-ndjson;q=0.9", Format.ndjson),
        ("application/x-ndjson;q=0.9, text/csv;q=0.5", Format.ndjson),
        ("text/csv;q=0.9, application/x-ndjson;q=0.5", Format.csv),
        ("application/json;q=0.1, text/csv", Format.csv),
        ("text/csv;q=0.2, application/json;q=0.8", Format.json),
        ("text/csv; q=0.4, application/ndjson; charset=utf-8; q=0.6", Format.ndjson),
        ("text/csv, application/x-ndjson", Format.csv),
    ],
)
def test_the_media_type_with_the_highest_q_wins(accept: str, chosen: Format) -> None:
    assert negotiate(None, accept) is chosen


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/html,*/*;q=0.8", Format.json),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", Format.json),
        ("*/*", Format.json),
        ("text/html, text/csv;q=0.1", Format.csv),
        ("image/png;q=1, application/x-ndjson;q=0.3", Format.ndjson),
    ],
)
def test_unknown_media_types_are_ignored(accept: str, chosen: Format) -> None:
    assert negotiate(None, accept) is chosen


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/csv;q=high", Format.json),
        ("text/csv;q=", Format.json),
        ("text/csv;q=high, application/x-ndjson;q=0.1", Format.ndjson),
        ("application/x-ndjson;q=0.1, text/csv;q=oops", Format.ndjson),
    ],
)
def test_a_malformed_q_counts_as_zero(accept: str, chosen: Format) -> None:
    assert negotiate(None, accept) is chosen


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("TEXT/CSV", Format.csv),
        ("Text/Csv;q=0.9", Format.csv),
        ("Application/X-NDJSON", Format.ndjson),
        ("APPLICATION/JSONL", Format.ndjson),
    ],
)
def test_media_types_are_case_insensitive(accept: str, chosen: Format) -> None:
    assert negotiate(None, accept) is chosen


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/csv;Q=0.1, application/x-ndjson;q=0.5", Format.ndjson),
        ("text/csv;q=5, application/x-ndjson;q=0.5", Format.ndjson),
        ("text/csv;q=-1", Format.json),
    ],
)
def test_q_is_read_whatever_its_case_and_only_from_zero_to_one(accept: str, chosen: Format) -> None:
    assert negotiate(None, accept) is chosen
