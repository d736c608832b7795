from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime
from app.domain.roles import Role
from app.models.base import one_of


class ApiToken(SQLModel, table=True):
    """A bearer token for writes. Only a hash of its secret is kept. A revoked token stays,
    for the audit trail; its name is unique among the tokens not revoked, so it may be
    given to a new one."""

    __tablename__ = "api_token"
    __table_args__ = (
        one_of("role", Role),
        Index(
            "uq_api_token_name_not_revoked",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    # The token reads "ls_<key_id>_<secret>": key_id finds the row, the secret is compared
    # with its SHA-256 in constant time.
    key_id: str = Field(max_length=32, unique=True)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
