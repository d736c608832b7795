from datetime import datetime

from sqlmodel import Field, SQLModel

from app.domain.columns import UTCDateTime


class DatasetState(SQLModel, table=True):
    """A single row: the data version every write bumps, and when it last changed."""

    __tablename__ = "dataset_state"

    id: int = Field(default=1, primary_key=True)
    data_version: int = 0
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
