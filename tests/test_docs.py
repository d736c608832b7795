"""The docs stay true: every endpoint and parameter is described, examples are real seed
data, every setting is in the README or docs/, every link between them resolves,
ARCHITECTURE.md maps every module, and the docs page needs no internet."""

import json
import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.main import ROUTERS

# What a reader reads: the README and the pages of docs/ it links to.
DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
DOCS = "\n".join(path.read_text("utf-8") for path in DOCUMENTS)
ARCHITECTURE = (PROJECT_ROOT / "ARCHITECTURE.md").read_text("utf-8")


VOLATILE = {"updated_at", "recorded_at"}  # when the test database was seeded


def without_nulls(value: object) -> object:
    """OpenAPI examples leave out null fields; compare what is there, bar load times."""
    if isinstance(value, dict):
        return {
            k: without_nulls(v) for k, v in value.items() if v is not None and k not in VOLATILE
        }
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def operations(client: TestClient) -> list[tuple[str, str, dict]]:
    spec = client.get("/openapi.json").json()
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_every_operation_has_a_summary_a_description_and_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    documented = operations(client)
    assert documented, "the document has no operations"
    for path, method, operation in documented:
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        if success == "204":  # no content, nothing to show
            assert "content" not in operation["responses"][success], (path, method)
            continue
        content = operation["responses"][success]["content"]
        if "application/json" not in content:  # a text (a source's): the example is its own
            assert any(media.get("example") for media in content.values()), (path, method)
            continue
        schema = content["application/json"]["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name.startswith("ListResponse"):
            item_ref = schemas[name]["properties"]["data"]["items"]["$ref"]
            name = item_ref.rsplit("/", 1)[-1]
        assert schemas[name].get("examples"), (path, name)


def test_every_parameter_is_described(client: TestClient) -> None:
    documented = operations(client)
    assert any(operation.get("parameters") for _, _, operation in documented), "no parameters"
    for path, method, operation in documented:
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, method, parameter["name"])


def test_observation_example_is_the_seeded_observation_1(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["ObservationPublic"]["examples"]
    actual = client.get("/v1/observations", params={"limit": 1}).json()["data"][0]
    assert without_nulls(example) == without_nulls(actual)


def test_source_example_is_the_seeded_source_2(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["SourceListed"]["examples"]
    actual = client.get("/v1/sources", params={"limit": 2}).json()["data"][1]
    assert without_nulls(example) == without_nulls(actual)


def test_metric_example_is_the_seeded_nationals_entered_metric(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["MetricPublic"]["examples"]
    served = client.get("/v1/metrics/nationals_entered").json()
    assert without_nulls(example) == without_nulls(served)


def test_series_example_is_the_seeded_2024_workers_figure(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["SeriesPeriod"]["examples"]
    params = {
        "metric": "workers_entered",
        "origin": "PRK",
        "destination": "RUS",
        "period_to": "2024",
    }
    actual = client.get("/v1/series", params=params).json()["data"][0]
    assert without_nulls(example) == without_nulls(actual)


def test_every_setting_is_documented_in_the_readme_or_docs() -> None:
    assert Settings.model_fields, "Settings declares no settings"
    for name, field in Settings.model_fields.items():
        assert f"`{name.upper()}`" in DOCS, name
        assert field.description


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped,
    spaces as hyphens, a repeated one numbered."""
    anchors: set[str] = set()
    outside_blocks = without_code(markdown, spans=False)
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", outside_blocks, re.MULTILINE):
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        numbered, n = anchor, 0
        while numbered in anchors:
            n += 1
            numbered = f"{anchor}-{n}"
        anchors.add(numbered)
    return anchors


def without_code(markdown: str, *, spans: bool = True) -> str:
    """The text outside fenced code blocks (and, with `spans`, outside code spans)."""
    markdown = re.sub(r"^ *(```|~~~).*?^ *\1", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", markdown) if spans else markdown


def test_every_link_in_the_readme_and_docs_to_a_file_or_heading_resolves() -> None:
    checked = 0
    for document in DOCUMENTS:
        text = without_code(document.read_text("utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)(?: \"[^\"]*\")?\)", text):
            if re.match(r"[a-z][a-z+.-]*:", target):  # https:, mailto:...
                continue
            path, _, anchor = target.partition("#")
            linked = (document.parent / path).resolve() if path else document
            where = f"{document.relative_to(PROJECT_ROOT)}: ({target})"
            assert linked.exists(), f"{where}: no such file"
            if anchor:
                assert linked.suffix == ".md", f"{where}: an anchor in a file that is not Markdown"
                assert anchor in heading_anchors(linked.read_text("utf-8")), (
                    f"{where}: no such heading"
                )
            checked += 1
    assert checked > 30, checked


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    pages = sorted((PROJECT_ROOT / "docs").glob("*.md"))
    assert len(pages) >= 5
    for page in pages:
        assert f"](docs/{page.name}" in readme, page.name


def test_a_generated_client_is_ignored_by_git() -> None:
    """docs/api.md has readers generate a client here (openapi-python-client writes
    laborstats-client/; tests/e2e/test_generated_client.py, with --meta none,
    laborstats_client/): neither may be committed by mistake."""
    ignored = (PROJECT_ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "pip install ./laborstats-client" in DOCS
    for folder in ("/laborstats-client/", "/laborstats_client/"):
        assert folder in ignored, folder


def test_docs_page_loads_its_assets_from_the_api_itself(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert client.get(asset).status_code == 200, asset


def test_error_responses_are_documented_as_the_problem_json_really_sent(
    client: TestClient,
) -> None:
    documented = operations(client)
    assert documented, "the document has no operations"
    for path, method, operation in documented:
        # Parameters answer 400, never FastAPI's 422; a body that breaks a rule answers 422.
        assert ("422" in operation["responses"]) == ("requestBody" in operation), (path, method)
        for status, response in operation["responses"].items():
            if status[0] in "45":
                problem = response["content"]["application/problem+json"]
                assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_responses_sent_without_model_validation_still_match_their_documented_models(
    client: TestClient,
) -> None:
    """Hot paths serialise with orjson and skip FastAPI's validation; the models stay true."""
    from app.domain.lists import ListResponse
    from app.domain.observation import ObservationPublic
    from app.observations.schemas import ObservationDetail, RevisionPublic
    from app.series.schemas import SeriesPeriod
    from app.sources.schemas import SourceListed

    pair = {"origin": "PRK", "destination": "RUS"}
    cases = [
        ("/v1/observations", {"limit": 1000}, ListResponse[ObservationPublic]),
        ("/v1/observations/4", {}, ObservationDetail),
        ("/v1/observations/1/history", {}, ListResponse[RevisionPublic]),
        ("/v1/sources", {}, ListResponse[SourceListed]),
        (
            "/v1/series",
            {"metric": ["workers_entered", "entries"], **pair},
            ListResponse[SeriesPeriod],
        ),
    ]
    for url, params, model in cases:
        body = client.get(url, params=params).json()
        validated = model.model_validate(body).model_dump(mode="json")
        assert without_nulls(validated) == without_nulls(body), url


def test_architecture_names_every_module_of_the_app() -> None:
    """By its path, or by its name in a section about its package."""
    sections = re.split(r"\n(?=#{2,3} )", ARCHITECTURE)
    paths = sorted((PROJECT_ROOT / "app").rglob("*.py"))
    assert any(path.name != "__init__.py" for path in paths), "no module found in app/"
    for path in paths:
        if path.name == "__init__.py":
            continue
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        package = relative.rsplit("/", 1)[0] + "/"
        named = f"`{relative}`" in ARCHITECTURE or any(
            f"`{package}`" in section and f"`{path.name}`" in section for section in sections
        )
        assert named, f"ARCHITECTURE.md does not say what {relative} is for"


def test_every_path_in_architecture_exists() -> None:
    paths = re.findall(r"`((?:app|tests|migrations)/[\w/.]*)`", ARCHITECTURE)
    assert len(paths) > 20
    for path in paths:
        assert (PROJECT_ROOT / path).exists(), path


def test_every_test_the_security_review_names_exists() -> None:
    """docs/security.md walks the OWASP API Top 10 by the tests that show each item."""
    review = (PROJECT_ROOT / "docs" / "security.md").read_text("utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?", review)
    assert len(named) > 30
    for path, test in named:
        source = (PROJECT_ROOT / path).read_text("utf-8")
        if test:
            assert re.search(rf"^(async )?def {test}\(", source, re.MULTILINE), f"{path}::{test}"
    for item in range(1, 11):
        assert f"## API{item}:" in review


def test_every_summary_is_its_docstrings_whole_first_sentence(client: TestClient) -> None:
    """Found in /docs: summaries cut at the docstring's first line stopped mid-sentence
    ("... Name the revision", "... Rows with an")."""
    routes = {
        (route.path, method.lower()): route.endpoint.__doc__ or ""
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    documented = operations(client)
    assert documented, "the document has no operations"
    for path, method, operation in documented:
        paragraph = " ".join(routes[(path, method)].strip().split("\n\n")[0].split())
        summary = operation["summary"]
        assert paragraph.startswith(summary), (path, method, summary)
        assert paragraph[len(summary) : len(summary) + 1] in ("", ".", "!", "?"), (path, summary)


def test_the_edit_example_is_the_seeds_own_correction_of_observation_1(client: TestClient) -> None:
    """Words a reader could take for the data's claim come from the data: the PATCH body's
    example is a correction the seed makes."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [example] = schemas["ObservationUpdate"]["examples"]
    corrections = [
        json.loads(line)
        for line in (PROJECT_ROOT / "seed" / "corrections.jsonl").read_text("utf-8").splitlines()
    ]
    made = [
        {"reason": c["reason"], "revision": c["revision"], **c["changes"]}
        for c in corrections
        if (c["record"], c["id"]) == ("observation", 1)
    ]
    assert example in [{name: m[name] for name in example if name in m} for m in made]
