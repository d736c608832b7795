"""A newer release of a table already loaded (other bytes) revises its source and each
figure it changes, with the reason "release of <its date>"; a figure it no longer holds is
retracted, saying so; the figures it leaves as they were are unchanged."""

import csv
import io
import json
from pathlib import Path

from tests.tables.conftest import OECD, OECD_MAPPING, TABLES, load_table, write_mapping


def release_with(path: Path, changes: dict[int, str]) -> Path:
    """The OECD file with the OBS_VALUE of some rows (RFC 7111's count) changed: a newer
    release, as a publisher revises a figure or withdraws one."""
    text = (TABLES / OECD).read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    value = records[0].index("OBS_VALUE")
    for row, written in changes.items():
        records[row - 1][value] = written
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(records)
    path.write_bytes(out.getvalue().encode("utf-8"))
    return path


def figure_at(client, source_id: int, row: int) -> dict:
    figures = client.get(
        "/v1/observations", params={"source": source_id, "limit": 1000, "include_retracted": True}
    ).json()["data"]
    return next(f for f in figures if f["cell"]["row"] == row)


def test_a_newer_release_revises_what_it_changes_and_retracts_what_it_withdraws(
    tables_db: str, session_for, client_for, tmp_path: Path
) -> None:
    first = write_mapping(tmp_path, OECD_MAPPING)
    load_table(session_for(tables_db), TABLES / OECD, first)
    client = client_for(tables_db)
    source = next(
        s
        for s in client.get("/v1/sources", params={"limit": 100}).json()["data"]
        if s["publisher"] == "OECD"
    )
    revised, withdrawn, kept = 10, 11, 12  # PRK to Italy, 2004, 2005 and 2019
    before = {row: figure_at(client, source["id"], row) for row in (revised, withdrawn, kept)}
    newer = release_with(tmp_path / "DF_MIG.csv", {revised: "57", withdrawn: ""})
    mapping = json.loads(first.read_text())
    mapping["source"]["published_on"] = "2025-06"
    release = tmp_path / "release"
    release.mkdir()
    report = load_table(session_for(tables_db), newer, write_mapping(release, mapping))
    assert not report.problems
    counts = report.counts["observations"]
    assert (counts["updated"], counts["retracted"], counts["created"]) == (1, 1, 0)
    assert counts["unchanged"] == sum(report.counts["observations"].values()) - 2

    changed = figure_at(client, source["id"], revised)
    assert (changed["value"], changed["revision"]) == (57, before[revised]["revision"] + 1)
    history = client.get(f"/v1/observations/{changed['id']}/history").json()["data"]
    assert history[-1]["reason"] == "release of 2025-06"
    gone = figure_at(client, source["id"], withdrawn)
    assert gone["retracted"] is True
    assert gone["retraction_reason"] == "not in the release of 2025-06"
    unchanged = figure_at(client, source["id"], kept)
    assert {k: v for k, v in unchanged.items() if k != "citation"} == {
        k: v for k, v in before[kept].items() if k != "citation"
    }
    assert "(OECD, 2025-06)" in unchanged["citation"]  # its source is the new release

    now = client.get(f"/v1/sources/{source['id']}").json()
    assert now["published_on"] == "2025-06"
    assert now["file_sha256"] != source["file_sha256"]
    assert client.get(f"/v1/sources/{source['id']}/file").content == newer.read_bytes()
    reasons = [
        r["reason"] for r in client.get(f"/v1/sources/{source['id']}/history").json()["data"]
    ]
    assert reasons[-1] == "release of 2025-06"
    # What the API said before the release can still be asked for.
    first_file = client.get(f"/v1/sources/{source['id']}/history").json()["data"][0]
    assert first_file["source"]["file_sha256"] == source["file_sha256"]
