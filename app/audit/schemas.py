from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryPublic(BaseModel):
    id: int
    recorded_at: datetime = Field(description="When (UTC).")
    actor: str = Field(description="The token's name; `cli` or `seed` for the command line.")
    action: str = Field(description="e.g. observation.edit, source.create, import.")
    target: str = Field(description="What was written, e.g. observation/12.")
    reason: str | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "recorded_at": "2026-11-26T12:00:00Z",
                    "actor": "newsdesk",
                    "action": "observation.edit",
                    "target": "observation/1",
                    "reason": "Withdrawn: the source retracted this figure.",
                }
            ]
        }
    )
