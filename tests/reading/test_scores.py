"""The reading engine's targets on the labelled texts (bench/drafts.py scores them)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRAFTS = ROOT / "tests" / "data" / "drafts"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_drafts", ROOT / "bench" / "drafts.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not DRAFTS.is_dir(), reason="the labelled texts are missing")
def test_targets_on_the_labelled_texts() -> None:
    overall, per_text = _bench().score()
    assert per_text, "no labelled text was read"
    assert overall.recall >= 0.90
    assert overall.precision >= 0.85
    assert overall.share("qualifier") >= 0.95
    assert overall.share("value") >= 0.98
    assert overall.share("attribution") >= 0.80
    assert overall.invented_periods == 0
