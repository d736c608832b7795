"""A client nobody here wrote: openapi-python-client generates one from the running server's
/openapi.json (with clients/openapi-python-client.yaml), for every operation and without a
warning, and it works against that server: a filtered list, its next page, one record, a
breakdown filter, and the list as CSV."""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
CONFIG = PROJECT_ROOT / "clients" / "openapi-python-client.yaml"
PACKAGE = "laborstats_client"
GENERATOR = "openapi-python-client==0.29.1"
# Tools with an environment of their own (git-ignored), made once and kept.
TOOLS = PROJECT_ROOT / ".tools"


def generator() -> Path:
    """openapi-python-client, in a virtual environment of its own: it pins typer below the
    version a user of laborstats installs, so in the tests' environment it would hide what
    users see of the command's help."""
    venv = TOOLS / GENERATOR.replace("==", "-")
    binary = venv / "bin" / "openapi-python-client"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", GENERATOR]
        subprocess.run(pip, check=True, timeout=600)
    return binary


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """What the generator printed; the package it wrote is importable as PACKAGE."""
    folder = tmp_path_factory.mktemp("generated")
    spec = folder / "openapi.json"
    spec.write_bytes(httpx.get(f"{server.url}/openapi.json", timeout=10).content)
    # Its post hooks run ruff, which the test extra installs beside this Python: offline.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(generator()), "generate", "--path", str(spec)]
    options = ["--output-path", str(folder / PACKAGE), "--config", str(CONFIG), "--meta", "none"]
    done = subprocess.run(
        [*command, *options], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    sys.path.insert(0, str(folder))
    try:
        yield output
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_generator_warns_of_nothing(generated: str) -> None:
    assert "warning" not in generated.lower(), generated
    assert "error" not in generated.lower(), generated


def test_every_operation_is_generated(server: Server, generated: str) -> None:
    spec = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
    assert spec["paths"], "the document has no operations to look for"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            tag = operation["tags"][0]
            name = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation["operationId"])
            assert hasattr(module(f"api.{tag}.{name}"), "sync_detailed"), (method, path)


def test_it_lists_with_a_filter_follows_the_cursor_and_reads_one(
    server: Server, generated: str
) -> None:
    client = module("client").Client(base_url=server.url, raise_on_unexpected_status=True)
    list_observations = module("api.observations.list_observations")
    first = list_observations.sync(client=client, origin="PRK", limit=2)
    assert len(first.data) == 2
    assert {item.origin for item in first.data} == {"PRK"}
    assert first.meta.next_cursor
    second = list_observations.sync(
        client=client, origin="PRK", limit=2, cursor=first.meta.next_cursor
    )
    assert second.data
    assert {item.origin for item in second.data} == {"PRK"}
    assert not {item.id for item in first.data} & {item.id for item in second.data}
    one = module("api.observations.get_observation").sync(first.data[0].id, client=client)
    assert one.id == first.data[0].id
    assert one.quote == first.data[0].quote


def test_it_sends_a_breakdown_filter_as_a_typed_parameter(server: Server, generated: str) -> None:
    client = module("client").Client(base_url=server.url, raise_on_unexpected_status=True)
    students = module("api.observations.list_observations").sync(
        client=client, metric=["nationals_entered"], visa_type="student"
    )
    assert students.data
    assert {item.dimensions["visa_type"] for item in students.data} == {"student"}


def test_it_reads_the_list_as_csv_text(server: Server, generated: str) -> None:
    """The generated operation parses the first media type the document declares (JSON):
    a CSV is read through the generated client's own httpx client, which carries its base
    URL, headers and timeouts; the typed Format enum names the formats."""
    client = module("client").Client(base_url=server.url, raise_on_unexpected_status=True)
    csv_format = module("models.format_").Format("csv")
    response = client.get_httpx_client().get(
        "/v1/observations", params={"origin": "PRK", "format": csv_format.value}
    )
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = response.text.splitlines()
    assert header.startswith("id,metric,")
    assert rows
    assert all(",PRK," in row for row in rows)


def test_it_checks_an_import_file_as_csv(server: Server, generated: str) -> None:
    """The import operation is generated (its CSV and JSON-lines bodies are files, by
    clients/openapi-python-client.yaml) and sends its file as text/csv."""
    token = server.laborstats("token", "create", "--name", "client", "--role", "editor")
    client = module("client").AuthenticatedClient(
        base_url=server.url, token=token.split()[-1], raise_on_unexpected_status=True
    )
    exported = httpx.get(f"{server.url}/v1/observations", params={"format": "csv", "limit": 3})
    upload = module("types").File(payload=exported.content, file_name="observations.csv")
    result = module("api.imports.import_observations").sync(
        client=client, body=upload, dry_run=True
    )
    assert result.valid, result
    assert result.dry_run
    assert result.unchanged == 3
