"""The labelled set the drafts are scored against (tests/data/drafts) holds together: every
quote is in its text once, every span in its quote once, and every label uses the API's own
vocabulary, so that a score measures the reading, not a typo in a label."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.domain.figures import Basis, Qualifier

LABELLED = Path(__file__).parent.parent / "data" / "drafts"
TEXTS = sorted(LABELLED.glob("[0-9][0-9]-*.json"))
UNITS = {"persons", "percent", "money", "days", "hours", "weeks", "months", "years", "other"}
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
CODE = re.compile(r"^[A-Z]{3}$")


def test_the_set_holds_a_dozen_real_reports_besides_the_seed_article() -> None:
    assert len(TEXTS) >= 13
    assert TEXTS[0].name.startswith("00-north-korean-workers")
    for path in TEXTS[1:]:
        assert json.loads(path.read_text(encoding="utf-8"))["url"].startswith("http")


@pytest.mark.parametrize("path", TEXTS, ids=lambda path: path.stem)
def test_every_label_stands_in_its_text_in_the_apis_vocabulary(path: Path) -> None:
    report = json.loads(path.read_text(encoding="utf-8"))
    text, published = report["text"], report["published_on"]
    assert published is None or DATE.match(published)
    for figure in report["figures"]:
        where = f"{path.name}: {figure['span']!r}"
        assert text.count(figure["quote"]) == 1, where
        assert figure["quote"].count(figure["span"]) == 1, where
        assert figure["qualifier"] in set(Qualifier), where
        assert figure["basis"] in set(Basis), where
        assert figure["unit"] in UNITS, where
        assert (figure["unit"] == "money") == (figure["currency"] is not None), where
        check_figure(figure, where)
        for name in ("origin", "destination", "currency"):
            assert figure[name] is None or CODE.match(figure[name]), where
        dated = [figure["period_start"], figure["period_end"]]
        assert all(day is None or DATE.match(day) for day in dated), where
        assert (dated != [None, None]) == (figure["period_resolved"] is not None), where


def check_figure(figure: dict[str, Any], where: str) -> None:
    """A range has two ordered bounds and no value; any other figure a value alone."""
    bounds = (figure["lower_bound"], figure["upper_bound"])
    if figure["qualifier"] == "range":
        assert figure["value"] is None, where
        assert None not in bounds, where
        assert bounds[0] < bounds[1], where
    else:
        assert isinstance(figure["value"], int | float), where
        assert bounds == (None, None), where
