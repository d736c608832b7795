"""What saving one record did; imports count these."""

from typing import Literal

SaveOutcome = Literal["created", "updated", "unchanged"]
