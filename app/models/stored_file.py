"""Stored files: the bytes of a statistical table a source keeps, once, by their SHA-256.
A source (and each of its revisions) names its file by that digest; nothing is ever
deleted, so a past revision's table can still be read."""

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.domain.columns import UTCDateTime


class StoredFile(SQLModel, table=True):
    __tablename__ = "stored_file"

    sha256: str = Field(primary_key=True, sa_type=String(64))
    media_type: str = Field(sa_type=String(100))
    size: int = Field(sa_type=BigInteger)
    content: bytes = Field(sa_type=LargeBinary)
    stored_at: datetime = Field(sa_type=UTCDateTime)
