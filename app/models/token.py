from datetime import datetime

from sqlmodel import Field, SQLModel

from app.domain.bounds import IdColumn
from app.domain.columns import UTCDateTime
from app.domain.roles import Role
from app.models.base import one_of


class ApiToken(SQLModel, table=True):
    """A bearer token for writes. Only a hash of its secret is kept."""

    __tablename__ = "api_token"
    __table_args__ = (one_of("role", Role),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdColumn)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=16)
    # The token reads "ls_<key_id>_<secret>": key_id finds the row, the secret is compared
    # with its SHA-256 in constant time.
    key_id: str = Field(max_length=32, unique=True)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
