"""Stated or inferred: which of a record's values its source states, and which were read into
it, each with its reason. A record's `inferred` maps a field to why it was inferred
({"period": "The report says 'last year' and is undated."}); a field it does not name is
stated by the source. Each declaration says which of its fields may be marked
(`INFERABLE`); here are the check that a mark names a value the record has, and how the
marks read in a citation."""

from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any

from pydantic import StringConstraints

from app.domain.bounds import ValidText

MarkName = Annotated[ValidText, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[ValidText, StringConstraints(min_length=1, max_length=1000)]
INFERRED_DESCRIPTION = (
    "The values the source does not state but that were inferred, each with its reason, "
    "by field name; {} when the source states every value."
)


def check_marks(
    marks: Mapping[str, str], markable: Collection[str], has_value: Callable[[str], bool]
) -> None:
    """A ValueError unless each mark names a markable field that holds a value, for a reason
    that says something."""
    for name, reason in marks.items():
        if name not in markable:
            raise ValueError(
                f"inferred: '{name}' is not a value that can be marked; mark one of "
                f"{', '.join(sorted(markable))}"
            )
        if not has_value(name):
            raise ValueError(f"inferred marks {name}, which has no value: there is nothing to mark")
        if not reason.strip():
            raise ValueError(f"inferred: the reason for {name} is blank; say why it was inferred")


def marks_sentence(
    marks: Mapping[str, str], labels: Mapping[str, str], shown: Mapping[str, Any]
) -> str:
    """The marks as a citation says them: 'Inferred, not stated: period 2024 (reason).'
    `labels` names each field as a citation does (a breakdown by its own name), `shown`
    gives each marked value as the citation shows it."""
    if not marks:
        return ""
    parts = []
    for name, reason in sorted(marks.items()):
        label = labels.get(name, name)
        value = shown.get(name)
        said = f"{label} {value}" if value else label
        parts.append(f"{said} ({reason.strip().rstrip('.')})")
    return "Inferred, not stated: " + "; ".join(parts) + "."
