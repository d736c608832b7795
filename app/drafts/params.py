from pydantic import Field

from app.domain.bounds import MAX_ID
from app.domain.draft import DraftStatus
from app.http.query import PageParameters


class DraftQuery(PageParameters):
    """Drafts in id order, a page at a time."""

    source_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Only the drafts read from this source."
    )
    status: DraftStatus | None = Field(
        default=None, description="Only those proposed, accepted or rejected."
    )
