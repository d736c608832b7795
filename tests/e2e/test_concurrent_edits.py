"""Several editors at once on the real server: every accepted edit is a revision, every
refused one a 412, and nothing else happens (no 500, no "database is locked")."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
EDITORS = 8
ATTEMPTS = 12


def test_concurrent_edits_of_one_observation_lose_nothing(server: Server) -> None:
    token = server.laborstats("token", "create", "--name", "race", "--role", "editor").split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    target = "/v1/observations/3"
    start_revision = httpx.get(server.url + target).json()["revision"]

    def editor(number: int) -> list[tuple[int, str]]:
        outcomes = []
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            for attempt in range(ATTEMPTS):
                etag = client.get(target).headers["etag"]
                response = client.patch(
                    target,
                    json={"value": 20000 + number * 100 + attempt, "reason": f"editor {number}"},
                    headers={"If-Match": etag},
                )
                outcomes.append((response.status_code, response.text))
        return outcomes

    with ThreadPoolExecutor(EDITORS) as pool:
        outcomes = [o for result in pool.map(editor, range(EDITORS)) for o in result]

    statuses = Counter(status for status, _ in outcomes)
    assert set(statuses) <= {200, 412}, statuses
    assert statuses[200] >= 1
    assert not any("locked" in text for _, text in outcomes)
    history = httpx.get(f"{server.url}{target}/history").json()["data"]
    edits = [h for h in history if h["revision"] > start_revision]
    assert len(edits) == statuses[200]
    assert [h["revision"] for h in history] == list(range(1, len(history) + 1))
    accepted_values = {
        int(text.split('"value":')[1].split(",")[0]) for status, text in outcomes if status == 200
    }
    assert {h["observation"]["value"] for h in edits} == accepted_values
    assert "Traceback" not in server.log.read_text()
