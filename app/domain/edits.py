"""What every edit carries besides the fields it changes: why, and which revision it
replaces (for clients that cannot send If-Match)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why: shown in the history.")
    revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision this edit replaces, for clients that cannot send If-Match.",
    )

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent (an explicit null clears a field)."""
        return self.model_dump(include=self.model_fields_set - set(Edit.model_fields))
