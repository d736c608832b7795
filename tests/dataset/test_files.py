"""RFC 4180 CSV and JSON lines as exports write and HTTP serves them (app.dataset.files)."""

import csv
import io
import json
from typing import Any

import pytest

from app.dataset.files import csv_chunks, csv_text, ndjson_text


def test_csv_text_writes_a_header_then_one_crlf_terminated_record_per_row() -> None:
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert csv_text(["id", "name"], rows) == "id,name\r\n1,a\r\n2,b\r\n"


def test_csv_text_of_no_rows_is_the_header_alone() -> None:
    assert csv_text(["id", "name"], []) == "id,name\r\n"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("plain", "plain"),
        ("a, b", '"a, b"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("two\r\nlines", '"two\r\nlines"'),
        ('all, "of"\nthem', '"all, ""of""\nthem"'),
        ("Курск", "Курск"),
        (None, ""),
        (10000.0, "10000"),
        (0.0, "0"),
        (-3.0, "-3"),
        (0.5, "0.5"),
        (1234.25, "1234.25"),
        (7, "7"),
    ],
)
def test_csv_text_writes_each_cell_as_rfc_4180_says(cell: Any, written: str) -> None:
    text = csv_text(["id", "cell", "end"], [{"id": 1, "cell": cell, "end": "x"}])
    assert text == f"id,cell,end\r\n1,{written},x\r\n"


@pytest.mark.parametrize(
    "cell", ["a, b", 'say "hi"', "two\nlines", "two\r\nlines", "", "Курск", ' "," ']
)
def test_a_csv_reader_reads_back_each_cell_as_written(cell: str) -> None:
    text = csv_text(["cell", "other"], [{"cell": cell, "other": "y"}])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["cell", "other"], [cell, "y"]]


def test_csv_text_ignores_keys_that_are_not_columns_and_leaves_missing_ones_empty() -> None:
    rows = [{"b": 2, "a": 1, "secret": "no"}, {"a": 3}]
    assert csv_text(["a", "b"], rows) == "a,b\r\n1,2\r\n3,\r\n"


def test_csv_text_writes_columns_in_the_order_given_not_the_rows() -> None:
    assert csv_text(["b", "a"], [{"a": 1, "b": 2}]) == "b,a\r\n2,1\r\n"


BATCHES = [
    [{"id": 1, "note": "a, b"}, {"id": 2, "note": None}],
    [],
    [{"id": 3, "note": 'q"uote'}],
    [{"id": 4, "note": 2.0}, {"id": 5, "note": "x\ny"}],
]


def test_csv_chunks_yield_the_header_first_then_one_chunk_per_batch() -> None:
    chunks = list(csv_chunks(["id", "note"], BATCHES))
    assert chunks == [
        "id,note\r\n",
        '1,"a, b"\r\n2,\r\n',
        "",
        '3,"q""uote"\r\n',
        '4,2\r\n5,"x\ny"\r\n',
    ]


def test_csv_chunks_join_into_the_csv_text_of_all_rows() -> None:
    all_rows = [row for batch in BATCHES for row in batch]
    chunks = csv_chunks(["id", "note"], BATCHES)
    assert "".join(chunks) == csv_text(["id", "note"], all_rows)


def test_csv_chunks_read_batches_only_as_they_are_asked_for() -> None:
    read: list[int] = []

    def batches() -> Any:
        for number, batch in enumerate(BATCHES):
            read.append(number)
            yield batch

    chunks = csv_chunks(["id", "note"], batches())
    assert next(chunks) == "id,note\r\n"
    assert read == []
    next(chunks)
    assert read == [0]


def test_ndjson_text_writes_one_compact_json_object_per_line() -> None:
    documents = [{"id": 1, "tags": ["a", "b"], "note": None}, {"id": 2, "value": 0.5}]
    text = ndjson_text(documents)
    assert text == b'{"id":1,"tags":["a","b"],"note":null}\n{"id":2,"value":0.5}\n'
    assert [json.loads(line) for line in text.splitlines()] == documents


def test_ndjson_text_keeps_utf_8_unescaped() -> None:
    text = ndjson_text([{"region": "Курск", "quote": 'he said "10,000"\nthen left'}])
    assert "Курск".encode() in text
    assert b"\\u" not in text
    assert text.decode("utf-8") == '{"region":"Курск","quote":"he said \\"10,000\\"\\nthen left"}\n'
    assert text.count(b"\n") == 1


def test_ndjson_text_of_no_documents_is_empty() -> None:
    assert ndjson_text([]) == b""
