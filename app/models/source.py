from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel


class Source(SQLModel, table=True):
    """A publication or statement that figures are taken from."""

    __table_args__ = (
        CheckConstraint(
            "type IN ('news_report', 'government_statistics', 'intelligence_estimate',"
            " 'official_statement', 'testimony')",
            name="type",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=500)
    publisher: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    # ISO 8601 with the precision the source gives: "2025", "2025-06" or "2025-06-17".
    published_on: str | None = Field(default=None, max_length=10)
    type: str = Field(max_length=32)
    # The source that carried this one to us: an article relaying a BBC investigation.
    relayed_through: int | None = Field(default=None, foreign_key="source.id")
    notes: str | None = Field(default=None, sa_type=Text)
