"""What an import reports: how many records of each kind it created, updated or left
unchanged, and every problem by file and line (the CSV header is line 1)."""

from collections import Counter
from dataclasses import dataclass, field

from app.domain.outcomes import SaveOutcome

# What each kind of record counts; a row or record saved counts by its SaveOutcome. A
# table's cells count those that gave no figure; observations a release retracted.
OUTCOMES = {
    "corrections": ("applied", "unchanged"),
    "table cells": ("without a figure", "left out by the mapping"),
}
SAVE_OUTCOMES = ("created", "updated", "unchanged")
# Outcomes said only when some record had them.
OCCASIONAL = ("retracted",)
CHANGES = frozenset({"created", "updated", "applied", "retracted"})


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int  # 0 when the problem concerns the whole file
    message: str


@dataclass
class ImportReport:
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def count(self, kind: str, outcome: SaveOutcome | str, times: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += times

    @property
    def changed(self) -> bool:
        return any(n for c in self.counts.values() for done, n in c.items() if done in CHANGES)

    def summary(self) -> str:
        parts = [
            f"{kind}: "
            + ", ".join(
                f"{c[done]} {done}"
                for done in (*OUTCOMES.get(kind, SAVE_OUTCOMES), *OCCASIONAL)
                if done not in OCCASIONAL or c[done]
            )
            for kind, c in self.counts.items()
        ]
        return "; ".join(parts) or "nothing to import"
