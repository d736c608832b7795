"""Small builders of valid input, overridable field by field."""

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from app.auth.service import create_token
from app.config import SEED_DIR
from app.domain.roles import Role
from app.models import Observation
from app.observations import editing
from app.observations.schemas import ObservationCreate
from app.sources import service as sources_service
from app.sources.schemas import SourceCreate

# Words of the seed's article (source 1, which sources 2 to 4 are relayed through): a quote
# citing any seed source must be in its text.
ARTICLE_QUOTE = "Russia is facing a massive worker shortage"


def observation_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "metric": "workers_entered",
        "origin": "PRK",
        "destination": "RUS",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "value": 7000,
        "qualifier": "approximate",
        "basis": "estimate",
        "attributed_to": "A test analyst",
        "source_id": 1,
        "quote": ARTICLE_QUOTE,
    }
    fields.update(overrides)
    return fields


def add_observation(session: Session, **overrides: Any) -> Observation:
    """Save through the same service the importer uses, and commit (which bumps the data
    version, as every write does)."""
    observation = editing.create_observation(
        session, ObservationCreate.model_validate(observation_fields(**overrides)), actor="test"
    )
    session.commit()
    return observation


def add_source_without_text(session: Session) -> int:
    """A source that keeps no text, so that no quote citing it is checked: for rows whose
    quotes are made up (long, or numbered) rather than the article's words."""
    data = SourceCreate(title="A source whose text is not kept", type="news_report")
    source = sources_service.create_source(session, data, actor="test")
    session.commit()
    return source.id


def make_token(session: Session, name: str, role: str) -> str:
    secret = create_token(session, name=name, role=Role(role))
    session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def seeded_revision(record: str, record_id: int) -> int:
    """The revision a seeded record is at: its first edition, then one revision for each
    correction the seed folder makes to it (seed/corrections.jsonl)."""
    lines = (SEED_DIR / "corrections.jsonl").read_text("utf-8").splitlines()
    corrections = [json.loads(line) for line in lines if line.strip()]
    return 1 + sum(1 for c in corrections if (c["record"], c["id"]) == (record, record_id))


def today() -> date:
    """The UTC day now, read when asked: a module-level constant goes stale when a run
    crosses midnight, and `as_of` that day would then miss what was written after it."""
    return datetime.now(UTC).date()
