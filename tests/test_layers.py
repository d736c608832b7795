"""The layers contract `lint-imports` checks (pyproject.toml) names every package and module
of app/, so that a new one cannot sit outside every layer, unchecked."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"


def layered() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [layers] = [contract["layers"] for contract in contracts if contract["type"] == "layers"]
    return {name.strip() for layer in layers for name in layer.split("|")}


def top_level() -> set[str]:
    packages = {f"app.{path.name}" for path in APP.iterdir() if (path / "__init__.py").is_file()}
    modules = {f"app.{path.stem}" for path in APP.glob("*.py") if path.name != "__init__.py"}
    return packages | modules


def test_every_package_and_module_of_the_app_sits_in_a_layer() -> None:
    assert len(top_level()) > 20
    assert top_level() == layered()
