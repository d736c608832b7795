"""What `pip install .` installs is all the app imports: the Docker image and the README's
Quick start install no extras, so a package only the test extras bring (as httpx was, for
webhook delivery) would stop the server from starting."""

import ast
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _runtime_distributions() -> set[str]:
    """The project's runtime dependencies and theirs, with the extras they ask for."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    todo = [Requirement(line) for line in declared]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            listed = requires(requirement.name) or []
        except PackageNotFoundError:
            continue
        for line in listed:
            needed = Requirement(line)
            extras = ["", *requirement.extras]
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return {name for name, _ in seen}


def _imported_modules() -> set[str]:
    """The top-level modules app/ imports, beyond the standard library and itself."""
    modules: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"app", "__future__"}


def test_every_package_the_app_imports_is_a_runtime_dependency() -> None:
    installed = _runtime_distributions()
    providers = packages_distributions()
    missing = {
        module: providers.get(module, [])
        for module in _imported_modules()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & installed
    }
    assert not missing, f"imported by app/ but not installed by `pip install .`: {missing}"
