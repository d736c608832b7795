"""The data carries a licence of its own (CC BY 4.0), apart from the code's MIT, stated alike
in GET /v1, the data package and the README's Licence section; quoted text is said to stay
its publisher's."""

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.dataset.files import descriptor
from app.dataset.license import LICENSE_ID, LICENSE_URL
from tests.exports.test_export import laborstats

# Where a reader looks for it: the README, and the pages of docs/ it links to.
DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]


def test_the_index_states_the_data_licence_and_that_quotes_are_not_relicensed(
    client: TestClient,
) -> None:
    stated = client.get("/v1").json()["license"]
    assert (stated["id"], stated["url"]) == (
        "CC-BY-4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert stated["name"] == "Creative Commons Attribution 4.0 International"
    assert "quote" in stated["quotes"]
    assert "not relicensed" in stated["quotes"]


def test_the_exported_data_package_lists_the_licence_in_frictionless_form(
    seeded_db_url: str, tmp_path: Path
) -> None:
    laborstats("export", str(tmp_path / "out"), database_url=seeded_db_url)
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert package["licenses"] == [
        {
            "name": LICENSE_ID,
            "path": LICENSE_URL,
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert "not relicensed" in package["description"]
    assert descriptor([])["licenses"] == package["licenses"]


def test_the_readme_names_the_same_data_licence_and_keeps_the_code_mit() -> None:
    sections = [
        re.search(
            r"^## Licence\n(.*?)(?=^## |\Z)", path.read_text("utf-8"), re.MULTILINE | re.DOTALL
        )
        for path in DOCUMENTS
    ]
    found = [section for section in sections if section]
    assert found, "neither README.md nor docs/ has a Licence section"
    (section,) = found
    text = section[1]
    assert f"`{LICENSE_ID}`" in text
    assert LICENSE_URL in text
    assert "MIT" in text
    assert "quote" in text
