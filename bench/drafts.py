"""How well app.reading proposes draft observations, against the labelled texts of
tests/data/drafts/NN-slug.json: recall, precision, and per field the share right among the
proposals that match a label.

A proposal matches a label when both stand in the same sentence (quote) and their spans
overlap in it; each label and each proposal is matched at most once.

Attribution is right when both are None, or, compared case-insensitively without
punctuation, one contains the other, or both name the same head noun (the last word before
a comma, a bracket or "of": "ex-laborers" and "Former North Korean laborers, speaking to the
BBC" both name laborers). Periods are right when start and end are equal (None equal None).
An invented period is a proposal with a period where its label has none or another one.

    python bench/drafts.py             # a plain table
    python bench/drafts.py --markdown  # the same, as markdown for docs/drafts.md
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.reading import Proposal, propose  # noqa: E402

DRAFTS = ROOT / "tests" / "data" / "drafts"
FIELDS = ("value", "qualifier", "basis", "period", "attribution", "origin", "destination")


@dataclass
class Scores:
    """Counts for one text, or for all of them (added up)."""

    name: str
    labels: int = 0
    proposals: int = 0
    matched: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    invented_periods: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.labels if self.labels else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.proposals if self.proposals else 1.0

    def share(self, name: str) -> float:
        return self.right[name] / self.matched if self.matched else 1.0

    def add(self, other: "Scores") -> None:
        self.labels += other.labels
        self.proposals += other.proposals
        self.matched += other.matched
        self.invented_periods += other.invented_periods
        for name in FIELDS:
            self.right[name] += other.right[name]
        self.misses += [f"{other.name}: {miss}" for miss in other.misses]


def texts() -> list[Path]:
    return sorted(DRAFTS.glob("[0-9][0-9]-*.json"))


def _words(text: str | None) -> str:
    return re.sub(r"[^\w\s]", " ", (text or "").lower()).strip()


def _head(text: str) -> str:
    first = re.split(r",|\(|\s+(?:of|for|at|from)\s+", text.strip())[0]
    words = re.findall(r"[\w'-]+", first.lower())
    head = re.sub(r"^(?:ex|former)-", "", words[-1]) if words else ""
    return head[:-1] if head.endswith("s") and len(head) > 3 else head


def same_source(proposed: str | None, labelled: str | None) -> bool:
    if proposed is None or labelled is None:
        return proposed is None and labelled is None
    a, b = " ".join(_words(proposed).split()), " ".join(_words(labelled).split())
    return bool(a and b) and (a in b or b in a or _head(proposed) == _head(labelled))


def _overlap(proposal: Proposal, label: dict[str, Any]) -> bool:
    if proposal.quote != label["quote"]:
        return False
    start = label["quote"].find(label["span"])
    end = start + len(label["span"])
    at = proposal.span_start - proposal.quote_start
    return at < end and start < at + len(proposal.span)


def _equal(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-6)


def score_text(path: Path) -> Scores:
    document = json.loads(path.read_text("utf-8"))
    proposals = propose(document["text"], published_on=document["published_on"])
    scores = Scores(path.stem, labels=len(document["figures"]), proposals=len(proposals))
    unmatched = list(proposals)
    for label in document["figures"]:
        proposal = next((p for p in unmatched if _overlap(p, label)), None)
        if proposal is None:
            scores.misses.append(f"missed {label['span']!r}")
            continue
        unmatched.remove(proposal)
        scores.matched += 1
        checks = {
            "value": all(
                _equal(getattr(proposal, name), label[name])
                for name in ("value", "lower_bound", "upper_bound")
            ),
            "qualifier": proposal.qualifier == label["qualifier"],
            "basis": proposal.basis == label["basis"],
            "period": (proposal.period_start, proposal.period_end)
            == (label["period_start"], label["period_end"]),
            "attribution": same_source(proposal.attributed_to, label["attributed_to"]),
            "origin": proposal.origin == label["origin"],
            "destination": proposal.destination == label["destination"],
        }
        for name, right in checks.items():
            scores.right[name] += right
            if not right:
                scores.misses.append(f"{label['span']!r}: {name} {_shown(proposal, name)}, "
                                     f"labelled {_shown(label, name)}")  # fmt: skip
        if proposal.period_start or proposal.period_end:
            scores.invented_periods += not checks["period"]
    scores.misses += [f"extra {p.span!r} ({p.unit})" for p in unmatched]
    return scores


def _shown(item: Proposal | dict[str, Any], name: str) -> str:
    get = item.get if isinstance(item, dict) else lambda key: getattr(item, key)
    keys = {"value": ("value", "lower_bound", "upper_bound"), "attribution": ("attributed_to",),
            "period": ("period_start", "period_end")}.get(name, (name,))  # fmt: skip
    return "/".join(str(get(key)) for key in keys)


def score(paths: list[Path] | None = None) -> tuple[Scores, list[Scores]]:
    """The scores over all labelled texts, and per text."""
    per_text = [score_text(path) for path in (texts() if paths is None else paths)]
    overall = Scores("overall")
    for scores in per_text:
        overall.add(scores)
    return overall, per_text


def _row(scores: Scores) -> list[str]:
    return [
        scores.name,
        f"{scores.matched}/{scores.labels}",
        f"{scores.recall:.0%}",
        f"{scores.precision:.0%}",
        *(f"{scores.share(name):.0%}" for name in FIELDS),
        str(scores.invented_periods),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    overall, per_text = score()
    header = ["text", "found", "recall", "precision", *FIELDS, "invented periods"]
    rows = [_row(s) for s in per_text] + [_row(overall)]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if args.misses:
        print("\n".join(overall.misses))


if __name__ == "__main__":
    main()
