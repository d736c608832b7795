from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class DatasetState(SQLModel, table=True):
    """A single row: the data version every write bumps, and when it last changed."""

    __tablename__ = "dataset_state"

    id: int = Field(default=1, primary_key=True)
    data_version: int = 0
    updated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
